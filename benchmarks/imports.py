"""Import time: ``import boto_session_manager`` against ``import boto3``, in fresh interpreters.

Each statement runs as ``python -c STATEMENT`` in a new process; the figure is the median wall
time over the runs minus the median of ``python -c pass`` (the interpreter's own start-up).
The statements are interleaved round by round, so drift in the machine's load hits all alike.

Bytecode: the subprocesses import from ``.pyc`` files, as real installs do, written by warm-up
runs into a private folder (:mod:`benchmarks.fresh_process`); without them the 4,000-line
generated ``clients.py`` would be compiled at every run and dominate.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .fresh_process import bytecode_environment
from .report import Row, compare, format_seconds, median

__all__ = ["BOTO3", "BSM", "BSM_CLASS", "EMPTY", "import_rows", "measure_statements"]

ROOT = Path(__file__).resolve().parent.parent

EMPTY = "pass"
BOTO3 = "import boto3"
BSM = "import boto_session_manager"
BSM_CLASS = "from boto_session_manager import BotoSesManager"

#: Prints which heavy modules a statement loaded.
_PROBE = (
    "import sys; {statement}; "
    "print(','.join(sorted(m for m in ('boto3', 'botocore', 'typing', 'requests') "
    "if m in sys.modules)))"
)


def _run(statement: str, env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def measure_statements(
    statements: Sequence[str], *, runs: int, warmups: int = 2, pycache_prefix: str
) -> dict[str, list[float]]:
    """Wall times of ``python -c STATEMENT`` per statement, ``runs`` each, interleaved."""
    env = bytecode_environment(pycache_prefix)
    for _ in range(warmups):  # compiles every module into the prefix folder
        for statement in statements:
            _run(statement, env)
    times: dict[str, list[float]] = {s: [] for s in statements}
    for round_number in range(runs):
        # rotate the order each round so no statement always runs right after another
        shift = round_number % len(statements)
        for statement in [*statements[shift:], *statements[:shift]]:
            times[statement].append(_run(statement, env))
    return times


def _loaded_by(statement: str, env: Mapping[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or "none of them"


def import_rows(*, runs: int = 15) -> tuple[list[Row], list[str]]:
    """Rows for the import-time figures, and notes on how they were measured."""
    with tempfile.TemporaryDirectory(prefix="bsm-bench-pycache-") as prefix:
        times = measure_statements([EMPTY, BOTO3, BSM, BSM_CLASS], runs=runs, pycache_prefix=prefix)
        loaded = {s: _loaded_by(s, bytecode_environment(prefix)) for s in (BSM, BSM_CLASS)}
    start_up = median(times[EMPTY])
    net = {s: max(median(times[s]) - start_up, 0.0) for s in (BOTO3, BSM, BSM_CLASS)}
    rows = [
        compare(
            f"`{BSM}` vs `{BOTO3}`",
            net[BSM],
            net[BOTO3],
            limit=0.15,
        ),
        compare(
            f"`{BSM_CLASS}` vs `{BOTO3}`",
            net[BSM_CLASS],
            net[BOTO3],
        ),
        Row(
            what=f"`{BSM}` loads boto3/botocore",
            measured="no" if "boto" not in loaded[BSM] else "yes",
            target="no",
            met="boto" not in loaded[BSM],
        ),
    ]
    notes = [
        f"imports: median of {runs} fresh `python -c` runs each, minus `python -c pass` "
        f"({format_seconds(start_up)}); bytecode compiled first (PYTHONDONTWRITEBYTECODE unset, "
        "PYTHONPYCACHEPREFIX a temporary folder, 2 warm-up rounds).",
        f"imports: of boto3, botocore, typing, requests, `{BSM}` loads {loaded[BSM]}; "
        f"`{BSM_CLASS}` loads {loaded[BSM_CLASS]}.",
    ]
    return rows, notes
