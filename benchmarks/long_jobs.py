"""Many processes, one exchange: ``bsm credential-process`` cold (N at once) and warm.

The servers are those of :mod:`benchmarks.oidc` (the local GitHub OIDC issuer and the local
AWS emulator with a role trusted through web identity). Every figure is a fresh process:

- **N processes' first credentials**: N ``bsm credential-process`` started together on an
  empty cache (each imports, waits for a shared "go", then runs), against the same with
  ``--no-cache``. Exchanges are counted at the issuer: each exchange asks it for one token.
  Target: 1 exchange for N processes. The wall time of the N (from "go" to the last exit) is
  shown against one process alone on an empty cache.
- **Warm cache**: one ``bsm credential-process`` answering from a fresh entry, against a bare
  ``python -c pass``; and, for scale, ``python -c "import botocore.session"``, which the warm
  path must not do. Target: at most 4 bare interpreter start-ups, the price of reading one
  JSON file with the standard library after ``argparse`` (the AWS CLI takes several times
  that to start, and importing botocore alone about 20 bare start-ups).

Bytecode is compiled first into a private folder (``PYTHONPYCACHEPREFIX``), as in
:mod:`benchmarks.imports`, so no figure includes compiling.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from .fresh_process import bytecode_environment
from .oidc import REGION, OidcWorld, oidc_world
from .report import Row, compare, format_count, format_seconds, median

__all__ = ["PROCESSES", "long_job_rows"]

#: Processes starting at once.
PROCESSES = 8
#: The warm path's budget, in bare interpreter start-ups.
WARM_LIMIT = 4.0
_COMMAND = ["-m", "boto_session_manager.cli", "credential-process", "--source", "github-oidc"]
_STARTER = (
    "import os, sys, time\n"
    "from boto_session_manager.cli import main\n"
    "open(sys.argv[1], 'w').close()\n"
    "while not os.path.exists(sys.argv[2]): time.sleep(0.001)\n"
    "sys.exit(main(sys.argv[3:]))\n"
)


def _environment(world: OidcWorld, cache_dir: Path, pycache: str) -> dict[str, str]:
    env = bytecode_environment(pycache)
    env.update(world.environ)
    env.update(
        {
            "AWS_ENDPOINT_URL": world.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_ROLE_ARN": world.role_arn,
            "BSM_CREDENTIAL_CACHE_DIR": str(cache_dir),
        }
    )
    return env


def _at_once(count: int, env: Mapping[str, str], folder: Path, *options: str) -> float:
    """Start ``count`` credential-process together; the seconds from "go" to the last exit."""
    go = folder / f"go-{time.monotonic_ns()}"
    readies = [folder / f"ready-{go.name}-{n}" for n in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(ready), str(go), *_COMMAND[2:], *options],
            env=dict(env),
            stdout=subprocess.DEVNULL,
        )
        for ready in readies
    ]
    try:
        while not all(ready.exists() for ready in readies):
            if any(p.poll() is not None for p in processes):
                raise RuntimeError("a credential-process exited before the start")
            time.sleep(0.005)
        started = time.perf_counter()
        go.touch()
        codes = [p.wait(timeout=300) for p in processes]
        elapsed = time.perf_counter() - started
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    if any(codes):
        raise RuntimeError(f"credential-process failed: exit statuses {codes}")
    return elapsed


def _timed(argv: list[str], env: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, *argv], env=dict(env), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def long_job_rows(*, runs: int = 15) -> tuple[list[Row], list[str]]:
    """Rows for the many-processes figures, and notes."""
    rounds = max(3, runs // 3)
    with (
        oidc_world() as world,
        tempfile.TemporaryDirectory(prefix="bsm-bench-long-") as scratch,
    ):
        folder = Path(scratch)
        cache_dir = folder / "cache"
        env = _environment(world, cache_dir, str(folder / "pycache"))
        for _ in range(2):  # compile every module the runs import
            _timed(_COMMAND, env)
        exchanges: list[int] = []
        uncached: list[int] = []
        together: list[float] = []
        alone: list[float] = []
        for _ in range(rounds):
            for measure in ("cached", "uncached", "alone"):
                world.issuer.reset()
                for path in cache_dir.glob("*"):
                    path.unlink()
                if measure == "cached":
                    together.append(_at_once(PROCESSES, env, folder))
                    exchanges.append(world.issuer.tokens_served)
                elif measure == "uncached":
                    _at_once(PROCESSES, env, folder, "--no-cache")
                    uncached.append(world.issuer.tokens_served)
                else:
                    alone.append(_at_once(1, env, folder))
        _timed(_COMMAND, env)  # a fresh entry for the warm runs
        warm_argv: dict[str, list[str]] = {
            "warm": _COMMAND,
            "pass": ["-c", "pass"],
            "botocore": ["-c", "import botocore.session"],
        }
        warm: dict[str, list[float]] = {name: [] for name in warm_argv}
        for round_number in range(runs):
            names = list(warm_argv)
            shift = round_number % len(names)
            for name in [*names[shift:], *names[:shift]]:
                warm[name].append(_timed(warm_argv[name], env))
    worst = max(exchanges)
    rows = [
        Row(
            what=f"{PROCESSES} `bsm credential-process` at once, empty cache: exchanges "
            "(vs --no-cache)",
            measured=format_count(worst, "exchange"),
            baseline=format_count(max(uncached), "exchange"),
            target="1",
            met=worst == 1,
        ),
        compare(
            f"{PROCESSES} `bsm credential-process` at once, empty cache: wall time vs one alone",
            median(together),
            median(alone),
        ),
        compare(
            "`bsm credential-process`, warm cache vs `python -c pass`",
            median(warm["warm"]),
            median(warm["pass"]),
            limit=WARM_LIMIT,
        ),
        compare(
            "`python -c 'import botocore.session'` vs `python -c pass` (what the warm path avoids)",
            median(warm["botocore"]),
            median(warm["pass"]),
        ),
    ]
    notes = [
        f"long jobs: {rounds} rounds of {PROCESSES} processes started together after "
        f"importing (exchanges per round: {exchanges}; with --no-cache: {uncached}); "
        f"warm path: median of {runs} runs, bare interpreter "
        f"{format_seconds(median(warm['pass']))}; bytecode compiled first into a private folder.",
    ]
    return rows, notes
