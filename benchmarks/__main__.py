"""``python -m benchmarks``: run the benchmarks and print one table."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence

from .report import Row, render_table

__all__ = ["SECTIONS", "main"]


def _imports(runs: int) -> tuple[list[Row], list[str]]:
    from .imports import import_rows

    return import_rows(runs=runs)


def _client_access(runs: int) -> tuple[list[Row], list[str]]:
    from .client_access import client_access_rows

    return client_access_rows()


def _first_touch(runs: int) -> tuple[list[Row], list[str]]:
    from .first_touch import first_touch_rows

    return first_touch_rows()


def _oidc(runs: int) -> tuple[list[Row], list[str]]:
    from .oidc import oidc_rows

    return oidc_rows(runs=runs)


def _long_jobs(runs: int) -> tuple[list[Row], list[str]]:
    from .long_jobs import long_job_rows

    return long_job_rows(runs=runs)


def _load(runs: int) -> tuple[list[Row], list[str]]:
    from .load import load_rows

    return load_rows()


#: section name -> function of the number of runs giving (rows, notes)
SECTIONS: dict[str, Callable[[int], tuple[list[Row], list[str]]]] = {
    "imports": _imports,
    "clients": _client_access,
    "threads": _first_touch,
    "oidc": _oidc,
    "processes": _long_jobs,
    "load": _load,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen sections; exit 1 if a section fails to run (not for a missed target)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"sections to run (default: all): {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="runs per median for the import and OIDC figures"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    rows: list[Row] = []
    notes: list[str] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in args.sections or list(SECTIONS):
        section_started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            section_rows, section_notes = SECTIONS[name](args.runs)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        rows.extend(section_rows)
        notes.extend(section_notes)
        print(f"  {name}: {time.perf_counter() - section_started:.1f} s", file=sys.stderr)
    print(render_table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    judged = [row for row in rows if row.met is not None]
    print(
        f"\n{sum(1 for row in judged if row.met)} of {len(judged)} targets met; "
        f"Python {sys.version.split()[0]}; {time.perf_counter() - started:.1f} s in all."
    )
    if failed:
        print(f"sections that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
