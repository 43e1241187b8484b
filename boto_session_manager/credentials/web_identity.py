"""Web identity tokens and their exchange for AWS credentials.

A *token loader* is any callable that returns a fresh JWT; it is the one swappable piece
(the way botocore's web-identity provider takes one). Two come with the library:
:class:`GitHubOidcTokenLoader` asks the GitHub Actions runner's token endpoint over HTTP,
:class:`FileTokenLoader` reads ``AWS_WEB_IDENTITY_TOKEN_FILE``. The exchange itself is
botocore's ``AssumeRoleWithWebIdentityCredentialFetcher`` (an unsigned call), wrapped to retry
``InvalidIdentityToken`` and to turn STS refusals into errors that say what to fix.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

from ..exceptions import (
    ExpiredWebIdentityTokenError,
    GitHubOidcNotAvailableError,
    RoleTrustError,
    TokenEndpointError,
    WebIdentityTokenFileError,
)

if TYPE_CHECKING:
    import requests

__all__ = [
    "DEFAULT_AUDIENCE",
    "FileTokenLoader",
    "GitHubOidcTokenLoader",
    "TokenLoader",
    "WebIdentityExchange",
    "default_role_session_name",
    "token_claims",
    "unsigned_client_creator",
]

logger = logging.getLogger("boto_session_manager")

DEFAULT_AUDIENCE = "sts.amazonaws.com"
REQUEST_URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
#: Claims that say *who* a token speaks for; safe to show in errors (no signature, no jti).
PUBLIC_CLAIMS = ("sub", "aud", "repository", "ref", "environment")
_SESSION_NAME_BAD_CHARS = re.compile(r"[^\w+=,.@-]", re.ASCII)


class TokenLoader(Protocol):
    """Anything callable that returns a fresh web identity token (a JWT)."""

    def __call__(self) -> str: ...


def token_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, decoded *without* verifying it (only to explain errors)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def public_claims(token: str) -> dict[str, Any]:
    """Only the non-secret claims that explain a trust-policy decision."""
    claims = token_claims(token)
    return {name: claims[name] for name in PUBLIC_CLAIMS if name in claims}


def default_role_session_name(environ: Mapping[str, str] | None = None) -> str:
    """A role session name from the GitHub run (repository, run id, attempt), STS-safe."""
    env = os.environ if environ is None else environ
    repository = env.get("GITHUB_REPOSITORY", "")
    run_id = env.get("GITHUB_RUN_ID", "")
    attempt = env.get("GITHUB_RUN_ATTEMPT", "")
    if repository or run_id:
        raw = "-".join(
            part for part in ("gh", repository.replace("/", "+"), run_id, attempt) if part
        )
    else:
        raw = f"bsm-web-identity-{int(time.time())}"
    name = _SESSION_NAME_BAD_CHARS.sub("-", raw)
    if len(name) > 64:  # keep the run id and attempt, which tell runs apart
        tail = "-".join(part for part in (run_id, attempt) if part)
        name = name[: 64 - len(tail) - 1] + "-" + tail if tail else name[:64]
    return name if len(name) >= 2 else "bsm"


@dataclass(frozen=True, repr=False)
class FileTokenLoader:
    """Reads the token from a file each time (``AWS_WEB_IDENTITY_TOKEN_FILE``)."""

    path: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> FileTokenLoader:
        """The loader for ``AWS_WEB_IDENTITY_TOKEN_FILE``."""
        env = os.environ if environ is None else environ
        path = env.get("AWS_WEB_IDENTITY_TOKEN_FILE")
        if not path:
            raise WebIdentityTokenFileError(path="(unset)", reason="the variable is not set")
        return cls(Path(path))

    def __call__(self) -> str:
        """Return the token in the file."""
        try:
            token = self.path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise WebIdentityTokenFileError(
                path=self.path, reason=exc.strerror or "unreadable"
            ) from None
        if not token:
            raise WebIdentityTokenFileError(path=self.path, reason="the file is empty")
        return token

    def __repr__(self) -> str:
        return f"FileTokenLoader(path={str(self.path)!r})"


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


_shared_session_lock = threading.Lock()
_shared_session: list[Any] = []


def unsigned_client_creator(defaults: Mapping[str, Any]) -> Callable[..., Any]:
    """A ``client_creator`` for the unsigned STS call, from one process-wide botocore session.

    ``AssumeRoleWithWebIdentity`` is unsigned, so the session needs no credentials (botocore
    does not even look for them); sharing it means the service model is loaded once per
    process instead of once per manager (about 40 ms). Creation is serialised: botocore
    sessions are not safe for concurrent ``create_client`` calls.
    """

    def create_client(service_name: str, **kwargs: Any) -> Any:
        import botocore.session

        with _shared_session_lock:
            if not _shared_session:
                _shared_session.append(botocore.session.Session())
            return _shared_session[0].create_client(service_name, **{**defaults, **kwargs})

    return create_client


class WebIdentityExchange:
    """``sts:AssumeRoleWithWebIdentity`` for one role, a fresh token each time it is called.

    Called by botocore's refreshable credentials whenever they need refreshing. Retries
    ``InvalidIdentityToken`` (STS could not verify the token *yet*) with backoff, and turns
    ``AccessDenied`` and ``ExpiredTokenException`` into errors that say what to fix.
    """

    def __init__(
        self,
        *,
        role_arn: str,
        token_loader: TokenLoader,
        client_creator: Callable[..., Any],
        role_session_name: str,
        duration_seconds: int,
        invalid_token_attempts: int = 4,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from botocore.credentials import AssumeRoleWithWebIdentityCredentialFetcher

        from .refreshable import NoCache

        self.role_arn = role_arn
        self._last_token: str | None = None
        self._token_loader = token_loader
        self._invalid_token_attempts = invalid_token_attempts
        self._backoff_base = backoff_base
        self._sleep = sleep
        self.sts_calls = 0
        self._fetcher = AssumeRoleWithWebIdentityCredentialFetcher(
            client_creator=self._counting(client_creator),
            web_identity_token_loader=self._load_token,
            role_arn=role_arn,
            extra_args={"RoleSessionName": role_session_name, "DurationSeconds": duration_seconds},
            cache=NoCache(),  # every refresh is a real exchange with a fresh token
        )

    def _counting(self, client_creator: Callable[..., Any]) -> Callable[..., Any]:
        def create(service_name: str, **kwargs: Any) -> Any:
            self.sts_calls += 1
            return client_creator(service_name, **kwargs)

        return create

    def _load_token(self) -> str:
        token = self._token_loader()
        self._last_token = token
        return token

    def __call__(self) -> dict[str, Any]:
        """Exchange a fresh token for credentials (botocore's refresh contract)."""
        from botocore.exceptions import ClientError

        for attempt in range(1, self._invalid_token_attempts + 1):
            try:
                return self._fetcher.fetch_credentials()
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code == "InvalidIdentityToken" and attempt < self._invalid_token_attempts:
                    delay = self._backoff_base * 2 ** (attempt - 1)
                    logger.info("STS could not verify the token yet; retry in %.2f s", delay)
                    self._sleep(delay)
                    continue
                raise self._explain(code, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _explain(self, code: str, exc: Exception) -> Exception:
        if code == "AccessDenied":
            claims = public_claims(self._last_token or "")
            described = ", ".join(f"{k}={v!r}" for k, v in claims.items()) or "no readable claims"
            return RoleTrustError(role_arn=self.role_arn, claims=described)
        if code in ("ExpiredTokenException", "ExpiredToken"):
            return ExpiredWebIdentityTokenError(role_arn=self.role_arn)
        return exc

    def __repr__(self) -> str:
        return (
            f"WebIdentityExchange(role_arn={self.role_arn!r}, token_loader={self._token_loader!r})"
        )
