"""Shared pytest configuration and the helpers every test folder uses, as fixtures.

- the project's own fixtures (the local GitHub OIDC issuer, the local AWS emulator), enabled
  the way users enable them;
- ``isolated_aws_env``: no developer AWS configuration (unit test modules opt in with
  ``pytestmark = pytest.mark.usefixtures("isolated_aws_env")``);
- ``make_bsm``: a manager with AWS's documented example keys, pointed at a dead endpoint;
- ``run_at_once``: the many-threads-at-once harness;
- ``local_sts``: a real local HTTP endpoint speaking STS's query protocol, which counts every
  request at the wire (botocore's retries included), refuses, fails or holds requests on
  demand; ``sts_proxy`` is the same in front of another STS endpoint (the emulator).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

# the project's own fixtures as users enable them; the run's one fresh stack (tests/)
pytest_plugins = ["boto_session_manager.testing.pytest_plugin", "tests.shared_setup"]

#: AWS's documented example key pair: nothing is ever sent anywhere with it.
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#: Nothing listens here: a request that escapes a test fails at once instead of reaching AWS.
DEAD_ENDPOINT = "http://127.0.0.1:9"
#: The account the local STS endpoint answers for.
ACCOUNT_ID = "123456789012"
#: How long a held request waits for ``release()`` at most, so a broken test cannot hang.
MAX_HOLD_SECONDS = 20.0


#: What ``isolated_aws_env`` removes: AWS settings, this library's switches, the job's ID token.
ISOLATED_PREFIXES = ("AWS_", "BSM_", "ACTIONS_ID_TOKEN_")


@pytest.fixture
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's AWS configuration and the CI job's GitHub context out of the test.

    Inside a GitHub Actions job ``GITHUB_ACTIONS`` and the ID-token variables would make
    ``from_environment`` choose OIDC where a test expects its own ``.env``.
    """
    for name in list(os.environ):
        if name.startswith(ISOLATED_PREFIXES) or name == "GITHUB_ACTIONS":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def make_bsm() -> Callable[..., Any]:
    """A factory of managers with static example keys in us-east-1 at a dead endpoint."""
    from boto_session_manager import BotoSesManager

    def make(**kwargs: Any) -> BotoSesManager:
        params: dict[str, Any] = {
            "aws_access_key_id": ACCESS_KEY_ID,
            "aws_secret_access_key": SECRET_ACCESS_KEY,
            "region_name": "us-east-1",
            "default_client_kwargs": {"endpoint_url": DEAD_ENDPOINT},
        }
        params.update(kwargs)
        return BotoSesManager(**params)

    return make


@pytest.fixture
def run_at_once() -> Callable[..., tuple[list[Any], list[BaseException]]]:
    """``run_at_once(target, threads=64)``: the threads start together; (results, errors).

    The benchmarks' harness (``benchmarks/first_touch.py``): it catches ``BaseException``, so a
    ``pytest.fail`` in ``target`` lands in ``errors``.
    """
    from benchmarks.first_touch import run_at_once

    return run_at_once


