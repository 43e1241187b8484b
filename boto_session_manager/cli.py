"""The ``bsm`` command: who am I, run a command with credentials, hand credentials to later steps.

``bsm whoami`` prints the identity (masked unless ``--no-mask``); ``bsm exec -- CMD ...`` runs
a command with the chosen credentials in its environment; ``bsm github-env`` (only inside GitHub
Actions, ``GITHUB_ACTIONS=true``) masks the credentials in the log and appends them to
``$GITHUB_ENV`` for later steps. The credential source is chosen as
:meth:`BotoSesManager.from_environment` chooses it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .exceptions import BotoSesManagerError
from .manager import BotoSesManager

__all__ = ["escape_workflow_data", "main"]

#: What ``bsm github-env`` exports, in this order.
GITHUB_ENV_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
)
_MASKED_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class CliError(BotoSesManagerError):
    """A usage problem of the command line."""

    fmt = "{message}"


def _selection_options(*, in_subcommand: bool) -> argparse.ArgumentParser:
    """The credential-selection options, accepted before and after the subcommand."""

    def default(value: object) -> object:
        # after the subcommand, an absent option must not reset one given before it
        return argparse.SUPPRESS if in_subcommand else value

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--source",
        choices=("github-oidc", "dotenv", "default"),
        default=default(None),
        help="credential source (default: chosen automatically, see BSM_CREDENTIAL_SOURCE)",
    )
    options.add_argument(
        "--role-arn", default=default(None), help="role for GitHub OIDC (default: $AWS_ROLE_ARN)"
    )
    options.add_argument("--dotenv", default=default(".env"), help="the .env file (default: .env)")
    options.add_argument("--region", default=default(None), help="AWS region")
    options.add_argument("--audience", default=default("sts.amazonaws.com"), help="OIDC audience")
    options.add_argument(
        "--duration-seconds",
        type=int,
        default=default(3600),
        help="credential lifetime for OIDC (default: 3600)",
    )
    options.add_argument(
        "-q", "--quiet", action="store_true", default=default(False),
        help="do not log the choice made",
    )  # fmt: skip
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bsm",
        description="Who am I, run a command with AWS credentials, or hand them to later "
        "GitHub Actions steps. The credential source is chosen like "
        "BotoSesManager.from_environment() chooses it.",
        parents=[_selection_options(in_subcommand=False)],
    )
    common = [_selection_options(in_subcommand=True)]
    commands = parser.add_subparsers(dest="command", required=True)
    whoami = commands.add_parser("whoami", parents=common, help="print who the credentials are")
    whoami.add_argument("--no-mask", action="store_true", help="show account ids in full")
    run = commands.add_parser(
        "exec", parents=common, help="run a command with the credentials in its environment"
    )
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    commands.add_parser(
        "github-env",
        parents=common,
        help="inside GitHub Actions: export credentials to later steps",
    )
    return parser


def _manager(args: argparse.Namespace) -> BotoSesManager:
    return BotoSesManager.from_environment(
        role_arn=args.role_arn,
        dotenv_path=args.dotenv,
        source=args.source,
        region_name=args.region,
        audience=args.audience,
        duration_seconds=args.duration_seconds,
    )


def escape_workflow_data(value: str) -> str:
    """Escape a workflow command's value: ``%`` as ``%25``, CR as ``%0D``, LF as ``%0A``.

    The runner undoes this before it acts, so ``::add-mask::`` masks the value itself.
    """
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _whoami(args: argparse.Namespace) -> int:
    _manager(args).print_who_am_i(masked=not args.no_mask)
    return 0


def _exec(args: argparse.Namespace) -> int:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise CliError(message="nothing to run: use `bsm exec -- COMMAND [ARGS...]`")
    env = _manager(args).env()
    try:
        return subprocess.call(cmd, env=env)
    except FileNotFoundError:
        raise CliError(message=f"command not found: {cmd[0]}") from None


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


def _github_env(args: argparse.Namespace) -> int:
    target = _github_env_file()
    env = _manager(args).env(base={})
    exported = {name: env[name] for name in GITHUB_ENV_VARS if env.get(name)}
    for name, value in exported.items():
        if "\n" in value or "\r" in value:
            raise CliError(message=f"{name} holds a line break and cannot go to GITHUB_ENV")
    # Mask first, so the values are hidden in the log before they exist anywhere else.
    for name in _MASKED_VARS:
        if name in exported:
            print(f"::add-mask::{escape_workflow_data(exported[name])}", flush=True)
    try:
        with target.open("a", encoding="utf-8") as fh:
            for name, value in exported.items():
                fh.write(f"{name}={value}\n")
    except OSError as exc:
        raise CliError(message=_unwritable(target, exc)) from None
    print(f"bsm: exported {', '.join(exported)} to GITHUB_ENV", file=sys.stderr)
    return 0


_COMMANDS = {"whoami": _whoami, "exec": _exec, "github-env": _github_env}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bsm`` command; return its exit status."""
    args = _parser().parse_args(argv)
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("bsm: %(message)s"))
        logger = logging.getLogger("boto_session_manager")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        return _COMMANDS[args.command](args)
    except BotoSesManagerError as exc:
        print(f"bsm: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore and network errors: one line, no traceback
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, (BotoCoreError, ClientError)):
            print(f"bsm: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
