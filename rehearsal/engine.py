"""Run a workflow's jobs on this machine the way a GitHub runner would.

Per job: the runner's variables (``GITHUB_*``, ``RUNNER_*``, ``CI``), the ID-token endpoint
only with ``id-token: write`` (the local issuer, minting for the rehearsed repository, ref and
event), ``env:`` of workflow < job < step over what ``$GITHUB_ENV`` set, ``${{ }}`` evaluated
strictly, ``run:`` through ``bash -e`` (``shell: bash`` adds ``--noprofile --norc -o
pipefail``), ``$GITHUB_ENV``/``$GITHUB_OUTPUT``/``$GITHUB_PATH`` read after each step,
``if:`` with the status functions, and every printed line masked.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .actions import action_name, run_action
from .contexts import (
    github_context,
    job_contexts,
    needs_context,
    runner_context,
    variables_context,
)
from .errors import RehearsalError
from .expressions import Context, evaluate_condition, interpolate, interpolate_tree, to_string
from .runner_files import Masker, WorkflowCommands, read_key_values, read_paths
from .scenarios import Scenario
from .scripts import JobState, hash_files, run_script, shell_command
from .workflow import Job, Step, Workflow, expand_matrix

if TYPE_CHECKING:
    from boto_session_manager.testing import GitHubOidcIssuer

__all__ = ["JobResult", "Machine", "Rehearsal"]

DEFAULT_TIMEOUT_MINUTES = 360
#: The files a step may write for the runner (a fresh set for every step, as on GitHub).
RUNNER_FILES = ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")


@dataclass(frozen=True)
class Machine:
    """What this machine supplies besides the workflow: variables, AWS endpoint, paths."""

    repository: str
    variables: Mapping[str, str]
    variables_source: str
    aws_env: Mapping[str, str]
    base_env: Mapping[str, str]
    workspace: Path
    runner_temp: Path
    tool_cache: Path
    sha: str
    role_variable: str = "AWS_ROLE_ARN"


@dataclass
class JobResult:
    """How one job (one matrix combination) ended."""

    job_id: str
    name: str
    result: str  # success, failure or skipped
    seconds: float = 0.0
    reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    id_token: bool = False
    tokens_served: int = 0


class Rehearsal:
    """One rehearsal of a workflow for a scenario."""

    def __init__(
        self,
        workflow: Workflow,
        scenario: Scenario,
        machine: Machine,
        issuer: GitHubOidcIssuer,
        *,
        out: TextIO = sys.stdout,
        all_combinations: bool = False,
    ) -> None:
        self.workflow = workflow
        self.scenario = scenario
        self.machine = machine
        self.issuer = issuer
        self.out = out
        self.all_combinations = all_combinations
        self.masker = Masker()
        self.masker.add(issuer.request_token)
        self.warnings: list[str] = []
        self.annotations: list[tuple[str, str]] = []
        self.not_rehearsed: list[str] = []
        self.results: dict[str, list[JobResult]] = {}
        event_path = machine.runner_temp / "event.json"
        event_path.write_text(json.dumps(scenario.event(machine.repository, machine.sha)))
        self.event_path = event_path

    # -- output ----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print one line of the log, masked."""
        self.out.write(self.masker.apply(text) + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        """Print and remember a warning."""
        self.warnings.append(text)
        self.say(f"warning: {text}")

    # -- contexts ----------------------------------------------------------------------------

    def job_contexts(self, job: Job, needs: Mapping[str, JobResult]) -> dict[str, Any]:
        """The contexts of ``jobs.<id>.*`` keys (before ``matrix`` is known)."""
        return job_contexts(
            github=github_context(
                self.issuer.context, event_path=self.event_path, job_id=job.id,
                workspace=self.machine.workspace,
            ),
            variables=variables_context(
                self.machine.variables, passed=self.scenario.passes_variables,
                source=self.machine.variables_source,
            ),
            needs=needs_context(job.id, {n: (r.result, r.outputs) for n, r in needs.items()}),
        )  # fmt: skip

    # -- running -----------------------------------------------------------------------------

    def run(self, job_ids: Sequence[str]) -> bool:
        """Run the jobs in order; whether no rehearsed job failed."""
        for job_id in job_ids:
            try:
                self._run_job_id(job_id)
            except RehearsalError as error:
                if str(error).startswith(f"{self.workflow.path}:"):
                    raise
                raise type(error)(f"{self.workflow.path}: jobs.{job_id}: {error}") from None
        return all(r.result != "failure" for results in self.results.values() for r in results)

    def _run_job_id(self, job_id: str) -> None:
        """One job: skipped when a need failed, else each chosen matrix combination."""
        job = self.workflow.jobs[job_id]
        needs = {need: self.results[need][-1] for need in job.needs}
        failed = [need for need, result in needs.items() if result.result != "success"]
        if failed:
            self.say(
                f"══ jobs.{job_id}: skipped (needs {', '.join(failed)}, which did not succeed)"
            )
            self.results[job_id] = [JobResult(job_id, job_id, "skipped", reason=f"needs {failed}")]
            return
        contexts = self.job_contexts(job, needs)
        strategy = job.raw.get("strategy") or {}
        matrix = interpolate_tree(strategy.get("matrix"), contexts)
        combinations = expand_matrix(matrix, f"jobs.{job_id}.strategy.matrix")
        chosen = self.choose(job, combinations, contexts)
        total = len(combinations)
        self.results[job_id] = [
            self.run_job(job, contexts, combo, combinations.index(combo), total) for combo in chosen
        ]

    def choose(
        self, job: Job, combinations: list[dict[str, Any]], contexts: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The combinations whose setup-python version is the interpreter at hand."""
        if len(combinations) == 1 or self.all_combinations:
            return combinations
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        fitting: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for combo in combinations:
            scope = {**contexts, "matrix": Context("matrix", combo)}
            wanted = [
                to_string(interpolate(str(s.raw.get("with", {}).get("python-version", "")), scope))
                for s in job.steps
                if s.uses and action_name(s.uses) == "actions/setup-python"
            ]
            fits = not wanted or any(w == here or w.startswith(here + ".") for w in wanted)
            (fitting if fits else others).append(combo)
        if not fitting:
            fitting, others = combinations[:1], combinations[1:]
        for combo in others:
            self.not_rehearsed.append(
                f"jobs.{job.id} with matrix {combo}: Python {here} is the interpreter at hand"
            )
        return fitting

    def run_job(
        self, job: Job, contexts: dict[str, Any], combo: dict[str, Any], index: int, total: int
    ) -> JobResult:
        """One job instance: its steps in order."""
        started = time.monotonic()
        strategy = job.raw.get("strategy") or {}
        contexts = {
            **contexts,
            "matrix": Context("matrix", combo, hint=f"jobs.{job.id}.strategy.matrix"),
            "strategy": Context("strategy", {"fail-fast": strategy.get("fail-fast", True),
                                             "job-index": index, "job-total": total,
                                             "max-parallel": strategy.get("max-parallel", total)}),
        }  # fmt: skip
        name = to_string(interpolate(str(job.raw.get("name") or job.id), contexts))
        environment = job.raw.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        self.issuer.set_context(
            environment=to_string(interpolate(str(environment), contexts)) if environment else None
        )
        id_token = job.id_token and self.scenario.gives_id_tokens
        served_before = self.issuer.tokens_served
        self.say(f"══ job {name} ({self.scenario.name}; ID token: {'yes' if id_token else 'no'})")
        if "if" in job.raw and not evaluate_condition(
            job.raw["if"], contexts, {"success": lambda: True, "always": lambda: True,
                                      "failure": lambda: False, "cancelled": lambda: False},
        ):  # fmt: skip
            self.say(f"   skipped: jobs.{job.id}.if is false")
            return JobResult(job.id, name, "skipped", reason="if: false")
        runner = self.runner_env(job, id_token)
        workflow_scope = {k: contexts[k] for k in ("github", "vars", "secrets", "inputs")}
        workflow_env = _strings(self.workflow.raw.get("env"), workflow_scope)
        job_env = _strings(job.raw.get("env"), contexts)
        timeout = float(job.raw.get("timeout-minutes") or DEFAULT_TIMEOUT_MINUTES) * 60
        state = JobState(deadline=started + timeout, env={**workflow_env, **job_env})
        for step in job.steps:
            try:
                self.run_step(job, step, contexts, runner, state)
            except RehearsalError as error:
                raise type(error)(f"{self.workflow.path}: {step.where}: {error}") from None
        outputs = {
            key: to_string(interpolate(str(value), {**contexts, "steps": state.steps_context()}))
            for key, value in (job.raw.get("outputs") or {}).items()
        }
        result = JobResult(
            job.id,
            name,
            "failure" if state.failed else "success",
            time.monotonic() - started,
            reason=state.failed or "",
            outputs=outputs,
            id_token=id_token,
            tokens_served=self.issuer.tokens_served - served_before,
        )
        self.say(f"══ job {name}: {result.result} in {result.seconds:.1f} s")
        return result

    def runner_env(self, job: Job, id_token: bool) -> dict[str, str]:
        """The variables every step of the job starts from."""
        temp = self.machine.runner_temp
        env = {
            **self.machine.base_env,
            **self.issuer.environ(id_token=id_token, runner_temp=temp),
            **self.machine.aws_env,
            "GITHUB_JOB": job.id,
            "GITHUB_WORKSPACE": str(self.machine.workspace),
            "GITHUB_EVENT_PATH": str(self.event_path),
            "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_NAME": "rehearsal",
            "RUNNER_TOOL_CACHE": str(self.machine.tool_cache),
        }  # fmt: skip
        return env

    def run_step(
        self,
        job: Job,
        step: Step,
        contexts: dict[str, Any],
        runner: dict[str, str],
        state: JobState,
    ) -> None:
        """One step: its condition, environment, action or script, and what it wrote."""
        env_context = Context(
            "env", {**state.exported, **state.env}, case_sensitive=True,
            hint="set it in env: or $GITHUB_ENV",
        )  # fmt: skip
        scope = {
            **contexts, "env": env_context, "steps": state.steps_context(),
            "job": Context("job", {"status": "failure" if state.failed else "success"}),
            "runner": runner_context(
                temp=runner["RUNNER_TEMP"], tool_cache=runner["RUNNER_TOOL_CACHE"]
            ),
        }  # fmt: skip
        status: dict[str, Callable[..., Any]] = {
            "success": lambda: not state.failed, "failure": lambda: bool(state.failed),
            "always": lambda: True, "cancelled": lambda: False,
            "hashFiles": lambda *patterns: hash_files(self.machine.workspace, patterns),
        }  # fmt: skip
        label = to_string(interpolate(step.label, scope, status))
        self.say(f"── step {step.index}: {label}")
        condition = step.raw.get("if", "success()")
        if not evaluate_condition(condition, scope, status):
            self.say(
                "   skipped" + (" (an earlier step failed)" if state.failed else " (if: false)")
            )
            state.record(step, "skipped")
            return
        step_env = _strings(step.raw.get("env"), scope, status)
        env = {**runner, **state.exported, **state.env, **step_env}
        env["PATH"] = os.pathsep.join([*reversed(state.path), runner["PATH"]])
        files = {
            name: self.machine.runner_temp / f"{name.lower()}_{uuid.uuid4().hex}"
            for name in RUNNER_FILES
        }
        for name, path in files.items():
            path.touch()
            env[name] = str(path)
        outputs: dict[str, str] = {}
        if step.uses:
            inputs = interpolate_tree(step.raw.get("with") or {}, scope, status)
            effect = run_action(step.uses, inputs, workspace=self.machine.workspace,
                                tool_cache=self.machine.tool_cache, warn=self.warn,
                                log=lambda text: self.say(f"   {text}"),
                                machine_path=runner["PATH"])  # fmt: skip
            state.path.extend(effect.path)
            state.exported.update(effect.env)
            outputs.update(effect.outputs)
            code = 0
        else:
            script = to_string(interpolate(step.run or "", scope, status))
            code = self.run_script(step, job, script, env, state.deadline, outputs)
        for name, value in read_key_values(files["GITHUB_ENV"].read_text(), label="$GITHUB_ENV"):
            state.exported[name] = value
        for name, value in read_key_values(
            files["GITHUB_OUTPUT"].read_text(), label="$GITHUB_OUTPUT"
        ):
            outputs[name] = value
        state.path.extend(read_paths(files["GITHUB_PATH"].read_text()))
        continue_on_error = bool(step.raw.get("continue-on-error", False))
        if code != 0:
            self.say(f"   step {step.index} failed: exit status {code}")
            if not continue_on_error:
                state.failed = f"{step.where} exited with status {code}"
        outcome = "success" if code == 0 else "failure"
        state.record(step, outcome, outputs, continue_on_error=continue_on_error)

    def run_script(
        self,
        step: Step,
        job: Job,
        script: str,
        env: dict[str, str],
        deadline: float,
        outputs: dict[str, str],
    ) -> int:
        """Run a ``run:`` script as the runner does; stream its masked output."""
        defaults = {
            **((self.workflow.raw.get("defaults") or {}).get("run") or {}),
            **((job.raw.get("defaults") or {}).get("run") or {}),
        }
        shell = str(step.raw.get("shell") or defaults.get("shell") or "")
        directory = step.raw.get("working-directory") or defaults.get("working-directory") or "."
        script_path = self.machine.runner_temp / f"{uuid.uuid4().hex}.sh"
        script_path.write_text(script, encoding="utf-8")
        commands = WorkflowCommands(self.masker)
        result = run_script(
            shell_command(shell, str(script_path)),
            cwd=(self.machine.workspace / str(directory)).resolve(),
            env=env,
            deadline=deadline,
            commands=commands,
            say=self.say,
            outputs=outputs,
        )
        self.annotations.extend(commands.annotations)
        if result.problem:
            self.say(f"   error: {result.problem}")
        return result.code


def _strings(
    env: Mapping[str, Any] | None, contexts: Mapping[str, Any], functions: Mapping[str, Any] = {}
) -> dict[str, str]:
    """An ``env:`` mapping evaluated, every value a string."""
    evaluated = interpolate_tree(dict(env or {}), contexts, functions)
    return {str(key): to_string(value) for key, value in evaluated.items()}
