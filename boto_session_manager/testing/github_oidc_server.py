"""Serving: a quiet threaded HTTP server that answers each GET with a ``Reply``.

The server binds a free port, runs in a daemon thread, and hands every GET to a callback
``app(path, authorization) -> Reply``. A reply writes its own bytes to a ``Wire``, so
a misbehaving answer (slow, huge, cut short) is just another reply. Nothing is logged: request
lines carry query strings and the ``Authorization`` header is secret.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any, Protocol

__all__ = ["Answer", "Reply", "ReplyServer", "Wire"]

SERVER_NAME = "LocalGitHubOidcIssuer"


class Wire:
    """The client connection a reply writes to; it notices a client that left."""

    def __init__(self, out: BufferedIOBase, stopping: threading.Event) -> None:
        self._out = out
        self._stopping = stopping

    def send(self, data: bytes) -> bool:
        """Write ``data``; ``False`` when the client has gone."""
        try:
            self._out.write(data)
            self._out.flush()
        except OSError:  # the client closed the connection (a client giving up is expected)
            return False
        return True

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; ``False`` (at once) when the server stops meanwhile."""
        return not self._stopping.wait(seconds)

    @property
    def stopping(self) -> bool:
        """Whether the server is stopping (long answers end early then)."""
        return self._stopping.is_set()


class Reply(Protocol):
    """An HTTP answer that writes itself: its status, and how its bytes go on the wire."""

    @property
    def status(self) -> int:
        """The HTTP status the answer carries."""
        ...

    def send(self, wire: Wire) -> None:
        """Write the answer (status line, headers, body) to ``wire``."""
        ...


@dataclass(frozen=True)
class Answer:
    """A well-formed HTTP/1.1 answer with a JSON content type and ``Connection: close``."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, status: int, document: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> Answer:
        """An answer whose body is ``document`` serialised as compact JSON."""
        body = json.dumps(document, separators=(",", ":")).encode("utf-8")
        return cls(status, body, dict(headers or {}))

    def head(self, *, chunked: bool = False, length: int | None = None) -> bytes:
        """The status line and headers; ``Content-Length`` is the body's unless told."""
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        framing = (
            {"Transfer-Encoding": "chunked"}
            if chunked
            else {"Content-Length": str(len(self.body) if length is None else length)}
        )
        fields = {
            "Server": SERVER_NAME,
            "Content-Type": "application/json; charset=utf-8",
            **framing,
            "Cache-Control": "no-store",
            "Connection": "close",
            **self.headers,
        }
        lines = [f"HTTP/1.1 {self.status} {phrase}", *(f"{k}: {v}" for k, v in fields.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send(self, wire: Wire) -> None:
        """Write the whole answer at once."""
        wire.send(self.head() + self.body)


class _Server(ThreadingHTTPServer):
    """The HTTP server, quiet about client disconnects (a client timing out is expected)."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 makes concurrent clients wait for SYN retries
    app: Callable[[str, str | None], Reply]
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow per-connection errors instead of printing a traceback to stderr."""


class _Handler(BaseHTTPRequestHandler):
    """Hands each GET to the server's ``app`` and lets the reply write itself."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines would carry query strings and headers are secret."""

    def do_GET(self) -> None:
        """Answer one GET, then close the connection."""
        reply = self.server.app(self.path, self.headers.get("Authorization"))
        self.close_connection = True
        reply.send(Wire(self.wfile, self.server.stopping))


class ReplyServer:
    """A threaded HTTP server on ``host`` (port chosen by the system) in a daemon thread."""

    def __init__(self, app: Callable[[str, str | None], Reply], *, host: str, name: str) -> None:
        self._app = app
        self._host = host
        self._name = name
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind a free port and serve; a second start is refused."""
        if self._server is not None:
            raise RuntimeError(f"{self._name} is already started")
        self._stopping.clear()
        server = _Server((self._host, 0), _Handler)
        server.app = self._app
        server.stopping = self._stopping
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.005},
            name=f"{self._name}:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket; replies still writing are cut short. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._server is not None

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (only while started)."""
        if self._server is None:
            raise RuntimeError(f"{self._name} is not started: use start() or `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
