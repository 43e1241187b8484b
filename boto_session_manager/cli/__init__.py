"""The ``bsm`` command: who am I, run a command with fresh credentials, hand them to later steps.

- ``bsm whoami`` prints the identity (masked unless ``--no-mask``);
- ``bsm exec -- CMD ...`` runs a command whose AWS SDKs get refreshing credentials;
- ``bsm github-env`` (only inside GitHub Actions) masks the credentials and appends them to
  ``$GITHUB_ENV``; with ``--profile NAME`` it writes a ``credential_process`` profile and
  appends only ``AWS_PROFILE`` and the region;
- ``bsm credential-process`` prints credentials as an AWS ``credential_process``;
- ``bsm cache clear|dir``: the credential cache shared by processes.

The credential source is chosen as :meth:`BotoSesManager.from_environment` chooses it; the
commands share OIDC credentials through the credential cache unless ``--no-cache``. Each
command lives in its own module, imported only when it runs, so ``credential-process`` can
answer from a warm cache without importing botocore.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ..exceptions import BotoSesManagerError
from .common import CliError
from .github_env import escape_workflow_data
from .parser import build_parser as _parser

__all__ = ["CliError", "escape_workflow_data", "main"]


def _run(args: argparse.Namespace) -> int:
    command: str = args.command
    if command == "credential-process":
        from .credential_process import credential_process

        return credential_process(args)
    if command == "cache":
        from .credential_process import cache_command

        return cache_command(args)
    if command == "exec":
        from .exec_command import exec_command

        return exec_command(args)
    if command == "github-env":
        from .github_env import github_env

        return github_env(args)
    from .common import manager

    manager(args).print_who_am_i(masked=not args.no_mask)
    return 0


def _log_to_stderr() -> Callable[[], None]:
    """Log the library's INFO lines to stderr as ``bsm: ...``; return what undoes it."""
    import logging

    logger = logging.getLogger("boto_session_manager")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("bsm: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bsm`` command; return its exit status."""
    args = _parser().parse_args(argv)
    # credential-process: stdout is for the SDK, stderr for errors only (and no logging
    # import on its warm path)
    logs = not args.quiet and args.command not in ("credential-process", "cache")
    restore = _log_to_stderr() if logs else None
    try:
        return _run(args)
    except BotoSesManagerError as exc:
        print(f"bsm: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # botocore and network errors: one line, no traceback
        if "botocore" in sys.modules:
            from botocore.exceptions import BotoCoreError, ClientError

            if isinstance(exc, (BotoCoreError, ClientError)):
                print(f"bsm: error: {exc}", file=sys.stderr)
                return 1
        raise
    finally:
        if restore is not None:
            restore()