class _Server(ThreadingHTTPServer):
    """A threading HTTP server whose listen queue holds 64 clients connecting at once."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes concurrent clients wait for SYN retries


def _xml(action: str, result: str) -> bytes:
    return (
        f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    ).encode()


def _error(code: str) -> bytes:
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>refused by the local STS endpoint</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


class LocalSts:
    """A local STS endpoint (or, with ``upstream``, a proxy to one) that counts at the wire.

    Alone it answers ``GetCallerIdentity``, ``AssumeRole`` and ``AssumeRoleWithWebIdentity``
    (credentials living ``lifetime`` seconds from ``clock()``, a new key each time). Every
    request is counted per action in :attr:`calls` and its parameters kept in
    :attr:`requests`, before any fault: refusals (:meth:`refuse`), HTTP failures
    (:meth:`fail`) and held requests (:meth:`hold`, answered on :meth:`release`).
    """

    def __init__(
        self,
        *,
        upstream: str | None = None,
        ca_bundle: str | None = None,
        lifetime: int = 3600,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.upstream, self.ca_bundle, self.lifetime = upstream, ca_bundle, lifetime
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        #: Lifetimes (seconds) of the next credentials issued, in order, before ``lifetime``.
        self.next_lifetimes: list[int] = []
        self.calls: Counter[str] = Counter()
        #: Requests per action that came without an ``Authorization`` header.
        self.unsigned: Counter[str] = Counter()
        self.requests: list[dict[str, str]] = []
        self.held = 0
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._faults: dict[str, list[Any]] = {}
        self._held_actions: set[str] = set()
        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    # -- what the test asks for
    def refuse(self, action: str, code: str, count: int | None = None) -> None:
        """Answer ``action`` with error ``code`` (403) ``count`` times, or always when None."""
        self._faults[action] = [403, _error(code), count]

    def fail(self, action: str, status: int, count: int) -> None:
        """Answer ``action`` with a bare HTTP ``status`` ``count`` times."""
        self._faults[action] = [status, _error("ServiceUnavailable"), count]

    def hold(self, action: str) -> None:
        """Keep requests for ``action`` waiting until :meth:`release` (or MAX_HOLD_SECONDS)."""
        self._held_actions.add(action)

    def release(self) -> None:
        """Answer the held requests."""
        self._released.set()

    def stop(self) -> None:
        """Answer anything held and stop serving."""
        self.release()
        self.server.shutdown()
        self.server.server_close()

    # -- answers
    def _credentials(self) -> str:
        with self._lock:
            lifetime = self.next_lifetimes.pop(0) if self.next_lifetimes else self.lifetime
        expiry = self.clock() + dt.timedelta(seconds=lifetime)
        key = "ASIA" + uuid.uuid4().hex[:16].upper()
        return (
            f"<Credentials><AccessKeyId>{key}</AccessKeyId>"
            f"<SecretAccessKey>local-secret-{uuid.uuid4().hex}</SecretAccessKey>"
            f"<SessionToken>local-token-{uuid.uuid4().hex}</SessionToken>"
            f"<Expiration>{expiry.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration></Credentials>"
        )

    def _answer(self, action: str, params: dict[str, str]) -> tuple[int, bytes]:
        arn = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/local/{params.get('RoleSessionName', 's')}"
        if action == "GetCallerIdentity":
            return 200, _xml(
                action,
                f"<Arn>{arn}</Arn><UserId>AROALOCAL:s</UserId><Account>{ACCOUNT_ID}</Account>",
            )
        if action in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            user = f"<AssumedRoleUser><AssumedRoleId>AROALOCAL:s</AssumedRoleId><Arn>{arn}</Arn>"
            return 200, _xml(action, self._credentials() + user + "</AssumedRoleUser>")
        return 400, _error("InvalidAction")

    def _handle(self, body: bytes, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        params = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        action = params.get("Action", "")
        with self._lock:
            self.calls[action] += 1
            self.unsigned[action] += "Authorization" not in headers
            self.requests.append(params)
            fault = self._faults.get(action)
            if fault is not None and fault[2] is not None:
                fault[2] -= 1
                if fault[2] < 0:
                    fault = None
        if action in self._held_actions:
            with self._lock:
                self.held += 1
            self.arrived.set()
            self._released.wait(MAX_HOLD_SECONDS)
            with self._lock:
                self.held -= 1
        if fault is not None:
            return fault[0], fault[1]
        if self.upstream is None:
            return self._answer(action, params)
        answer = requests.post(
            self.upstream + path,
            data=body,
            headers=headers,  # Host too: it is part of the signature
            timeout=30,
            verify=self.ca_bundle or True,
        )
        return answer.status_code, answer.content

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sts = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Silence the request log."""

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = sts._handle(body, self.path, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler


@pytest.fixture
def local_sts() -> Iterator[LocalSts]:
    """A started local STS endpoint, stopped after the test."""
    sts = LocalSts()
    try:
        yield sts
    finally:
        sts.stop()


@pytest.fixture
def sts_proxy() -> Iterator[Callable[..., LocalSts]]:
    """``sts_proxy(upstream, ca_bundle=None)``: a counting, faulting proxy to ``upstream``."""
    started: list[LocalSts] = []

    def start(upstream: str, ca_bundle: str | None = None) -> LocalSts:
        proxy = LocalSts(upstream=upstream, ca_bundle=ca_bundle)
        started.append(proxy)
        return proxy

    try:
        yield start
    finally:
        for proxy in started:
            proxy.stop()
