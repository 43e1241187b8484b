"""Start, find and stop a local AWS emulator (``ministack``) for tests and local deployments.

:func:`start_local_aws` runs ministack on a free loopback port with ``AUTH=true`` (signatures,
identity policies and trust policies are enforced), waits for ``/_ministack/health`` and
returns a :class:`LocalAws` handle; use it as a context manager to stop the emulator after::

    with start_local_aws() as aws:
        sts = aws.boto3_session().client("sts", **aws.client_kwargs())

With ``tls=True`` it serves HTTPS with a certificate signed by a freshly generated local CA
(``AWS_CA_BUNDLE`` / ``NODE_EXTRA_CA_CERTS`` point at it, see :meth:`LocalAws.client_env`):
the CDK CLI needs HTTPS because the bootstrap bucket denies plain-HTTP requests.

With a ``state_dir`` (a project folder such as ``.local-aws/``) the pid, port, endpoint and TLS
material are kept there, so a later process can find the running emulator again with
:func:`find_local_aws` and stop it by its pid. The emulator's IoT MQTT listener (port 8883 on
all interfaces) is turned off, so several copies can run side by side.

The admin credentials are ministack's: access key ``test``, any secret, account
``000000000000``. Nothing here is secret.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from boto_session_manager.exceptions import LocalAwsEmulatorError
from boto_session_manager.testing.local_ca import (
    SERVER_CERT_FILE,
    SERVER_KEY_FILE,
    write_local_ca,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "ADMIN_ACCESS_KEY_ID",
    "ADMIN_SECRET_ACCESS_KEY",
    "DEFAULT_REGION",
    "EMULATOR_ACCOUNT_ID",
    "LocalAws",
    "find_local_aws",
    "start_local_aws",
]

#: The emulator's one account id.
EMULATOR_ACCOUNT_ID = "000000000000"
#: The emulator's administrator key; it accepts any secret for it.
ADMIN_ACCESS_KEY_ID = "test"
ADMIN_SECRET_ACCESS_KEY = "test"  # noqa: S105 - ministack's documented placeholder
DEFAULT_REGION = "us-east-1"

HEALTH_PATH = "/_ministack/health"
STATE_FILE = "local-aws.json"
PID_FILE = "pid"
PORT_FILE = "port"
LOG_FILE = "ministack.log"
_INSTALL_FIX = "Install it with `pip install 'boto_session_manager[testing]'` (ministack==1.5.33)."


@dataclass(frozen=True)
class LocalAws:
    """A running local AWS emulator: where it listens and how to talk to it."""

    endpoint_url: str
    port: int
    pid: int
    region: str = DEFAULT_REGION
    #: PEM of the local CA that signed the emulator's certificate (``None`` over plain HTTP).
    ca_bundle: Path | None = None
    state_dir: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)
    #: ``state_dir`` is a temporary folder made by :func:`start_local_aws`: ``stop()`` removes it.
    _owns_state_dir: bool = field(default=False, repr=False, compare=False)

    # -- talking to it -------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        """The emulator's account id."""
        return EMULATOR_ACCOUNT_ID

    def client_env(self) -> dict[str, str]:
        """Environment variables that point boto3, the AWS CLI and the CDK CLI at the emulator
        with its admin credentials (add them to a copy of ``os.environ``)."""
        env = {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ADMIN_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": ADMIN_SECRET_ACCESS_KEY,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }
        if self.ca_bundle is not None:
            env["AWS_CA_BUNDLE"] = str(self.ca_bundle)
            env["NODE_EXTRA_CA_CERTS"] = str(self.ca_bundle)
        return env

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``session.client(...)``: endpoint, region and TLS trust."""
        return {
            "endpoint_url": self.endpoint_url,
            "region_name": self.region,
            "verify": str(self.ca_bundle) if self.ca_bundle is not None else True,
        }

    def boto3_session(
        self, *, access_key_id: str | None = None, secret_access_key: str | None = None
    ) -> boto3.Session:
        """A boto3 session with the admin credentials (or the given key) and the region."""
        import boto3

        return boto3.Session(
            aws_access_key_id=access_key_id or ADMIN_ACCESS_KEY_ID,
            aws_secret_access_key=secret_access_key or ADMIN_SECRET_ACCESS_KEY,
            region_name=self.region,
        )

    def is_healthy(self, *, timeout: float = 2.0) -> bool:
        """Whether the emulator answers its health check now."""
        return _health(self.endpoint_url, self.ca_bundle, timeout=timeout)

    # -- stopping it ---------------------------------------------------------------------------
    def stop(self, *, grace: float = 1.0) -> None:
        """Stop the emulator by its pid (SIGTERM; SIGKILL after ``grace`` seconds) and forget
        its state files; a temporary state folder (no ``state_dir`` given to
        :func:`start_local_aws`) is removed with its TLS key. Its state lives in memory only,
        so nothing is lost by the SIGKILL (hypercorn can take ~10 s to close an idle TLS
        keep-alive connection)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        elif _pid_is_emulator(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while _pid_alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _pid_alive(self.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 5.0
                while _pid_alive(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
        if self.state_dir is not None and self._owns_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)  # TLS key, log, emulator state
        elif self.state_dir is not None:
            for name in (STATE_FILE, PID_FILE, PORT_FILE):
                with contextlib.suppress(FileNotFoundError):
                    (self.state_dir / name).unlink()

    def __enter__(self) -> LocalAws:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_local_aws(
    *,
    port: int | None = None,
    tls: bool = False,
    state_dir: str | os.PathLike[str] | None = None,
    region: str = DEFAULT_REGION,
    timeout: float = 30.0,
    detach: bool = False,
    persist_state: bool = False,
) -> LocalAws:
    """Start ministack and return once it answers its health check.

    ``persist_state`` keeps the emulator's state in ``state_dir`` across a stop and a start
    with the same ``state_dir`` (ministack's ``PERSIST_STATE``), to test restarts.

    ``port`` defaults to a free loopback port. ``tls`` serves HTTPS with a local CA.
    ``state_dir`` keeps pid, port and TLS material there; without it they go to a private
    temporary folder that :meth:`LocalAws.stop` removes.
    ``detach`` starts it in a session of its own, so it outlives this process and a Ctrl-C
    in the terminal (stop it later by pid, see :func:`find_local_aws`).
    """
    owns_directory = state_dir is None
    directory = Path(tempfile.mkdtemp("-local-aws")) if state_dir is None else Path(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    chosen_port = port or _free_port()
    ca_bundle = write_local_ca(directory) if tls else None
    scheme = "https" if tls else "http"
    endpoint_url = f"{scheme}://127.0.0.1:{chosen_port}"
    env = dict(os.environ)
    for name in list(env):  # the emulator needs none of the caller's AWS settings
        if name.startswith("AWS_"):
            del env[name]
    env.update(
        {
            "AUTH": "true",
            "GATEWAY_PORT": str(chosen_port),
            "BIND_HOST": "127.0.0.1",
            "MINISTACK_REGION": region,
            "IOT_MTLS_ENABLED": "0",
            "SFTP_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
            # its own state folder: never share files with another emulator on the machine
            "STATE_DIR": str(directory / "ministack-state"),
        }
    )
    if persist_state:
        env["PERSIST_STATE"] = "1"
    if tls:
        # The console script with USE_SSL=1 would also take port 443 when it can (as root);
        # running its ASGI app under hypercorn directly (as `ministack -d` does) serves TLS on
        # the chosen port only.
        env["USE_SSL"] = "1"
        command = [
            sys.executable, "-m", "hypercorn", "ministack.app:app",
            "--bind", f"127.0.0.1:{chosen_port}",
            "--certfile", str(directory / SERVER_CERT_FILE),
            "--keyfile", str(directory / SERVER_KEY_FILE),
            "--keep-alive", "75", "--graceful-timeout", "1", "--log-level", "WARNING",
        ]  # fmt: skip
    else:
        command = [sys.executable, "-m", "ministack"]
    log_path = directory / LOG_FILE
    with open(log_path, "wb") as log:
        try:
            process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=detach,
            )
        except OSError as error:
            raise LocalAwsEmulatorError(
                problem=f"cannot run {command[0]} ({error.strerror})", fix=_INSTALL_FIX
            ) from error
    handle = LocalAws(
        endpoint_url=endpoint_url,
        port=chosen_port,
        pid=process.pid,
        region=region,
        ca_bundle=ca_bundle,
        state_dir=directory,
        _process=process,
        _owns_state_dir=owns_directory,
    )
    deadline = time.monotonic() + timeout
    while not handle.is_healthy(timeout=1.0):
        if owns_directory and (process.poll() is not None or time.monotonic() > deadline):
            # keep the log the error points at; the private key goes
            (directory / SERVER_KEY_FILE).unlink(missing_ok=True)
        if process.poll() is not None:
            tail = _tail(log_path)
            fix = _INSTALL_FIX if "No module named" in tail else f"See {log_path}."
            raise LocalAwsEmulatorError(
                problem=f"ministack exited with status {process.returncode} while starting "
                f"({tail.splitlines()[-1] if tail else 'no output'})",
                fix=fix,
            )
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise LocalAwsEmulatorError(
                problem=f"no answer from {endpoint_url}{HEALTH_PATH} within {timeout:.0f} s",
                fix=f"See {log_path}.",
            )
        time.sleep(0.1)
    _write_state(handle)
    return handle


def find_local_aws(state_dir: str | os.PathLike[str]) -> LocalAws | None:
    """The emulator recorded in ``state_dir`` if it is still running and healthy, else None."""
    directory = Path(state_dir)
    try:
        state = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    ca = state.get("ca_bundle")
    handle = LocalAws(
        endpoint_url=str(state["endpoint_url"]),
        port=int(state["port"]),
        pid=int(state["pid"]),
        region=str(state.get("region", DEFAULT_REGION)),
        ca_bundle=Path(ca) if ca else None,
        state_dir=directory,
    )
    if not _pid_is_emulator(handle.pid) or not handle.is_healthy():
        return None
    return handle


# -- helpers -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health(endpoint_url: str, ca_bundle: Path | None, *, timeout: float) -> bool:
    context = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else None
    try:
        with urllib.request.urlopen(  # noqa: S310 (a loopback URL we built)
            endpoint_url + HEALTH_PATH, timeout=timeout, context=context
        ) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) counts as stopped
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _pid_is_emulator(pid: int) -> bool:
    """Whether ``pid`` is alive and (where /proc tells) still a ministack process."""
    if pid <= 0 or not _pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc here: trust the pid file
    return b"ministack" in cmdline


def _write_state(handle: LocalAws) -> None:
    assert handle.state_dir is not None
    state = {
        "endpoint_url": handle.endpoint_url,
        "port": handle.port,
        "pid": handle.pid,
        "region": handle.region,
        "ca_bundle": str(handle.ca_bundle) if handle.ca_bundle else None,
    }
    (handle.state_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
    (handle.state_dir / PID_FILE).write_text(f"{handle.pid}\n")
    (handle.state_dir / PORT_FILE).write_text(f"{handle.port}\n")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
