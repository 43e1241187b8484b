"""The GitHub Actions runner's ID-token endpoint, as a web-identity *token loader*.

Inside a job with ``permissions: id-token: write`` the runner sets
``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``; a ``GET`` of the URL
(plus ``&audience=...``) with the bearer request token answers ``{"value": "<JWT>"}``.

The endpoint cannot hang, flood or crash the caller: one request (all attempts and waits
included) ends within ``deadline`` seconds, the answer is read up to ``max_response_bytes``,
every failure is a :class:`~boto_session_manager.TokenEndpointError`, and the request token
goes only over https, or over http to a loopback host (a local issuer).
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ..exceptions import GitHubOidcNotAvailableError, TokenEndpointError, TokenEndpointUrlError
from . import DEFAULT_AUDIENCE
from .urls import is_loopback_host, shown_url

__all__ = [
    "DEFAULT_AUDIENCE",
    "REQUEST_TOKEN_VAR",
    "REQUEST_URL_VAR",
    "GitHubOidcTokenLoader",
]

logger = logging.getLogger("boto_session_manager")

REQUEST_URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name


@dataclass(repr=False)
class GitHubOidcTokenLoader:
    """Fetches a fresh ID token from the GitHub Actions runner's token endpoint.

    ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=...`` with the bearer request token; retries
    connection errors, timeouts, answers cut short, 429 and 5xx with exponential backoff and
    full jitter, or after the ``Retry-After`` a 429/503 asks for; never retries other 4xx.
    All attempts end within ``deadline`` seconds; an answer over ``max_response_bytes`` is
    refused unread. The request token is never logged nor shown.
    """

    request_url: str
    request_token: str = field(repr=False)
    audience: str = DEFAULT_AUDIENCE
    connect_timeout: float = 3.05
    read_timeout: float = 10.0
    max_attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    deadline: float = 60.0
    max_response_bytes: int = 64 * 1024
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    fetches: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        if not self.deadline > 0:
            raise ValueError(f"deadline must be a positive number of seconds: {self.deadline!r}")
        _check_url(self.request_url)

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
        """The endpoint's host and port (never user-info, path or query)."""
        return _host(self.request_url)

    def cache_token_source(self) -> str:
        """What tells this job's tokens apart in the credential cache (a hash, no secret)."""
        from ..credential_cache import github_job_token_source

        return github_job_token_source(self.request_url, self.request_token, self.audience)

    def _url(self) -> str:
        separator = "&" if urlsplit(self.request_url).query else "?"
        return f"{self.request_url}{separator}audience={quote(self.audience, safe='')}"

    def __call__(self) -> str:
        """Fetch and return a fresh ID token."""
        from .bounded_http import Failure, bounded_get

        _check_url(self.request_url)  # again: the field may have changed since __init__
        url = self._url()
        headers = {
            "Authorization": f"Bearer {self.request_token}",
            "Accept": "application/json; api-version=2.0",
            "Accept-Encoding": "identity",
            "User-Agent": "boto-session-manager",
        }
        ends = self.clock() + self.deadline
        reason = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            remaining = ends - self.clock()
            if remaining <= 0:  # pragma: no cover - the wait below never passes the deadline
                raise self._error(attempt - 1, f"{reason}; {self._no_time_left()}")
            outcome = bounded_get(
                url,
                headers=headers,
                timeout=(min(self.connect_timeout, remaining), min(self.read_timeout, remaining)),
                within=remaining,
                max_body_bytes=self.max_response_bytes,
            )
            retry_after: float | None = None
            if isinstance(outcome, Failure):
                reason, retryable = outcome.reason, outcome.retryable
                if outcome.out_of_time:
                    reason = f"no answer within the deadline of {self.deadline:g} s"
            elif outcome.status == 200:
                return self._token_from(outcome.body, attempt)
            else:
                status = outcome.status
                reason = f"HTTP status {status}"
                retryable = status == 429 or status >= 500
                if status in (401, 403):
                    reason += " (the request token was refused: is this the same job that set it?)"
                if status in (429, 503):
                    header = outcome.headers.get("Retry-After")
                    retry_after = _retry_after(header, self.wall_clock())
            if not retryable or attempt == self.max_attempts:
                raise self._error(attempt, reason)
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if delay >= ends - self.clock():
                if retry_after is not None:
                    raise self._error(
                        attempt,
                        f"{reason}; the endpoint asked to wait (Retry-After of {retry_after:g} s) "
                        f"past the deadline of {self.deadline:g} s",
                    )
                raise self._error(attempt, f"{reason}; {self._no_time_left()}")
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

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))  # noqa: S311

    def _no_time_left(self) -> str:
        return f"no time left for another attempt within the deadline of {self.deadline:g} s"

    def _error(self, attempts: int, reason: str) -> TokenEndpointError:
        return TokenEndpointError(host=self.host, attempts=attempts, reason=reason)

    def _token_from(self, body: bytes, attempt: int) -> str:
        try:
            document = json.loads(body)
        except ValueError:  # UnicodeDecodeError too
            raise self._error(attempt, "HTTP status 200 with a body that is not JSON") from None
        token = document.get("value") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise self._error(attempt, "HTTP status 200 without a 'value' field")
        with self._lock:
            self.fetches += 1
        return token

    def __repr__(self) -> str:
        return f"GitHubOidcTokenLoader(host={self.host!r}, audience={self.audience!r})"


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError:
        return "(invalid URL)"
    if not hostname:
        return "(no host)"
    shown = f"[{hostname}]" if ":" in hostname else hostname
    return shown if port is None else f"{shown}:{port}"


def _url_problem(url: str) -> str | None:
    """Why the request token must not be sent to ``url``, or ``None``."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "it is not a valid URL"
    if not parts.scheme:
        return "it is not an absolute URL"
    if parts.scheme not in ("http", "https"):
        return f"the scheme {parts.scheme!r} is not supported (https is)"
    if not parts.hostname:
        return "it has no host"
    if "@" in parts.netloc:
        return "it holds user-info (user:password@), which the runner's URL never does"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "plain http would send the request token unencrypted to a host that is not loopback"
    return None


def _check_url(url: str) -> None:
    problem = _url_problem(url)
    if problem is not None:
        raise TokenEndpointUrlError(url=shown_url(url), problem=problem)


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if valid."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
