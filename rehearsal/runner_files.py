"""What steps tell the runner: ``$GITHUB_ENV``/``$GITHUB_OUTPUT``/``$GITHUB_PATH`` files and
``::workflow commands::`` in their output, with ``::add-mask::`` applied to every printed line.

The file format is the runner's: ``NAME=value`` lines, or ``NAME<<DELIMITER`` then the value's
lines then a line holding only ``DELIMITER``. Command values are unescaped by the
workflow-command rules (``%25`` is ``%``, ``%0D`` is CR, ``%0A`` is LF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import WorkflowFileError

__all__ = ["CommandOutput", "Masker", "WorkflowCommands", "read_key_values", "read_paths"]

_COMMAND = re.compile(r"^::([A-Za-z][A-Za-z0-9_-]*)(?: ([^:]*))?::(.*)$")
MASK = "***"


def _unescape(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def read_key_values(text: str, *, label: str) -> list[tuple[str, str]]:
    """The pairs of a ``$GITHUB_ENV`` or ``$GITHUB_OUTPUT`` file, in order."""
    lines = text.splitlines()
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            name, value = line[:equals], line[equals + 1 :]
        elif heredoc >= 0:
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            if not delimiter:
                raise WorkflowFileError(f"{label}: {name}<< has no delimiter after the <<")
            body: list[str] = []
            while i < len(lines) and lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise WorkflowFileError(
                    f"{label}: no line {delimiter!r} closes the value of {name!r} "
                    f"(write `{name}<<{delimiter}`, the lines, then `{delimiter}` alone)"
                )
            i += 1
            value = "\n".join(body)
        else:
            raise WorkflowFileError(f"{label}: {line[:40]!r} is neither NAME=value nor NAME<<EOF")
        if not name:
            raise WorkflowFileError(f"{label}: a line has an empty name: {line[:40]!r}")
        pairs.append((name, value))
    return pairs


def read_paths(text: str) -> list[str]:
    """The directories of a ``$GITHUB_PATH`` file, one a line."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Masker:
    """The secrets registered so far; :meth:`apply` replaces each with ``***``."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self.replacements = 0

    def add(self, value: str) -> None:
        """Mask ``value`` from now on (each line of a multi-line value too)."""
        for part in (value, *value.splitlines()):
            if part.strip():
                self._values.add(part)

    def __len__(self) -> int:
        return len(self._values)

    def apply(self, text: str) -> str:
        """``text`` with every registered value replaced, longest first."""
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                self.replacements += text.count(value)
                text = text.replace(value, MASK)
        return text


@dataclass
class CommandOutput:
    """What one output line means: text to print (masked later), and any effect."""

    text: str | None
    error: str | None = None
    annotation: tuple[str, str] | None = None
    output: tuple[str, str] | None = None


@dataclass
class WorkflowCommands:
    """Reads the ``::command::`` lines of one step's output, as the runner does."""

    masker: Masker
    stopped_by: str | None = None
    annotations: list[tuple[str, str]] = field(default_factory=list)

    def line(self, raw: str) -> CommandOutput:
        """Interpret one line of output; ``text`` is what the log shows (``None``: nothing)."""
        match = _COMMAND.match(raw)
        if match is None:
            return CommandOutput(raw)
        name, _properties, message = match.group(1), match.group(2), _unescape(match.group(3))
        if self.stopped_by is not None:
            if name == self.stopped_by:
                self.stopped_by = None
                return CommandOutput(None)
            return CommandOutput(raw)
        lower = name.lower()
        if lower == "add-mask":
            self.masker.add(message)
            return CommandOutput(None)
        if lower == "stop-commands":
            self.stopped_by = message
            return CommandOutput(None)
        if lower in ("error", "warning", "notice"):
            self.annotations.append((lower, message))
            return CommandOutput(f"{lower.capitalize()}: {message}", annotation=(lower, message))
        if lower == "group":
            return CommandOutput(f"▸ {message}")
        if lower in ("endgroup", "debug"):
            return CommandOutput(None)
        if lower in ("set-env", "add-path"):
            return CommandOutput(
                raw,
                error=f"the `{name}` command is disabled on GitHub: write to "
                f"${'GITHUB_ENV' if lower == 'set-env' else 'GITHUB_PATH'} instead",
            )
        if lower == "set-output":
            key = (match.group(2) or "").partition("name=")[2].split(",")[0]
            self.annotations.append(("warning", "set-output is deprecated: use $GITHUB_OUTPUT"))
            return CommandOutput(None, output=(key, message))
        return CommandOutput(raw)
