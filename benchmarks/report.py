"""One result row per figure, and the table ``python -m benchmarks`` prints."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "Row",
    "compare",
    "format_count",
    "format_ratio",
    "format_seconds",
    "median",
    "render_table",
]


@dataclass(frozen=True)
class Row:
    """A measured figure beside its baseline, the ratio of the two and the target it has."""

    #: What was measured (and, after "vs", against what).
    what: str
    #: The measured value, formatted with its unit.
    measured: str
    #: The baseline measured in the same run, formatted with its unit ("" when none).
    baseline: str = ""
    #: measured / baseline, when both are times.
    ratio: float | None = None
    #: The target, as text (``"<= 0.15"``, ``"1"``, ``"report"``).
    target: str = "report"
    #: Whether the target is met; ``None`` for figures that are only reported.
    met: bool | None = None


def compare(what: str, measured: float, baseline: float, *, limit: float | None = None) -> Row:
    """A row for two durations (seconds): their ratio, checked against ``limit`` when given."""
    ratio = measured / baseline
    return Row(
        what=what,
        measured=format_seconds(measured),
        baseline=format_seconds(baseline),
        ratio=ratio,
        target="report" if limit is None else f"<= {limit:g}",
        met=None if limit is None else ratio <= limit,
    )


def median(values: Iterable[float]) -> float:
    """The median of the values."""
    return statistics.median(list(values))


def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps three significant figures or so."""
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e9:.1f} ns"


def format_ratio(ratio: float | None) -> str:
    """A ratio with enough digits to compare against its target."""
    if ratio is None:
        return "-"
    if ratio != 0 and abs(ratio) < 1e-3:
        return f"{ratio:.1e}"
    return f"{ratio:.3f}" if ratio < 10 else f"{ratio:.1f}"


def format_count(count: int, noun: str, plural: str | None = None) -> str:
    """``"1 construction"``, ``"64 constructions"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def render_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned plain-text table (Markdown-compatible)."""
    header = ("what", "measured", "baseline", "ratio", "target", "met")
    cells = [
        (
            row.what,
            row.measured,
            row.baseline or "-",
            format_ratio(row.ratio),
            row.target,
            "-" if row.met is None else ("yes" if row.met else "NO"),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), separator, *(line(c) for c in cells)])
