"""The GitHub Actions runner's ID-token endpoint, as a web-identity *token loader*.

Inside a job with ``permissions: id-token: write`` the runner sets
``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; a ``GET`` of the URL
(plus ``&audience=...``) with the bearer request token answers ``{"value": "<JWT>"}``.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from ..exceptions import GitHubOidcNotAvailableError, TokenEndpointError

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_AUDIENCE",
    "REQUEST_TOKEN_VAR",
    "REQUEST_URL_VAR",
    "GitHubOidcTokenLoader",
]

logger = logging.getLogger("boto_session_manager")

DEFAULT_AUDIENCE = "sts.amazonaws.com"
REQUEST_URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name


@dataclass(repr=False)
class GitHubOidcTokenLoader:
    """Fetches a fresh ID token from the GitHub Actions runner's token endpoint.

    ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with the bearer request token; retries
    connection errors, timeouts, 429 and 5xx with exponential backoff and full jitter; never
    retries other 4xx. The request token is never logged nor shown.
    """

    request_url: str
    request_token: str = field(repr=False)
    audience: str = DEFAULT_AUDIENCE
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    max_attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    fetches: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, audience: str = DEFAULT_AUDIENCE
    ) -> GitHubOidcTokenLoader:
        """The loader for this job; a clear error when the job has no ``id-token: write``."""
        env = os.environ if environ is None else environ
        missing = [name for name in (REQUEST_URL_VAR, REQUEST_TOKEN_VAR) if not env.get(name)]
        if missing:
            raise GitHubOidcNotAvailableError(missing=" and ".join(missing))
        return cls(
            request_url=env[REQUEST_URL_VAR],
            request_token=env[REQUEST_TOKEN_VAR],
            audience=audience,
        )

    @property
    def host(self) -> str:
        """The endpoint's host (safe to show: the request token is a header, not in the URL)."""
        return urlsplit(self.request_url).netloc or "(no host)"

    def _url(self) -> str:
        separator = "&" if urlsplit(self.request_url).query else "?"
        return f"{self.request_url}{separator}audience={quote(self.audience, safe='')}"

    def __call__(self) -> str:
        """Fetch and return a fresh ID token."""
        import requests

        url = self._url()
        headers = {
            "Authorization": f"Bearer {self.request_token}",
            "Accept": "application/json; api-version=2.0",
            "User-Agent": "boto-session-manager",
        }
        reason = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            retryable = True
            try:
                response = requests.get(
                    url, headers=headers, timeout=(self.connect_timeout, self.read_timeout)
                )
            except requests.Timeout:
                reason = "timed out"
            except requests.ConnectionError:
                reason = "connection failed"
            else:
                status = response.status_code
                if status == 200:
                    return self._token_from(response, attempt)
                reason = f"HTTP status {status}"
                retryable = status == 429 or status >= 500
                if status in (401, 403):
                    reason += " (the request token was refused: is this the same job that set it?)"
            if not retryable or attempt == self.max_attempts:
                raise TokenEndpointError(host=self.host, attempts=attempt, reason=reason)
            delay = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))  # noqa: S311
            logger.info(
                "GitHub token endpoint %s: %s; retry %d/%d in %.2f s",
                self.host,
                reason,
                attempt,
                self.max_attempts - 1,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token_from(self, response: requests.Response, attempt: int) -> str:
        try:
            body = response.json()
        except ValueError:
            raise TokenEndpointError(
                host=self.host,
                attempts=attempt,
                reason="HTTP status 200 with a body that is not JSON",
            ) from None
        token = body.get("value") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenEndpointError(
                host=self.host, attempts=attempt, reason="HTTP status 200 without a 'value' field"
            )
        with self._lock:
            self.fetches += 1
        return token

    def __repr__(self) -> str:
        return f"GitHubOidcTokenLoader(host={self.host!r}, audience={self.audience!r})"
