"""A loopback container-credentials endpoint: a parent process serves refreshing credentials.

Every AWS SDK and the AWS CLI, after the environment's keys and the profile's credentials,
ask the endpoint named by ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (plain http is accepted for
a loopback host), sending ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as the ``Authorization``
header, and ask again shortly before the credentials they got expire. ``bsm exec`` serves its
own refreshing credentials this way, so a child running for hours never holds an expired key.

The server listens on ``127.0.0.1`` on a free port, answers only ``GET`` of its path with the
right token (compared in constant time; a new random token per server), one request at a
time, and logs nothing but failures to fetch credentials (never a secret).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .expiring_credentials import ExpiringCredentials

__all__ = ["AUTHORIZATION_TOKEN_VAR", "FULL_URI_VAR", "ContainerCredentialsServer"]

logger = logging.getLogger("boto_session_manager")

FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
AUTHORIZATION_TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name
#: Variables removed from a child's environment: each would win over the endpoint (static
#: keys, a profile, a web-identity token file, another container endpoint or token file).
SHADOWING_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
_PATH = "/boto-session-manager/credentials"


class ContainerCredentialsServer:
    """Serves ``fetch()``'s credentials in the container-credentials format on loopback.

    ``fetch`` is called for each request (one at a time) and should return current,
    refreshed-when-needed credentials, such as a refreshing manager's. Use as a context
    manager; :meth:`child_environ` gives a child's environment pointing at it.

    Diagnostics (read-only): :attr:`served` and :attr:`refused` requests.
    """

    def __init__(self, fetch: Callable[[], ExpiringCredentials]) -> None:
        self._fetch = fetch
        self._token = secrets.token_urlsafe(32)
        self._fetch_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        #: Diagnostic: requests answered with credentials.
        self.served = 0
        #: Diagnostic: requests refused (wrong path, method or token) or failed.
        self.refused = 0

    @property
    def full_uri(self) -> str:
        """``http://127.0.0.1:PORT/...``: the value of ``AWS_CONTAINER_CREDENTIALS_FULL_URI``."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}{_PATH}"

    @property
    def authorization_token(self) -> str:
        """The value of ``AWS_CONTAINER_AUTHORIZATION_TOKEN`` (a secret: never print it)."""
        return self._token

    def child_environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` without the variables that would shadow the endpoint, pointing at it."""
        environ = {name: value for name, value in base.items() if name not in SHADOWING_VARS}
        environ[FULL_URI_VAR] = self.full_uri
        environ[AUTHORIZATION_TOKEN_VAR] = self._token
        return environ

    def start(self) -> ContainerCredentialsServer:
        """Listen on a free loopback port and serve in a daemon thread; return ``self``."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        self._server = server
        threading.Thread(
            target=server.serve_forever, args=(0.1,), name="bsm-credentials", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> ContainerCredentialsServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, method: str, path: str, authorization: str | None) -> tuple[int, bytes]:
        if method != "GET" or path != _PATH:
            self.refused += 1
            return 404, _error("NotFound", "no such resource")
        if authorization is None or not hmac.compare_digest(
            authorization.encode(), self._token.encode()
        ):
            self.refused += 1
            return 403, _error("AccessDenied", "the authorization token is missing or wrong")
        try:
            with self._fetch_lock:
                credentials = self._fetch()
        except Exception as exc:
            self.refused += 1
            logger.warning("could not fetch credentials for the child process: %s", exc)
            return 500, _error("CredentialsUnavailable", type(exc).__name__)
        self.served += 1
        document: dict[str, Any] = {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
            "Token": credentials.session_token or "",
            "Expiration": credentials.expiration_text,
        }
        return 200, json.dumps(document).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Silence the request log."""

            def _reply(self) -> None:
                status, body = endpoint._answer(
                    self.command, self.path, self.headers.get("Authorization")
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _reply

        return Handler

    def __repr__(self) -> str:
        running = self._server is not None
        return f"ContainerCredentialsServer(running={running}, served={self.served})"


def _error(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}).encode()
