"""``sts:AssumeRole`` with automatic refresh, on botocore's own fetcher."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .refreshable import LazyRefreshableProvider, NoCache, refreshing_session

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
) -> tuple[botocore.session.Session, LazyRefreshableProvider]:
    """A botocore session whose credentials assume ``role_arn`` again before they expire.

    Returns the session and its credential provider (which knows the latest expiry).
    ``mfa_token`` may be a callable: it is asked for a fresh code at each refresh.
    """
    from botocore.credentials import AssumeRoleCredentialFetcher

    def mfa_prompter(_prompt: str) -> str:
        if mfa_token is None:  # assume_role checks this first; kept for direct callers
            from ..exceptions import MissingMfaTokenError

            raise MissingMfaTokenError(serial=extra_args.get("SerialNumber"))
        return mfa_token() if callable(mfa_token) else mfa_token

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=client_creator,
        source_credentials=source_credentials,
        role_arn=role_arn,
        extra_args=extra_args,
        mfa_prompter=mfa_prompter,
        cache=NoCache(),
    )
    provider = LazyRefreshableProvider(
        fetcher.fetch_credentials,
        method="assume-role",
        duration_seconds=int(extra_args.get("DurationSeconds", 3600)),
    )
    return refreshing_session(provider, region_name=region_name), provider
