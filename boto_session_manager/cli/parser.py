"""The ``bsm`` command line: its commands and options (standard library only)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["build_parser"]

DESCRIPTION = (
    "Who am I, run a command with AWS credentials that stay fresh, or hand them to later "
    "GitHub Actions steps. The credential source is chosen like "
    "BotoSesManager.from_environment() chooses it."
)


def _terminal_width() -> int:
    """The width argparse would use (``COLUMNS``, else the terminal's, else 80), minus 2."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        stdout = sys.__stdout__
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 80
        except (ValueError, OSError):
            columns = 80
    return columns - 2


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter without its ``import shutil`` (and bz2, lzma...) on every run:
    argparse makes a formatter for each option it adds, the warm path's included."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=_terminal_width())


class _Parser(argparse.ArgumentParser):
    """An argument parser with :class:`_Formatter`; its subcommands' parsers are ``_Parser``
    too (``add_subparsers`` makes them of the parser's own class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _selection_options(*, in_subcommand: bool) -> _Parser:
    """The credential-selection options, accepted before and after the subcommand."""

    def default(value: object) -> object:
        # after the subcommand, an absent option must not reset one given before it
        return argparse.SUPPRESS if in_subcommand else value

    options = _Parser(add_help=False)
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
        "--no-cache",
        action="store_true",
        default=default(False),
        help="do not share OIDC credentials with other processes through the credential cache",
    )
    options.add_argument(
        "-q", "--quiet", action="store_true", default=default(False),
        help="do not log the choice made",
    )  # fmt: skip
    return options


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``bsm`` and its commands."""
    parser = _Parser(
        prog="bsm", description=DESCRIPTION, parents=[_selection_options(in_subcommand=False)]
    )
    common = [_selection_options(in_subcommand=True)]
    commands = parser.add_subparsers(dest="command", required=True)
    whoami = commands.add_parser(
        "whoami",
        parents=common,
        help="print who the credentials are",
    )
    whoami.add_argument("--no-mask", action="store_true", help="show account ids in full")
    run = commands.add_parser(
        "exec",
        parents=common,
        help="run a command with credentials that stay fresh while it runs",
        description="Run COMMAND with the credentials. GitHub OIDC credentials are served to "
        "it by a loopback container-credentials endpoint, so its SDKs refresh them; a .env "
        "key goes into its environment; with the default chain it resolves its own.",
    )
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    github_env = commands.add_parser(
        "github-env",
        parents=common,
        help="inside GitHub Actions: hand credentials to later steps",
        description="Without --profile: mask the credentials and append them to $GITHUB_ENV "
        "(they expire with the session). With --profile NAME: write a profile to the AWS "
        "config file whose credential_process runs `bsm credential-process`, and append only "
        "AWS_PROFILE and the region to $GITHUB_ENV: no secret, and never expired.",
    )
    github_env.add_argument(
        "--profile",
        metavar="NAME",
        help="write profile NAME (credential_process) instead of exporting the keys",
    )
    commands.add_parser(
        "credential-process",
        parents=common,
        help="print credentials as an AWS credential_process (JSON, Version 1)",
        description="Print the credentials as the JSON an AWS profile's credential_process "
        "prints (Version 1, with Expiration for temporary credentials). OIDC credentials come "
        "from the credential cache while they have more than the refresh margin left.",
    )
    cache = commands.add_parser(
        "cache",
        help="the credential cache shared by processes (see `bsm cache -h`)",
    )
    cache_commands = cache.add_subparsers(dest="cache_command", required=True)
    cache_commands.add_parser("clear", help="remove every cached credential")
    cache_commands.add_parser("dir", help="print the folder of the cache")
    return parser
