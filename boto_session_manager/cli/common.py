"""What the commands share: the usage error, the manager and the cache the options ask for."""

from __future__ import annotations

import argparse
import os

from ..credential_cache import CACHE_VAR, CredentialCache, cache_enabled
from ..exceptions import BotoSesManagerError

TYPE_CHECKING = False  # typing's constant without importing typing: the warm path

if TYPE_CHECKING:
    from botocore.credentials import ReadOnlyCredentials

    from ..expiring_credentials import ExpiringCredentials
    from ..manager import BotoSesManager

__all__ = ["KEY_VARS", "CliError", "cache_setting", "credentials_now", "manager", "source_of"]

#: The variables of an access key and its session token.
KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class CliError(BotoSesManagerError):
    """A usage problem of the command line."""

    fmt = "{message}"


def cache_setting(args: argparse.Namespace) -> CredentialCache | None:
    """The commands' cache: on unless ``--no-cache`` or ``BSM_CREDENTIAL_CACHE`` says off."""
    if args.no_cache:
        return None
    if os.environ.get(CACHE_VAR, "").strip() and not cache_enabled():
        return None
    return CredentialCache.default()


def manager(args: argparse.Namespace, *, cached: bool = True) -> BotoSesManager:
    """The manager the selection options describe (nothing is fetched yet); with
    ``cached=False`` its credentials never come from the cache."""
    from ..manager import BotoSesManager

    return BotoSesManager.from_environment(
        role_arn=args.role_arn,
        dotenv_path=args.dotenv,
        source=args.source,
        region_name=args.region,
        audience=args.audience,
        duration_seconds=args.duration_seconds,
        credential_cache=(cache_setting(args) if cached else None) or False,
    )


def source_of(bsm: BotoSesManager) -> str:
    """Which source the manager was built from: ``github-oidc``, ``dotenv`` or ``default``."""
    if bsm.web_identity_exchange is not None:
        return "github-oidc"
    if bsm.aws_access_key_id:
        return "dotenv"
    return "default"


def credentials_now(
    bsm: BotoSesManager,
) -> tuple[ReadOnlyCredentials, ExpiringCredentials | None]:
    """The manager's credentials (refreshed when due) and, for temporary ones, with expiry.

    Read as one pair: the expiry is the provider's for exactly these credentials (no second
    look at the credentials in between, which could refresh them).
    """
    from ..exceptions import NoCredentialsError
    from ..expiring_credentials import ExpiringCredentials

    frozen = bsm.get_frozen_credentials()
    if not frozen.access_key or not frozen.secret_key:
        raise NoCredentialsError(looked_in="the session's credentials (they are incomplete)")
    provider = bsm.credential_provider
    expiry = provider.latest_expiry if provider is not None else bsm.expiration_time
    if expiry is None:
        return frozen, None
    expiring = ExpiringCredentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
        expiration=expiry,
    )
    return frozen, expiring
