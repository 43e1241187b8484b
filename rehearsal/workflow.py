"""A workflow file as the runner reads it: jobs in ``needs`` order, steps, permissions, matrix."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import WorkflowFileError

__all__ = ["Job", "Step", "Workflow", "expand_matrix", "grants_id_token", "load_workflow"]


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML with YAML 1.2 booleans, as GitHub reads workflows: ``on`` stays a string."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass(frozen=True)
class Step:
    """One entry of a job's ``steps``."""

    job_id: str
    index: int  # 1-based, as the runner's log counts them
    raw: Mapping[str, Any]

    @property
    def id(self) -> str | None:
        """The step's ``id`` (for ``steps.<id>``), if any."""
        value = self.raw.get("id")
        return None if value is None else str(value)

    @property
    def uses(self) -> str | None:
        """The action reference of a ``uses:`` step."""
        value = self.raw.get("uses")
        return None if value is None else str(value)

    @property
    def run(self) -> str | None:
        """The script of a ``run:`` step."""
        value = self.raw.get("run")
        return None if value is None else str(value)

    @property
    def label(self) -> str:
        """How the log names the step: its name, else ``Run <first line>`` or the action."""
        if self.raw.get("name"):
            return str(self.raw["name"])
        if self.uses:
            return f"Run {self.uses.split('@')[0]}"
        return f"Run {(self.run or '').strip().splitlines()[0] if self.run else ''}"

    @property
    def where(self) -> str:
        """``jobs.<id>.steps[<n>]`` with the step's label, for error messages."""
        return f"jobs.{self.job_id}.steps[{self.index}] ({self.label!r})"


@dataclass(frozen=True)
class Job:
    """One job: its steps, the jobs it needs, and its effective permissions."""

    id: str
    raw: Mapping[str, Any]
    permissions: Any  # the job's own `permissions`, else the workflow's, else None

    @property
    def needs(self) -> tuple[str, ...]:
        """The jobs this one waits for."""
        needs = self.raw.get("needs") or ()
        return (needs,) if isinstance(needs, str) else tuple(str(n) for n in needs)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The job's steps, numbered from 1."""
        return tuple(Step(self.id, index, step) for index, step in enumerate(self.raw["steps"], 1))

    @property
    def id_token(self) -> bool:
        """Whether GitHub gives this job an ID token (``id-token: write``)."""
        return grants_id_token(self.permissions)


@dataclass(frozen=True)
class Workflow:
    """A parsed workflow file."""

    path: Path
    raw: Mapping[str, Any]
    jobs: Mapping[str, Job]

    @property
    def name(self) -> str:
        """The workflow's ``name`` (the file path when it has none, as on GitHub)."""
        return str(self.raw.get("name") or self.path.as_posix())

    def order(self, selected: Sequence[str] = ()) -> list[str]:
        """Job ids in an order that respects ``needs``: ``selected`` and what they need."""
        for job_id in selected:
            if job_id not in self.jobs:
                raise WorkflowFileError(
                    f"{self.path}: no job {job_id!r} (jobs: {', '.join(self.jobs)})"
                )
        wanted: set[str] = set()
        pending = list(selected or self.jobs)
        while pending:
            job_id = pending.pop()
            if job_id not in wanted:
                wanted.add(job_id)
                pending.extend(self.jobs[job_id].needs)
        ordered: list[str] = []
        while len(ordered) < len(wanted):
            ready = [
                job_id
                for job_id in self.jobs
                if job_id in wanted
                and job_id not in ordered
                and all(need in ordered for need in self.jobs[job_id].needs)
            ]
            if not ready:
                stuck = sorted(wanted - set(ordered))
                raise WorkflowFileError(f"{self.path}: the needs of jobs {stuck} form a cycle")
            ordered.extend(ready)
        return ordered


def grants_id_token(permissions: Any) -> bool:
    """``id-token: write`` in a ``permissions`` value (``write-all`` grants everything)."""
    if permissions == "write-all":
        return True
    return isinstance(permissions, Mapping) and permissions.get("id-token") == "write"


def load_workflow(path: Path) -> Workflow:
    """Read and check the parts of a workflow file the rehearsal relies on."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506
    except OSError as error:
        raise WorkflowFileError(f"cannot read workflow {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        raise WorkflowFileError(f"{path} is not valid YAML: {first}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("jobs"), dict) or not raw["jobs"]:
        raise WorkflowFileError(f"{path} has no `jobs:` mapping")
    jobs: dict[str, Job] = {}
    for job_id, job in raw["jobs"].items():
        if not isinstance(job, dict):
            raise WorkflowFileError(f"{path}: jobs.{job_id} is not a mapping")
        if "uses" in job:
            raise WorkflowFileError(
                f"{path}: jobs.{job_id} calls the reusable workflow {job['uses']}: "
                "the rehearsal runs only jobs with `steps:`"
            )
        for unsupported in ("container", "services"):
            if unsupported in job:
                raise WorkflowFileError(
                    f"{path}: jobs.{job_id}.{unsupported} needs Docker, which the "
                    "rehearsal does not model"
                )
        steps = job.get("steps")
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise WorkflowFileError(f"{path}: jobs.{job_id}.steps must be a list of mappings")
        for index, step in enumerate(steps, 1):
            if ("run" in step) == ("uses" in step):
                raise WorkflowFileError(
                    f"{path}: jobs.{job_id}.steps[{index}] needs exactly one of `run` or `uses`"
                )
        jobs[str(job_id)] = Job(str(job_id), job, job.get("permissions", raw.get("permissions")))
    workflow = Workflow(path, raw, jobs)
    for job in jobs.values():
        for need in job.needs:
            if need not in jobs:
                raise WorkflowFileError(f"{path}: jobs.{job.id} needs {need!r}, which is no job")
    return workflow


def expand_matrix(matrix: Any, where: str) -> list[dict[str, Any]]:
    """The combinations of an evaluated ``strategy.matrix``, with ``include``/``exclude``."""
    if matrix is None:
        return [{}]
    if not isinstance(matrix, dict):
        raise WorkflowFileError(f"{where} must be a mapping, got {type(matrix).__name__}")
    include = matrix.get("include") or []
    exclude = matrix.get("exclude") or []
    axes = {key: value for key, value in matrix.items() if key not in ("include", "exclude")}
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise WorkflowFileError(f"{where}.{key} must be a non-empty list, got {values!r}")
    combos = [dict(zip(axes, values, strict=True)) for values in itertools.product(*axes.values())]
    if not axes:
        combos = []
    combos = [
        combo
        for combo in combos
        if not any(all(combo.get(k) == v for k, v in rule.items()) for rule in exclude)
    ]
    for extra in include:
        matched = False
        for combo in combos:
            if all(combo.get(k) == v for k, v in extra.items() if k in axes):
                combo.update({k: v for k, v in extra.items() if k not in axes})
                matched = True
        if not matched:
            combos.append(dict(extra))
    if not combos:
        raise WorkflowFileError(f"{where} has no combination left to run")
    return combos
