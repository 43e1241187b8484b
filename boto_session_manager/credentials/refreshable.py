"""Attach botocore's refreshable credentials to a botocore session, the supported way.

botocore's ``RefreshableCredentials`` refresh ahead of expiry: in the advisory window one
thread refreshes while the others keep the old credentials; in the mandatory window callers
wait. This module adds three small things around it, using only botocore's public API:

- a credential provider that fetches the first credentials lazily, once, under a lock (so 64
  threads making their first call at once cause one fetch), and then hands out one
  ``RefreshableCredentials`` built with its public constructor;
- refresh windows sized to the credentials' lifetime (botocore's 15/10 minutes would refresh
  900-second credentials on every call);
- a record of the latest expiry and of the number of fetches;
- recovery when the endpoint stops honouring credentials before their expiry (an STS
  endpoint restarted, a session revoked): a request refused with ``InvalidClientTokenId`` or
  ``ExpiredToken`` makes the credentials look expired to botocore's clock, so botocore does a
  mandatory refresh, and the request is retried once, re-signed with the new credentials.

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

#: botocore's default windows (seconds before expiry).
ADVISORY_SECONDS = 15 * 60
MANDATORY_SECONDS = 10 * 60


class NoCache(dict[str, Any]):
    """A cache for botocore's credential fetchers that never keeps anything.

    The fetchers' own cache judges expiry by the wall clock, not by the refreshable
    credentials' clock, and could hand back the credentials being replaced; the refreshable
    credentials already hold the latest ones, so nothing is lost by not caching.
    """

    def __setitem__(self, key: str, value: Any) -> None:
        """Drop the value."""


class LazyRefreshableProvider(CredentialProvider):
    """A credential provider whose credentials are fetched on first use, then refreshed."""

    CANONICAL_NAME = "BotoSessionManager"

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
        self._count_lock = threading.Lock()
        self._credentials: RefreshableCredentials | None = None
        self._forced = False
        self.fetches = 0
        self.latest_expiry: datetime | None = None

    def _now(self) -> datetime:
        """The credentials' clock: the real (or injected) one, pushed ahead when forced."""
        now = self._time_fetcher() if self._time_fetcher else datetime.now(timezone.utc)
        return now + _FORCE_SKEW if self._forced else now

    def _fetch(self) -> dict[str, Any]:
        metadata = self._refresh()
        with self._count_lock:
            self.fetches += 1
            self.latest_expiry = parse_timestamp(metadata["expiry_time"])
            self._forced = False
        return metadata

    def force_refresh(self) -> None:
        """Make the next use of the credentials refresh them first (a mandatory refresh)."""
        with self._count_lock:
            self._forced = True

    def load(self) -> RefreshableCredentials:
        """The credentials: fetched once on first call, refreshed by botocore afterwards."""
        credentials = self._credentials
        if credentials is not None:
            return credentials
        with self._lock:
            if self._credentials is None:
                metadata = self._fetch()
                self._credentials = RefreshableCredentials(
                    access_key=metadata["access_key"],
                    secret_key=metadata["secret_key"],
                    token=metadata["token"],
                    expiry_time=parse_timestamp(metadata["expiry_time"]),
                    refresh_using=self._fetch,
                    method=self.method,
                    time_fetcher=self._now,
                    advisory_timeout=min(ADVISORY_SECONDS, self._duration_seconds // 3),
                    mandatory_timeout=min(MANDATORY_SECONDS, self._duration_seconds // 6),
                )
            return self._credentials


def refreshing_session(
    provider: LazyRefreshableProvider, *, region_name: str | None = None
) -> botocore.session.Session:
    """A new botocore session whose credential-provider component is just ``provider``.

    Its clients retry a request once, with refreshed credentials, when the endpoint says the
    credentials are no longer valid.
    """
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver(providers=[provider]))
    # botocore-stubs types every handler as returning None; needs-retry handlers return a delay
    session.register("needs-retry", _RefreshOnStaleCredentials(provider))  # type: ignore[arg-type]
    if region_name:
        session.set_config_variable("region", region_name)
    return session


class _RefreshOnStaleCredentials:
    """A ``needs-retry`` handler: refresh and retry once when credentials are refused."""

    def __init__(self, provider: LazyRefreshableProvider) -> None:
        self._provider = provider

    def __call__(self, response: Any = None, attempts: int = 0, **_kwargs: Any) -> int | None:
        if response is None or attempts != 1:
            return None
        code = response[1].get("Error", {}).get("Code") if isinstance(response[1], dict) else None
        if code not in STALE_CREDENTIAL_ERRORS:
            return None
        logger.info("the endpoint refused the credentials (%s): refreshing and retrying", code)
        self._provider.force_refresh()
        return 0
