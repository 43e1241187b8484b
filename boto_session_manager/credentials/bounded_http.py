"""One HTTP GET that cannot hang nor flood its caller: a deadline and a size cap.

``requests`` timeouts bound each socket read, not the whole exchange: a server sending one
byte a second never trips them, and nothing bounds a name lookup. Here the request runs in a
worker thread the caller waits for until the deadline, no longer, whichever phase the request
is in (name lookup, connection, status line, headers or body); at the deadline its sockets are
shut down, so the worker ends too (a lookup ends when the system resolver gives up). The body
is streamed and abandoned once it exceeds the cap. Every failure comes back as a
:class:`Failure` with a reason that holds no URL, header or server text (so no secret),
and whether it is worth retrying.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager

__all__ = ["Answer", "Failure", "bounded_get"]

_CHUNK_BYTES = 8192


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: its status, headers and, for a 200, its whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Failure:
    """No usable answer: why (safe to show), whether a retry may help, whether time ran out."""

    reason: str
    retryable: bool
    out_of_time: bool = False


class _Watchdog:
    """Shuts down the sockets a request opened, once, when its deadline passes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.fired = False

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.fired:
                _shutdown(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv(); close() would not


_current = threading.local()  # the watchdog of the request running in this thread


def _register(sock: Any) -> None:
    watchdog: _Watchdog | None = getattr(_current, "watchdog", None)
    if watchdog is not None and isinstance(sock, socket.socket):
        watchdog.register(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS: dict[str, type[HTTPConnectionPool]] = {
    "http": _WatchedHTTPPool,
    "https": _WatchedHTTPSPool,
}


class _WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections (direct or through an HTTP proxy) are watched."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # not SOCKS, which has pools of its own
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def bounded_get(
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    within: float,
    max_body_bytes: int,
) -> Answer | Failure:
    """GET ``url``: an answer within ``within`` seconds and ``max_body_bytes``, or a failure.

    ``timeout`` is requests' (connect, read) pair; the body is read only for status 200.
    """
    watchdog = _Watchdog()
    outcome: list[Answer | Failure] = []
    raised: list[BaseException] = []

    def request() -> None:
        session = requests.Session()
        adapter = _WatchedAdapter(max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _current.watchdog = watchdog
        try:
            outcome.append(_get(session, url, headers, timeout, max_body_bytes, watchdog))
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
            ValueError,
        ) as exc:
            outcome.append(_failure(exc, watchdog))
        except BaseException as exc:  # not a failure of the endpoint: the caller sees it
            raised.append(exc)
        finally:
            _current.watchdog = None
            session.close()

    worker = threading.Thread(target=request, name="bsm-bounded-get", daemon=True)
    worker.start()
    worker.join(within)
    if worker.is_alive():
        watchdog.fire()  # its sockets shut down: the worker ends, and stores nothing we read
        return Failure("no answer within the deadline", False, out_of_time=True)
    if raised:
        raise raised[0]
    return outcome[0]


def _get(
    session: requests.Session,
    url: str,
    headers: Mapping[str, str],
    timeout: tuple[float, float],
    max_body_bytes: int,
    watchdog: _Watchdog,
) -> Answer | Failure:
    with session.get(url, headers=dict(headers), timeout=timeout, stream=True) as response:
        if response.status_code != 200:
            return Answer(response.status_code, response.headers, b"")
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            return Failure(f"the answer is compressed ({encoding}), which was not asked for", False)
        length = response.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > max_body_bytes:
            return Failure(
                f"the answer of {int(length)} bytes is larger than {max_body_bytes} bytes", False
            )
        body = bytearray()
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            body += chunk
            if len(body) > max_body_bytes:
                return Failure(f"the answer is larger than {max_body_bytes} bytes", False)
        if watchdog.fired:  # a body read to a shut-down socket's end is not the whole body
            return Failure("no answer within the deadline", False, out_of_time=True)
        return Answer(200, response.headers, bytes(body))


def _failure(exc: BaseException, watchdog: _Watchdog) -> Failure:
    """The failure an exception stands for; its text (which may hold URLs) is never used."""
    if watchdog.fired:
        return Failure("no answer within the deadline", False, out_of_time=True)
    if isinstance(exc, requests.Timeout):
        return Failure("timed out", True)
    if isinstance(exc, requests.exceptions.SSLError):
        return Failure("the TLS handshake failed (certificate or protocol)", False)
    if isinstance(exc, requests.exceptions.ProxyError):
        return Failure("the proxy failed", True)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Failure("the answer was cut short", True)
    if isinstance(exc, requests.ConnectionError):
        return Failure("connection failed", True)
    if isinstance(exc, requests.exceptions.InvalidHeader):
        return Failure("a request header cannot be sent (check the request token)", False)
    if isinstance(exc, requests.TooManyRedirects):
        return Failure("too many redirects", False)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return Failure("requests cannot use the URL", False)
    if isinstance(exc, OSError):
        return Failure(f"connection failed ({type(exc).__name__})", True)
    return Failure(f"the request failed ({type(exc).__name__})", False)
