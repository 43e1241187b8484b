"""``bsm github-env --profile NAME``: a ``credential_process`` profile for the later steps.

The profile's command is this interpreter (absolute path) running ``-m
boto_session_manager.cli credential-process`` with the source, role, audience, duration,
``.env`` path (absolute) and region this step resolved, so a later step, whatever its working
folder, asks for the same credentials. The credentials are fetched once here first: a
mistake shows in this step, and the cache is warm for the next ones.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from ..aws_config_file import (
    check_profile_name,
    config_file_path,
    credential_process_command,
    write_profile,
)
from ..handoff import endpoint_env
from ..region import REGION_VARS, resolve_region
from .common import KEY_VARS, CliError, manager, source_of

__all__ = ["credential_process_argv", "github_env_profile"]


def credential_process_argv(
    args: argparse.Namespace, *, source: str, role_arn: str | None, region: str | None
) -> list[str]:
    """The command a profile runs for these options (``bsm credential-process ...``)."""
    if not sys.executable:
        raise CliError(message="cannot tell the path of this Python interpreter (sys.executable)")
    argv = [sys.executable, "-m", "boto_session_manager.cli", "credential-process"]
    argv += ["--source", source]
    if source == "github-oidc" and role_arn:
        argv += ["--role-arn", role_arn, "--audience", args.audience]
        argv += ["--duration-seconds", str(args.duration_seconds)]
    if source == "dotenv":
        argv += ["--dotenv", os.path.abspath(args.dotenv)]
    if region:
        argv += ["--region", region]
    if args.no_cache:
        argv.append("--no-cache")
    return argv


def github_env_profile(
    args: argparse.Namespace, target: Path, *, append: Callable[[Path, dict[str, str]], None]
) -> int:
    """Write the profile, then append ``AWS_PROFILE`` and the region to ``$GITHUB_ENV``."""
    name = check_profile_name(args.profile)
    bsm = manager(args)
    source = source_of(bsm)
    if source == "default":
        raise CliError(
            message="`bsm github-env --profile` needs GitHub OIDC or a .env key, and the "
            "credential source here is boto3's default chain, which later steps resolve by "
            "themselves: add `permissions: id-token: write` (or pass --source)"
        )
    bsm.get_frozen_credentials()  # a mistake shows in this step; the cache is warm after
    exchange = bsm.web_identity_exchange
    region = bsm.region_name or resolve_region(args.region)
    argv = credential_process_argv(
        args, source=source, role_arn=exchange.role_arn if exchange else None, region=region
    )
    values = {"credential_process": credential_process_command(argv)}
    if region:
        values["region"] = region
    config = config_file_path()
    write_profile(config, name, values)
    exported = {"AWS_PROFILE": name}
    if region:
        exported.update(dict.fromkeys(REGION_VARS, region))
    if os.environ.get("AWS_CONFIG_FILE"):
        exported["AWS_CONFIG_FILE"] = str(config.resolve())
    exported.update(endpoint_env(bsm.default_client_kwargs))
    # keys an earlier step exported would win over the profile: empty values switch them off
    cleared = [var for var in KEY_VARS if os.environ.get(var)]
    exported.update(dict.fromkeys(cleared, ""))
    append(target, exported)
    print(
        f"bsm: wrote profile {name} to {config}; exported "
        f"{', '.join(n for n in exported if n not in cleared)} to GITHUB_ENV (no secret)"
        + (f"; cleared {', '.join(cleared)}" if cleared else ""),
        file=sys.stderr,
    )
    return 0
