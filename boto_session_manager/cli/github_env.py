"""``bsm github-env``: hand credentials to the later steps of a GitHub Actions job.

Without ``--profile``, the credentials themselves: masked in the log (``::add-mask::``), then
appended to ``$GITHUB_ENV``; they expire with the session, so they are always fresh from an
exchange (then cached for the job's other processes), never an older cached entry. With
``--profile NAME``, a profile in the AWS config file whose ``credential_process`` runs
``bsm credential-process`` with the same options: ``$GITHUB_ENV`` gets ``AWS_PROFILE``, the
region and no secret, and every later SDK asks for fresh credentials whenever it needs them
(from the credential cache, so the job makes one STS exchange per credential lifetime).

Both refuse to run outside GitHub Actions, and check ``$GITHUB_ENV`` before fetching anything.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import KEY_VARS, CliError, cache_setting, credentials_now, manager, source_of

TYPE_CHECKING = False  # typing's constant without importing typing
if TYPE_CHECKING:
    from ..manager import BotoSesManager

__all__ = ["GITHUB_ENV_VARS", "escape_workflow_data", "github_env"]

#: What ``bsm github-env`` exports, in this order.
GITHUB_ENV_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
)


def escape_workflow_data(value: str) -> str:
    """Escape a workflow command's value: ``%`` as ``%25``, CR as ``%0D``, LF as ``%0A``.

    The runner undoes this before it acts, so ``::add-mask::`` masks the value itself.
    """
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_env_file() -> Path:
    """``$GITHUB_ENV``, checked before any credential is fetched or printed."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        raise CliError(
            message="`bsm github-env` runs only inside GitHub Actions (GITHUB_ACTIONS is not "
            "'true'); elsewhere it would print the credentials. Run commands with "
            "`bsm exec -- COMMAND` instead"
        )
    target = os.environ.get("GITHUB_ENV")
    if not target:
        raise CliError(
            message="GITHUB_ENV is not set: `bsm github-env` runs inside a GitHub Actions step"
        )
    path = Path(target)
    try:
        path.open("a", encoding="utf-8").close()
    except OSError as exc:
        raise CliError(message=_unwritable(path, exc)) from None
    return path


def _unwritable(path: Path, exc: OSError) -> str:
    return (
        f"cannot append to GITHUB_ENV {path} ({exc.strerror or type(exc).__name__}): the "
        "runner sets GITHUB_ENV to a writable file in each step; do not set it yourself"
    )


def _refuse_line_breaks(exported: dict[str, str]) -> None:
    for name, value in exported.items():
        if "\n" in value or "\r" in value:
            raise CliError(message=f"{name} holds a line break and cannot go to GITHUB_ENV")


def _append(target: Path, exported: dict[str, str]) -> None:
    _refuse_line_breaks(exported)
    try:
        with target.open("a", encoding="utf-8") as fh:
            for name, value in exported.items():
                fh.write(f"{name}={value}\n")
    except OSError as exc:
        raise CliError(message=_unwritable(target, exc)) from None


def _fresh_manager(args: argparse.Namespace) -> BotoSesManager:
    """The manager whose keys are exported: always a new exchange, so the keys live the
    whole session (a cached entry may have little more than the refresh margin left); the
    new credentials go to the cache for the job's other processes."""
    from datetime import datetime, timezone

    from .credential_process import oidc_cache_key

    bsm = manager(args, cached=False)
    cache = cache_setting(args)
    key = oidc_cache_key(args) if cache is not None and source_of(bsm) == "github-oidc" else None
    if cache is not None and key is not None:
        _frozen, expiring = credentials_now(bsm)
        if expiring is not None:
            cache.put(key, expiring, now=datetime.now(timezone.utc))
    return bsm


def github_env(args: argparse.Namespace) -> int:
    """Run ``bsm github-env``."""
    target = _github_env_file()
    if args.profile is not None:
        from .github_profile import github_env_profile

        return github_env_profile(args, target, append=_append)
    bsm = _fresh_manager(args)
    env = bsm.env(base={})
    exported = {name: env[name] for name in GITHUB_ENV_VARS if env.get(name)}
    _refuse_line_breaks(exported)  # before any mask is printed
    # Mask first, so the values are hidden in the log before they exist anywhere else.
    for name in KEY_VARS:
        if name in exported:
            print(f"::add-mask::{escape_workflow_data(exported[name])}", flush=True)
    _append(target, exported)
    print(f"bsm: exported {', '.join(exported)} to GITHUB_ENV", file=sys.stderr)
    expires = bsm.expiration_time
    if expires is not None:  # temporary keys: a later step may outlive them
        print(
            f"bsm: these keys expire at {expires:%Y-%m-%d %H:%M:%S %Z}; for steps that may run "
            "longer, `bsm github-env --profile NAME` gives every later step fresh credentials",
            file=sys.stderr,
        )
    return 0
