"""``run:`` steps: the shell command line, the process, its streamed output, its deadline."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RehearsalError
from .expressions import Context
from .runner_files import WorkflowCommands
from .workflow import Step

__all__ = ["JobState", "ScriptResult", "hash_files", "run_script", "shell_command"]


@dataclass
class JobState:
    """What the steps of one job have built up: variables, ``PATH``, outcomes, outputs."""

    deadline: float
    env: dict[str, str]
    exported: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    failed: str | None = None
    steps: dict[str, Context] = field(default_factory=dict)

    def record(
        self,
        step: Step,
        outcome: str,
        outputs: Mapping[str, str] | None = None,
        *,
        continue_on_error: bool = False,
    ) -> None:
        """Remember a step's outcome and outputs for ``steps.<id>``."""
        if step.id:
            conclusion = "success" if continue_on_error and outcome == "failure" else outcome
            self.steps[step.id] = Context(
                f"steps.{step.id}",
                {
                    "outcome": outcome,
                    "conclusion": conclusion,
                    "outputs": Context(
                        f"steps.{step.id}.outputs",
                        dict(outputs or {}),
                        hint="the step writes them to $GITHUB_OUTPUT",
                    ),
                },
            )

    def steps_context(self) -> Context:
        """``steps.*``: the steps with an ``id`` that already ran."""
        return Context("steps", self.steps, hint="only steps with an id that already ran")


@dataclass(frozen=True)
class ScriptResult:
    """How a script ended; ``problem`` says why it failed beyond its exit status."""

    code: int
    problem: str | None = None


def shell_command(shell: str, script: str) -> list[str]:
    """The runner's command line for ``shell:`` (``bash -e`` when none is given)."""
    if shell in ("", "bash"):
        extra = ["--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["-e"]
        return ["bash", *extra, script]
    if shell == "sh":
        return ["sh", "-e", script]
    if shell == "python":
        return ["python", script]
    if "{0}" in shell:
        return [part.replace("{0}", script) for part in shlex.split(shell)]
    raise RehearsalError(
        f"shell {shell!r} is not modelled: use bash, sh, python or a {{0}} template"
    )


def kill_group(pid: int) -> None:
    """Kill a step's process group (the step and everything it started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_script(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    deadline: float,
    commands: WorkflowCommands,
    say: Callable[[str], None],
    outputs: dict[str, str],
) -> ScriptResult:
    """Run one script, printing each line through the workflow commands (masked by ``say``)."""
    process = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    timer = threading.Timer(max(deadline - time.monotonic(), 0), kill_group, [process.pid])
    timer.daemon = True
    timer.start()
    problem = None
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = commands.line(raw.decode("utf-8", "replace").rstrip("\r\n"))
            if line.output:
                outputs[line.output[0]] = line.output[1]
            if line.error and problem is None:
                problem = line.error
            if line.text is not None:
                say(f"│ {line.text}")
        code = process.wait()
    except BaseException:  # Ctrl-C or an error here: the step's processes go too
        kill_group(process.pid)
        raise
    finally:
        timer.cancel()
    if time.monotonic() >= deadline:
        return ScriptResult(code or 1, "the job reached its timeout-minutes")
    return ScriptResult(code or (1 if problem else 0), problem)


def hash_files(workspace: Path, patterns: Sequence[str]) -> str:
    """``hashFiles()``: a SHA-256 over the SHA-256 of each matching file, '' for none."""
    files = sorted({p for pattern in patterns for p in workspace.glob(str(pattern)) if p.is_file()})
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
