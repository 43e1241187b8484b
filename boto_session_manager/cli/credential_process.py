"""``bsm credential-process`` and ``bsm cache``: credentials for an AWS profile, and their cache.

``credential-process`` prints the JSON an AWS profile's ``credential_process`` prints:
``Version`` 1, the key pair, and for temporary credentials the session token and
``Expiration`` (SDKs run the command again before that time). GitHub OIDC credentials come
from the credential cache shared by processes while they have more than the refresh margin
left; the first process makes the exchange under the cache's lock while the others wait.

The warm path (``--source github-oidc``, an entry fresh enough) uses the standard library
only: no botocore, no manager. A ``.env`` key is printed as it is and never cached. The
default chain is refused: it is what the calling SDK resolves by itself, and through this
very profile it would run this command again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timezone

from ..credential_cache import (
    CredentialCache,
    github_job_token_source,
    sts_endpoint_url,
    web_identity_cache_key,
)
from ..expiring_credentials import ExpiringCredentials
from ..refresh_windows import refresh_margin
from ..region import resolve_region
from .common import CliError, cache_setting

__all__ = ["cache_command", "credential_process", "oidc_cache_key"]

# the names credentials.github_token and credentials.selection define (a test keeps them
# equal): imported from there, they would pull in the credentials package on the warm path
REQUEST_URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
ROLE_ARN_VAR = "AWS_ROLE_ARN"
SOURCE_VAR = "BSM_CREDENTIAL_SOURCE"


def oidc_cache_key(args: argparse.Namespace) -> str | None:
    """The cache key of the OIDC credentials these options name (``None``: not enough said;
    the full path explains what is missing)."""
    env = os.environ
    url, token = env.get(REQUEST_URL_VAR), env.get(REQUEST_TOKEN_VAR)
    role_arn = args.role_arn or env.get(ROLE_ARN_VAR)
    if not (url and token and role_arn):
        return None
    return web_identity_cache_key(
        role_arn=role_arn,
        token_source=github_job_token_source(url, token, args.audience),
        role_session_name=None,
        duration_seconds=args.duration_seconds,
        region=resolve_region(args.region),
        endpoint_url=sts_endpoint_url(None),
    )


def _fresh(
    args: argparse.Namespace, cache: CredentialCache, key: str
) -> ExpiringCredentials | None:
    now = datetime.now(timezone.utc)
    return cache.get(key, now=now, margin=refresh_margin(args.duration_seconds))


def _print(document: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()


def credential_process(args: argparse.Namespace) -> int:
    """Run ``bsm credential-process``."""
    cache = cache_setting(args)
    source = args.source or os.environ.get(SOURCE_VAR)
    key = oidc_cache_key(args) if cache is not None and source == "github-oidc" else None
    if cache is None or key is None:
        return _print_credentials(args)
    cached = _fresh(args, cache, key)
    if cached is None:
        # wait for a process exchanging right now without importing botocore, then read
        # what it stored; if still nothing, exchange here (the lock is re-entrant)
        with cache.locked(key):
            cached = _fresh(args, cache, key)
            if cached is None:
                return _print_credentials(args)
    _print(cached.process_json())
    return 0


def _print_credentials(args: argparse.Namespace) -> int:
    """The full path: build the manager, get (or exchange) the credentials, print them."""
    from .common import credentials_now, manager, source_of

    bsm = manager(args)
    if source_of(bsm) == "default":
        raise CliError(
            message="`bsm credential-process` hands out GitHub OIDC or .env credentials, and "
            "the credential source here is boto3's default chain: the calling SDK resolves "
            "that chain by itself (and through this profile would run this command again). "
            "Pass --source github-oidc or --source dotenv"
        )
    frozen, expiring = credentials_now(bsm)
    if expiring is not None:
        document = expiring.process_json()
    else:  # a long-term key: no Expiration, so SDKs keep it
        document = {"Version": 1, "AccessKeyId": frozen.access_key}
        document["SecretAccessKey"] = frozen.secret_key
        if frozen.token:
            document["SessionToken"] = frozen.token
    _print(document)
    return 0


def cache_command(args: argparse.Namespace) -> int:
    """Run ``bsm cache clear`` or ``bsm cache dir``."""
    cache = CredentialCache.default()
    if args.cache_command == "dir":
        print(cache.directory)
        return 0
    removed = cache.clear()
    print(f"bsm: removed {removed} file(s) from {cache.directory}", file=sys.stderr)
    return 0
