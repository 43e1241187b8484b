"""Attach botocore's refreshable credentials to a botocore session, the supported way.

botocore's ``RefreshableCredentials`` refresh ahead of expiry: in the advisory window one
thread refreshes while the others keep the old credentials; in the mandatory window callers
wait. This module adds a few small things around it, using only botocore's public API:

- a credential provider that fetches the first credentials lazily, once, under a lock (so 64
  threads making their first call at once cause one fetch), and then hands out one
  ``RefreshableCredentials`` built with its public constructor;
- refresh windows sized to the credentials' lifetime (botocore's 15/10 minutes would refresh
  900-second credentials on every call);
- recovery when the endpoint stops honouring credentials before their expiry (an STS
  endpoint restarted, a session revoked): a request refused with ``InvalidClientTokenId`` or
  ``ExpiredToken`` makes the credentials look expired to botocore's clock, so botocore does a
  mandatory refresh, and the request is retried once, re-signed with the new credentials.
  At most one such forced refresh per generation of credentials, and none within
  :attr:`LazyRefreshableProvider.FORCED_REFRESH_BACKOFF` of the last one: refusals in that
  window are raised as they are, so an endpoint that refuses everything cannot cause a storm
  of token fetches and STS calls.

It is imported only when a refreshing manager is built, so it may import botocore at the top.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.session
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.utils import parse_timestamp

from ..refresh_windows import refresh_windows

logger = logging.getLogger("boto_session_manager")

__all__ = ["LazyRefreshableProvider", "NoCache", "RefreshFunction", "refreshing_session"]

#: botocore's refresh contract: a callable returning ``access_key``, ``secret_key``,
#: ``token`` and ``expiry_time`` (ISO 8601).
RefreshFunction = Callable[[], dict[str, Any]]

#: Error codes that mean "these temporary credentials are no longer honoured".
STALE_CREDENTIAL_ERRORS = frozenset(
    {"InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "RequestExpired"}
)
#: How far a forced refresh moves the credentials' clock: past any credentials' expiry.
_FORCE_SKEW = timedelta(days=3650)
#: Where a request's context records the generation of credentials it was sent with.
_GENERATION_KEY = "boto_session_manager.credential_generation"


class NoCache(dict[str, Any]):
    """A cache for botocore's credential fetchers that never keeps anything.

    The fetchers' own cache judges expiry by the wall clock, not by the refreshable
    credentials' clock, and could hand back the credentials being replaced; the refreshable
    credentials already hold the latest ones, so nothing is lost by not caching.
    """

    def __setitem__(self, key: str, value: Any) -> None:
        """Drop the value."""


class LazyRefreshableProvider(CredentialProvider):
    """A credential provider whose credentials are fetched on first use, then refreshed.

    Diagnostics (read-only, for tests, benchmarks and logs): :attr:`fetches`, the number of
    credentials fetched so far (the current generation), and :attr:`latest_expiry`.
    """

    #: botocore asks providers it does not define to start their canonical name with "custom".
    CANONICAL_NAME = "custom-boto-session-manager"
    #: After a refresh forced by a refusal, further refusals within this time are raised as
    #: they are instead of forcing another refresh.
    FORCED_REFRESH_BACKOFF = timedelta(seconds=30)

    def __init__(
        self,
        refresh: RefreshFunction,
        *,
        method: str,
        duration_seconds: int,
        time_fetcher: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.METHOD = self.method = method
        self._refresh = refresh
        self._duration_seconds = duration_seconds
        self._time_fetcher = time_fetcher
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._credentials: RefreshableCredentials | None = None
        self._forced = False
        self._forced_generation: int | None = None
        self._last_forced_at: datetime | None = None
        #: Diagnostic: how many times credentials were fetched (the current generation).
        self.fetches = 0
        #: Diagnostic: the expiry of the newest credentials, ``None`` before the first fetch.
        self.latest_expiry: datetime | None = None

    def _clock(self) -> datetime:
        return self._time_fetcher() if self._time_fetcher else datetime.now(timezone.utc)

    def _now(self) -> datetime:
        """The credentials' clock: the real (or injected) one, pushed ahead when forced."""
        now = self._clock()
        return now + _FORCE_SKEW if self._forced else now

    def _fetch(self) -> dict[str, Any]:
        metadata = self._refresh()
        with self._state_lock:
            self.fetches += 1
            self.latest_expiry = parse_timestamp(metadata["expiry_time"])
            self._forced = False
        return metadata

    def refresh_after_refusal(self, generation: int | None) -> bool:
        """Whether to retry a request the endpoint refused with the credentials of ``generation``.

        Yes when newer credentials exist already, or a refresh of these is under way; else
        force one, unless one was forced within :attr:`FORCED_REFRESH_BACKOFF`.
        """
        with self._state_lock:
            current = self.fetches
            if generation is not None and generation < current:
                return True
            if self._forced_generation == current:
                return True
            now = self._clock()
            last = self._last_forced_at
            if last is not None and now - last < self.FORCED_REFRESH_BACKOFF:
                return False
            self._forced = True
            self._forced_generation = current
            self._last_forced_at = now
            return True

    def load(self) -> RefreshableCredentials:
        """The credentials: fetched once on first call, refreshed by botocore afterwards."""
        credentials = self._credentials
        if credentials is not None:
            return credentials
        with self._lock:
            if self._credentials is None:
                metadata = self._fetch()
                advisory, mandatory = refresh_windows(self._duration_seconds)
                self._credentials = RefreshableCredentials(
                    access_key=metadata["access_key"],
                    secret_key=metadata["secret_key"],
                    token=metadata["token"],
                    expiry_time=parse_timestamp(metadata["expiry_time"]),
                    refresh_using=self._fetch,
                    method=self.method,
                    time_fetcher=self._now,
                    advisory_timeout=advisory,
                    mandatory_timeout=mandatory,
                )
            return self._credentials


