"""Checking that secrets stay out of text, without ever printing them.

``assert secret not in text`` leaks the secret when it fails: pytest's assertion rewriting
prints both operands, and in GitHub Actions these can be live credentials. Use these instead:

- :func:`assert_no_secrets` fails naming only the secret's *label* and where it was found
  (place, line, column);
- :func:`fingerprint` gives a printable stand-in (length and a SHA-256 prefix) for comparing
  secrets, e.g. ``assert fingerprint(a) == fingerprint(b)``;
- :func:`redact` replaces secrets by ``***`` in text that goes into a failure message.

>>> assert_no_secrets({"session token": "FwoGZXIvYXdzEXAMPLE"}, {"log": "all fine"})
>>> fingerprint("hunter2")
'<7 chars sha256:f52fbd32b2b3>'
>>> redact("token=hunter2", ["hunter2"])
'token=***'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Leak", "assert_no_secrets", "find_leaks", "fingerprint", "redact"]


def fingerprint(value: str) -> str:
    """A stand-in for ``value`` that is safe to print: its length and a SHA-256 prefix."""
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
    return f"<{len(value)} chars sha256:{digest}>"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each (non-empty) secret replaced by ``***``."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Leak:
    """Where a secret was found: its label, the place's name, a 1-based line and column."""

    secret: str
    place: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.secret} found in {self.place} at line {self.line}, column {self.column}"


def _checked(secrets: Mapping[str, str | None]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for label, value in secrets.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"secret {label!r} is empty or missing: a scan for it proves nothing")
        checked[label] = value
    return checked


def find_leaks(secrets: Mapping[str, str | None], places: Mapping[str, str]) -> list[Leak]:
    """Every first occurrence of each secret (by label) in each place (by name)."""
    leaks = []
    for label, value in _checked(secrets).items():
        for place, text in places.items():
            index = text.find(value)
            if index >= 0:
                line = text.count("\n", 0, index) + 1
                column = index - (text.rfind("\n", 0, index) + 1) + 1
                leaks.append(Leak(label, place, line, column))
    return leaks


def assert_no_secrets(secrets: Mapping[str, str | None], places: Mapping[str, str]) -> None:
    """Fail if a secret occurs in a place; the failure names labels and places, never values.

    ``secrets`` maps a label (``"session token"``) to the secret; ``places`` maps a name
    (``"stderr"``) to the text to search. An empty secret is refused: it would prove nothing.
    """
    __tracebackhide__ = True  # pytest: the failure points at the caller, not this line
    leaks = find_leaks(secrets, places)
    if leaks:
        raise AssertionError("secret leaked: " + "; ".join(str(leak) for leak in leaks))
