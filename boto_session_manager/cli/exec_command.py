"""``bsm exec -- COMMAND``: run a command whose AWS SDKs get credentials that stay fresh.

How the command gets its credentials depends on the source:

- **GitHub OIDC** (temporary): this process serves them on a loopback container-credentials
  endpoint (:class:`~boto_session_manager.container_credentials.ContainerCredentialsServer`)
  for as long as the command runs, refreshing them through its manager (and the credential
  cache). The command's environment names the endpoint and a random token, and loses the
  variables that would win over it (static keys, ``AWS_PROFILE``...). Its SDKs ask again
  before expiry, so a command running for hours never holds an expired key. When the
  default profile in the AWS files has credentials of its own, SDKs would use those before
  the endpoint: the command then gets a copy in its environment, and a warning says until
  when it is valid.
- **A .env key** (long-term): the key in its environment, as it never expires.
- **The default chain**: nothing is handed over; the command resolves the same chain itself
  (its refreshing included), with the region set.

Signals: SIGINT, SIGTERM and SIGHUP sent to this process are forwarded to the command (a
Ctrl-C the terminal already delivered to the command is not sent twice); this process exits
with the command's status (128 + N when a signal N ended it). The endpoint stops when the
command exits, however it exits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..region import REGION_VARS
from .common import CliError, credentials_now, manager, source_of

if TYPE_CHECKING:
    from ..expiring_credentials import ExpiringCredentials
    from ..manager import BotoSesManager

__all__ = ["exec_command", "run_child"]


def _current_credentials(bsm: BotoSesManager) -> ExpiringCredentials:
    """What the endpoint serves: the manager's credentials, refreshed when due."""
    _frozen, expiring = credentials_now(bsm)
    if expiring is None:  # pragma: no cover - an OIDC manager's credentials always expire
        raise CliError(message="the credentials have no expiry to serve")
    return expiring


def _terminal_delivered_to(pid: int) -> bool:
    """Whether the controlling terminal's foreground group holds ``pid`` (then a Ctrl-C
    reached it from the terminal already)."""
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(tty) == os.getpgid(pid)
    except OSError:
        return False
    finally:
        os.close(tty)


def run_child(cmd: list[str], env: Mapping[str, str]) -> int:
    """Run ``cmd`` with ``env``, forwarding signals; return its exit status."""
    try:
        child = subprocess.Popen(cmd, env=dict(env))
    except FileNotFoundError:
        raise CliError(message=f"command not found: {cmd[0]}") from None
    except PermissionError:
        raise CliError(message=f"command not executable: {cmd[0]}") from None

    def forward(signum: int, _frame: Any) -> None:
        if sys.platform == "win32":  # pragma: no cover - the console gave the child its Ctrl-C
            return
        if signum == signal.SIGINT and _terminal_delivered_to(child.pid):
            return
        with contextlib.suppress(ProcessLookupError):  # exited meanwhile
            child.send_signal(signum)

    names = ("SIGINT", "SIGTERM", "SIGHUP")
    numbers = [getattr(signal, name) for name in names if hasattr(signal, name)]
    previous = {number: signal.signal(number, forward) for number in numbers}
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:  # pragma: no cover - Windows console Ctrl-C
                continue
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return code if code >= 0 else 128 - code


def _command(args: argparse.Namespace) -> list[str]:
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise CliError(message="nothing to run: use `bsm exec -- COMMAND [ARGS...]`")
    return cmd


def exec_command(args: argparse.Namespace) -> int:
    """Run ``bsm exec``."""
    cmd = _command(args)
    bsm = manager(args)
    source = source_of(bsm)
    if source == "dotenv":
        return run_child(cmd, bsm.env())
    bsm.get_frozen_credentials()  # the first credentials, or the error, before the command
    if source == "default":
        env = dict(os.environ)
        region = bsm.aws_region
        if region:
            env.update(dict.fromkeys(REGION_VARS, region))
        return run_child(cmd, env)
    from ..aws_config_file import default_profile_credentials

    shadow = default_profile_credentials()
    if shadow is not None:
        expiry = bsm.expiration_time
        shown = expiry.strftime("%H:%M:%S UTC") if expiry else "expiry"
        print(
            f"bsm: warning: {shadow} has credentials of its own, which SDKs would use "
            f"before the refreshing endpoint: the command gets a copy valid until {shown}; "
            "move those credentials to a named profile for refreshing ones",
            file=sys.stderr,
        )
        return run_child(cmd, bsm.env())
    from ..container_credentials import ContainerCredentialsServer

    with ContainerCredentialsServer(lambda: _current_credentials(bsm)) as server:
        return run_child(cmd, server.child_environ(bsm.env()))
