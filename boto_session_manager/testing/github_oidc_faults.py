"""Faults: misbehaviours of the token endpoint, each consumed by one token request.

A :class:`Fault` says what goes wrong; ``faulty_reply`` turns it into the reply that goes on
the wire, given the answer the endpoint would have sent (``normal``):

========================  ====================================================================
``status``                ``status`` with a JSON error (and ``Retry-After`` if given)
``malformed``             200 with a body that is not JSON
``missing_value``         200 with JSON lacking ``value``
``delay``                 wait ``delay`` seconds, then the normal answer
``drip``                  the normal answer one byte every ``interval`` seconds, from the
                          status line (``phase="headers"``) or from the body (``"body"``)
``huge_body``             the normal answer padded to ``size`` bytes of valid JSON, streamed
                          with a ``Content-Length`` or chunked
``truncated``             the normal answer cut in half and the connection closed: chunked
                          without the last chunk, or shorter than its ``Content-Length``
========================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .github_oidc_server import Answer, Reply, Wire

__all__ = ["HUGE_BODY_BYTES", "Fault", "FaultKind", "faulty_reply"]

FaultKind = Literal[
    "status", "malformed", "missing_value", "delay", "drip", "huge_body", "truncated"
]
#: The default size of a ``huge_body`` answer: 300 MiB.
HUGE_BODY_BYTES = 300 * 2**20
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour of the token endpoint, consumed by one token request.

    ``kind`` is one of ``status``, ``malformed``, ``missing_value``, ``delay``, ``drip``,
    ``huge_body``, ``truncated`` (see :mod:`~boto_session_manager.testing.github_oidc_faults`);
    the other fields are the settings of that kind.
    """

    kind: FaultKind
    status: int = 500
    delay: float = 0.0
    retry_after: int | str | None = None
    interval: float = 1.0
    phase: Literal["headers", "body"] = "body"
    size: int = HUGE_BODY_BYTES
    chunked: bool = False

    @property
    def carries_token(self) -> bool:
        """Whether the answer still holds the endpoint's normal answer (slowly, or padded)."""
        return self.kind in ("delay", "drip", "huge_body")


def faulty_reply(fault: Fault, normal: Callable[[], Answer]) -> Reply:
    """The reply for ``fault``; ``normal`` makes the answer the endpoint would have sent."""
    if fault.kind == "status":
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        message = {"message": f"injected fault: HTTP {fault.status}"}
        return Answer.json(fault.status, message, headers)
    if fault.kind == "malformed":
        return Answer(200, b'{"count": 1, "value": "eyJ')
    if fault.kind == "missing_value":
        return Answer.json(200, {"count": 1})
    if fault.kind == "delay":
        return _Delayed(normal(), fault.delay)
    if fault.kind == "drip":
        return _Drip(normal(), fault.interval, fault.phase)
    if fault.kind == "huge_body":
        return _Huge(normal(), fault.size, fault.chunked)
    if fault.kind == "truncated":
        return _Truncated(normal(), fault.chunked)
    raise ValueError(f"unknown fault kind {fault.kind!r}")


@dataclass(frozen=True)
class _Delayed:
    answer: Answer
    delay: float

    @property
    def status(self) -> int:
        return self.answer.status

    def send(self, wire: Wire) -> None:
        wire.wait(self.delay)  # cut short by stop(); the answer still goes out
        self.answer.send(wire)


@dataclass(frozen=True)
class _Drip:
    answer: Answer
    interval: float
    phase: Literal["headers", "body"]

    @property
    def status(self) -> int:
        return self.answer.status

    def send(self, wire: Wire) -> None:
        head, body = self.answer.head(), self.answer.body
        if self.phase == "body":
            if not wire.send(head):
                return
            slow = body
        else:
            slow = head + body
        for index in range(len(slow)):
            if not (wire.send(slow[index : index + 1]) and wire.wait(self.interval)):
                return


@dataclass(frozen=True)
class _Huge:
    answer: Answer
    size: int
    chunked: bool

    @property
    def status(self) -> int:
        return self.answer.status

    def send(self, wire: Wire) -> None:
        # valid JSON once complete: the normal document with a long "padding" member
        prefix = self.answer.body[:-1] + b',"padding":"'
        suffix = b'"}'
        padding = max(0, self.size - len(prefix) - len(suffix))
        total = len(prefix) + padding + len(suffix)
        head = self.answer.head(chunked=self.chunked, length=total)
        if not wire.send(head) or not self._part(wire, prefix):
            return
        block = b"x" * _BLOCK
        while padding > 0 and not wire.stopping:
            part = block[: min(padding, _BLOCK)]
            if not self._part(wire, part):
                return
            padding -= len(part)
        if self._part(wire, suffix) and self.chunked:
            wire.send(b"0\r\n\r\n")

    def _part(self, wire: Wire, data: bytes) -> bool:
        if self.chunked:
            return wire.send(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
        return wire.send(data)


@dataclass(frozen=True)
class _Truncated:
    answer: Answer
    chunked: bool

    @property
    def status(self) -> int:
        return self.answer.status

    def send(self, wire: Wire) -> None:
        body = self.answer.body
        half = body[: len(body) // 2]
        if self.chunked:
            # one chunk, then the connection closes without the terminating zero-size chunk
            chunk = f"{len(half):x}\r\n".encode("ascii") + half + b"\r\n"
            wire.send(self.answer.head(chunked=True) + chunk)
        else:
            wire.send(self.answer.head() + half)  # Content-Length promises the whole body
