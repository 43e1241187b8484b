"""``sts:AssumeRole`` with automatic refresh, on botocore's own fetcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .refreshable import RefreshTracker, deferred_credentials, session_with_credentials

if TYPE_CHECKING:
    import botocore.session
    from botocore.credentials import Credentials

__all__ = ["refreshable_assume_role_session"]


def refreshable_assume_role_session(
    *,
    source_credentials: Credentials,
    client_creator: Callable[..., Any],
    role_arn: str,
    extra_args: dict[str, Any],
    mfa_token: str | Callable[[], str] | None = None,
    region_name: str | None = None,
) -> tuple[botocore.session.Session, Callable[[], datetime | None]]:
    """A botocore session whose credentials assume ``role_arn`` again before they expire.

    Returns the session and a callable giving the expiry of the credentials in use.
    ``mfa_token`` may be a callable: it is asked for a fresh code at each refresh.
    """
    from botocore.credentials import AssumeRoleCredentialFetcher

    def mfa_prompter(_prompt: str) -> str:
        if mfa_token is None:
            raise ValueError("mfa_serial_number was given without mfa_token")
        return mfa_token() if callable(mfa_token) else mfa_token

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=client_creator,
        source_credentials=source_credentials,
        role_arn=role_arn,
        extra_args=extra_args,
        mfa_prompter=mfa_prompter,
    )
    tracker = RefreshTracker(fetcher.fetch_credentials)
    duration = int(extra_args.get("DurationSeconds", 3600))
    credentials = deferred_credentials(
        tracker,
        method="assume-role",
        advisory_timeout=min(15 * 60, duration // 3),
        mandatory_timeout=min(10 * 60, duration // 6),
    )
    return session_with_credentials(credentials, region_name=region_name), tracker.expiry
