"""Web identity tokens and their exchange for AWS credentials, and the builder of that source.

A *token loader* is any callable that returns a fresh JWT; it is the one swappable piece
(the way botocore's web-identity provider takes one). Two come with the library:
:class:`~.github_token.GitHubOidcTokenLoader` asks the GitHub Actions runner's token endpoint
over HTTP, :class:`FileTokenLoader` reads ``AWS_WEB_IDENTITY_TOKEN_FILE``. The exchange itself is
botocore's ``AssumeRoleWithWebIdentityCredentialFetcher`` (an unsigned call), wrapped to retry
``InvalidIdentityToken`` and to turn STS refusals into errors that say what to fix.

:func:`build_web_identity` puts the pieces together, top to bottom: check the inputs, make
the exchange, hand it to a refreshing credential provider, attach that to a botocore session.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..credential_cache import CachedRefresh, sts_endpoint_url, web_identity_cache_key
from ..exceptions import (
    ExpiredWebIdentityTokenError,
    RoleTrustError,
    WebIdentityTokenFileError,
)
from ..refresh_windows import refresh_margin
from ..region import resolve_region
from ..validation import validate_role_request
from . import SessionSetup
from .github_token import DEFAULT_AUDIENCE, GitHubOidcTokenLoader
from .sts_clients import shared_session, sts_client_creator

if TYPE_CHECKING:
    from ..credential_cache import CredentialCache

__all__ = [
    "DEFAULT_AUDIENCE",
    "FileTokenLoader",
    "GitHubOidcTokenLoader",
    "TokenLoader",
    "WebIdentityExchange",
    "build_web_identity",
    "default_role_session_name",
    "token_claims",
]

logger = logging.getLogger("boto_session_manager")

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


class WebIdentityExchange:
    """``sts:AssumeRoleWithWebIdentity`` for one role, a fresh token each time it is called.

    Called by botocore's refreshable credentials whenever they need refreshing. Retries
    ``InvalidIdentityToken`` (STS could not verify the token *yet*) with backoff, and turns
    ``AccessDenied`` and ``ExpiredTokenException`` into errors that say what to fix.

    Diagnostic (read-only): :attr:`sts_calls`, the ``AssumeRoleWithWebIdentity`` requests
    sent, every HTTP attempt counted (botocore's own retries too).
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
        self._count_lock = threading.Lock()
        #: Diagnostic: ``AssumeRoleWithWebIdentity`` HTTP requests sent so far.
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
            client = client_creator(service_name, **kwargs)
            client.meta.events.register(
                "before-send.sts.AssumeRoleWithWebIdentity", self._count_request
            )
            return client

        return create

    def _count_request(self, **_kwargs: Any) -> None:
        with self._count_lock:
            self.sts_calls += 1

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


def build_web_identity(
    role_arn: str,
    *,
    token_loader: TokenLoader,
    role_session_name: str | None = None,
    duration_seconds: int = 3600,
    region_name: str | None = None,
    default_client_kwargs: Mapping[str, Any] | None = None,
    time_fetcher: Callable[[], datetime] | None = None,
    environ: Mapping[str, str] | None = None,
    credential_cache: CredentialCache | None = None,
) -> SessionSetup:
    """A refreshing manager's setup for ``role_arn`` through ``sts:AssumeRoleWithWebIdentity``.

    Nothing is fetched here: the first use of the credentials asks ``token_loader`` for a
    token and exchanges it; every refresh does both again. ``environ`` (default
    ``os.environ``) gives the region (``AWS_REGION``, ``AWS_DEFAULT_REGION``) and, inside
    GitHub Actions, the default role session name. With ``credential_cache``, the first use
    and every refresh go through that cache shared by processes (see
    :mod:`~boto_session_manager.credential_cache`), when the token loader can name its
    source (``cache_token_source()``, as the GitHub Actions loader does).
    """
    from .refreshable import LazyRefreshableProvider, refreshing_session

    session_name = validate_role_request(
        role_arn,
        duration_seconds=duration_seconds,
        role_session_name=role_session_name or default_role_session_name(environ),
    )
    region = resolve_region(region_name, environ)
    client_kwargs = dict(default_client_kwargs or {})
    sts_kwargs = {**client_kwargs, "region_name": region} if region else client_kwargs
    exchange = WebIdentityExchange(
        role_arn=role_arn,
        token_loader=token_loader,
        client_creator=sts_client_creator(shared_session(), sts_kwargs),
        role_session_name=session_name,
        duration_seconds=duration_seconds,
    )
    refresh: Callable[[], dict[str, Any]] = exchange
    token_source = getattr(token_loader, "cache_token_source", None)
    if credential_cache is not None and callable(token_source):
        key = web_identity_cache_key(
            role_arn=role_arn,
            token_source=token_source(),
            role_session_name=role_session_name,
            duration_seconds=duration_seconds,
            region=region,
            endpoint_url=sts_endpoint_url(client_kwargs),
        )
        margin = refresh_margin(duration_seconds)
        refresh = CachedRefresh(
            exchange, cache=credential_cache, key=key, margin=margin, clock=time_fetcher
        )
    elif credential_cache is not None:
        logger.info("credentials not cached: %r cannot name its token source", token_loader)
    provider = LazyRefreshableProvider(
        refresh,
        method="assume-role-with-web-identity",
        duration_seconds=duration_seconds,
        time_fetcher=time_fetcher,
    )
    return SessionSetup(
        botocore_session=refreshing_session(provider, region_name=region),
        region_name=region,
        default_client_kwargs=client_kwargs,
        credential_provider=provider,
        web_identity_exchange=exchange,
    )