def refreshing_session(
    provider: LazyRefreshableProvider, *, region_name: str | None = None
) -> botocore.session.Session:
    """A new botocore session whose credential-provider component is just ``provider``.

    Its clients retry a request once, with refreshed credentials, when the endpoint says the
    credentials are no longer valid (see the module docstring for the limits).
    """
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver(providers=[provider]))
    handler = _RefreshOnStaleCredentials(provider)
    session.register("before-call", handler.record_generation)
    # botocore-stubs types every handler as returning None; needs-retry handlers return a delay
    session.register("needs-retry", handler)  # type: ignore[arg-type]
    if region_name:
        session.set_config_variable("region", region_name)
    return session


class _RefreshOnStaleCredentials:
    """A ``needs-retry`` handler: refresh and retry once when credentials are refused."""

    def __init__(self, provider: LazyRefreshableProvider) -> None:
        self._provider = provider

    def record_generation(self, context: dict[str, Any] | None = None, **_kwargs: Any) -> None:
        """``before-call``: note which generation of credentials the request starts with."""
        if context is not None:
            context[_GENERATION_KEY] = self._provider.fetches

    def __call__(
        self,
        response: Any = None,
        attempts: int = 0,
        request_dict: dict[str, Any] | None = None,
        **_kwargs: Any,
    ) -> int | None:
        if response is None or attempts != 1:
            return None
        code = response[1].get("Error", {}).get("Code") if isinstance(response[1], dict) else None
        if code not in STALE_CREDENTIAL_ERRORS:
            return None
        context = (request_dict or {}).get("context") or {}
        if not self._provider.refresh_after_refusal(context.get(_GENERATION_KEY)):
            logger.info(
                "the endpoint refused the credentials (%s) again within %d s of a forced "
                "refresh: not refreshing",
                code,
                self._provider.FORCED_REFRESH_BACKOFF.total_seconds(),
            )
            return None
        logger.info("the endpoint refused the credentials (%s): refreshing and retrying", code)
        return 0
