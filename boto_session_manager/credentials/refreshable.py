"""Attach botocore's refreshable credentials to a botocore session, the supported way.

botocore's ``RefreshableCredentials`` refresh ahead of expiry: in the advisory window one
thread refreshes while the others keep the old credentials; in the mandatory window callers
wait. This module adds three small things around it, using only botocore's public API:

- a credential provider that fetches the first credentials lazily, once, under a lock (so 64
  threads making their first call at once cause one fetch), and then hands out one
  ``RefreshableCredentials`` built with its public constructor;
- refresh windows sized to the credentials' lifetime (botocore's 15/10 minutes would refresh
  900-second credentials on every call);
- a record of the latest expiry and of the number of fetches.

It is imported only when a refreshing manager is built, so it may import botocore at the top.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import botocore.session
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.utils import parse_timestamp

__all__ = ["LazyRefreshableProvider", "NoCache", "RefreshFunction", "refreshing_session"]

#: botocore's refresh contract: a callable returning ``access_key``, ``secret_key``,
#: ``token`` and ``expiry_time`` (ISO 8601).
RefreshFunction = Callable[[], dict[str, Any]]

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
        self.fetches = 0
        self.latest_expiry: datetime | None = None

    def _fetch(self) -> dict[str, Any]:
        metadata = self._refresh()
        with self._count_lock:
            self.fetches += 1
            self.latest_expiry = parse_timestamp(metadata["expiry_time"])
        return metadata

    def load(self) -> RefreshableCredentials:
        """The credentials: fetched once on first call, refreshed by botocore afterwards."""
        credentials = self._credentials
        if credentials is not None:
            return credentials
        with self._lock:
            if self._credentials is None:
                metadata = self._fetch()
                extra: dict[str, Any] = {}
                if self._time_fetcher is not None:
                    extra["time_fetcher"] = self._time_fetcher
                self._credentials = RefreshableCredentials(
                    access_key=metadata["access_key"],
                    secret_key=metadata["secret_key"],
                    token=metadata["token"],
                    expiry_time=parse_timestamp(metadata["expiry_time"]),
                    refresh_using=self._fetch,
                    method=self.method,
                    advisory_timeout=min(ADVISORY_SECONDS, self._duration_seconds // 3),
                    mandatory_timeout=min(MANDATORY_SECONDS, self._duration_seconds // 6),
                    **extra,
                )
            return self._credentials


def refreshing_session(
    provider: CredentialProvider, *, region_name: str | None = None
) -> botocore.session.Session:
    """A new botocore session whose credential-provider component is just ``provider``."""
    session = botocore.session.Session()
    session.register_component("credential_provider", CredentialResolver(providers=[provider]))
    if region_name:
        session.set_config_variable("region", region_name)
    return session
