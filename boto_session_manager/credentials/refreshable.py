"""Attach botocore's refreshable credentials to a botocore session, the supported way.

botocore refreshes ``RefreshableCredentials`` ahead of expiry: in the advisory window one
thread refreshes while the others keep the old credentials; in the mandatory window callers
wait. This module adds two small things around it: a record of the latest expiry (so a
manager can report it) and a botocore session whose credential-provider component yields
those credentials, so no private attribute is ever set by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import botocore.session
    from botocore.credentials import DeferredRefreshableCredentials

__all__ = ["RefreshFunction", "RefreshTracker", "session_with_credentials", "deferred_credentials"]

#: botocore's refresh contract: a callable returning ``access_key``, ``secret_key``,
#: ``token`` and ``expiry_time`` (ISO 8601).
RefreshFunction = Callable[[], dict[str, Any]]


class RefreshTracker:
    """Wraps a refresh function; counts calls and remembers the latest expiry."""

    def __init__(self, refresh: RefreshFunction) -> None:
        self._refresh = refresh
        self._lock = threading.Lock()
        self.calls = 0
        self.latest_expiry: datetime | None = None

    def __call__(self) -> dict[str, Any]:
        """Fetch new credentials through the wrapped function."""
        from botocore.utils import parse_timestamp

        metadata = self._refresh()
        with self._lock:
            self.calls += 1
            self.latest_expiry = parse_timestamp(metadata["expiry_time"])
        return metadata

    def expiry(self) -> datetime | None:
        """The expiry of the most recently fetched credentials."""
        return self.latest_expiry


def deferred_credentials(
    refresh: RefreshFunction,
    *,
    method: str,
    time_fetcher: Callable[[], datetime] | None = None,
    advisory_timeout: int | None = None,
    mandatory_timeout: int | None = None,
) -> DeferredRefreshableCredentials:
    """Refreshable credentials fetched on first use.

    ``advisory_timeout`` / ``mandatory_timeout`` (seconds before expiry) default to botocore's
    15 and 10 minutes; pass smaller ones for short-lived credentials.
    """
    from botocore.credentials import DeferredRefreshableCredentials

    base = DeferredRefreshableCredentials

    class _Credentials(base):  # type: ignore[misc,valid-type]
        """Deferred credentials with refresh windows sized to the credentials' lifetime."""

        _advisory_refresh_timeout = (
            base._advisory_refresh_timeout if advisory_timeout is None else advisory_timeout
        )
        _mandatory_refresh_timeout = (
            base._mandatory_refresh_timeout if mandatory_timeout is None else mandatory_timeout
        )

        def __init__(self) -> None:
            if time_fetcher is None:
                super().__init__(refresh_using=refresh, method=method)
            else:
                super().__init__(refresh_using=refresh, method=method, time_fetcher=time_fetcher)

    return _Credentials()


def session_with_credentials(
    credentials: Any, *, region_name: str | None = None
) -> botocore.session.Session:
    """A new botocore session whose credential-provider component yields ``credentials``."""
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    class _FixedCredentialProvider(CredentialProvider):  # type: ignore[misc]
        METHOD = getattr(credentials, "method", "boto-session-manager")
        CANONICAL_NAME = "BotoSessionManager"

        def load(self) -> Any:
            return credentials

    session = botocore.session.Session()
    session.register_component(
        "credential_provider", CredentialResolver(providers=[_FixedCredentialProvider()])
    )
    if region_name:
        session.set_config_variable("region", region_name)
    return session
