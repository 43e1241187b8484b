"""Checks made before any job runs, each failing with the cause and the fix.

- The workflow runs for the scenario's event and branch (``on:``).
- Every ``uses:`` of the selected jobs is an action the rehearsal knows (a loose pin warns).
- Every ``vars.NAME`` the workflow reads is a variable that exists; ``secrets.*`` are refused
  (the rehearsal has none to give, and an OIDC workflow needs none).
- A job that sets the role variable (``AWS_ROLE_ARN``) in its own ``env:`` means to use OIDC:
  it must have ``id-token: write``. A job with ``id-token: write`` that sets no role is
  warned about: the permission belongs only to the job that needs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .actions import check_action
from .errors import ExpressionError, RehearsalError
from .expressions import references
from .scenarios import Scenario
from .workflow import Workflow

__all__ = ["preflight"]


def _strings(value: Any, where: str) -> Iterator[tuple[str, str, bool]]:
    """``(where, text, is_condition)`` for every string in a YAML tree."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if key == "if" and isinstance(item, str):
                yield path, item, True
            else:
                yield from _strings(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            yield from _strings(item, f"{where}[{index}]")
    elif isinstance(value, str):
        yield where, value, False


def _check_references(workflow: Workflow, variables: Mapping[str, str], source: str) -> None:
    known = {name.upper() for name in variables}
    for where, text, is_condition in _strings(workflow.raw, ""):
        try:
            found = references(text, condition=is_condition)
        except ExpressionError as error:
            raise ExpressionError(f"{workflow.path}: {where}: {error}") from None
        for context, name in sorted(found):
            if context == "vars" and name.upper() not in known:
                names = ", ".join(sorted(variables)) or "none"
                raise ExpressionError(
                    f"{workflow.path}: {where} reads vars.{name}, which is not defined "
                    f"(variables: {names}, from {source}): fix the name"
                )
            if context == "secrets":
                raise ExpressionError(
                    f"{workflow.path}: {where} reads secrets.{name}: the rehearsal gives no "
                    "secrets (CI here reaches AWS through OIDC, which needs none)"
                )


def _describe(permissions: Any) -> str:
    if permissions is None:
        return "none given"
    if isinstance(permissions, Mapping):
        return ", ".join(f"{key}: {value}" for key, value in permissions.items()) or "{}"
    return str(permissions)


def _sets_role(job_raw: Mapping[str, Any], steps: Sequence[Mapping[str, Any]], name: str) -> bool:
    return name in (job_raw.get("env") or {}) or any(name in (s.get("env") or {}) for s in steps)


def preflight(
    workflow: Workflow,
    scenario: Scenario,
    job_ids: Sequence[str],
    *,
    variables: Mapping[str, str],
    variables_source: str,
    role_variable: str,
) -> list[str]:
    """Raise :class:`RehearsalError` for the first fault found; return the warnings."""
    scenario.check_triggers(workflow.raw.get("on"), str(workflow.path))
    _check_references(workflow, variables, variables_source)
    warnings: list[str] = []
    for job_id in job_ids:
        job = workflow.jobs[job_id]
        for step in job.steps:
            if step.uses:
                loose = check_action(step.uses, f"{workflow.path}: {step.where}")
                if loose:
                    warnings.append(loose)
        sets_role = _sets_role(job.raw, [s.raw for s in job.steps], role_variable)
        if sets_role and not job.id_token:
            raise RehearsalError(
                f"{workflow.path}: jobs.{job_id} sets {role_variable} to reach AWS through "
                f"OIDC, but its permissions ({_describe(job.permissions)}) lack "
                "`id-token: write`, so GitHub gives it no ID token: add "
                f"`permissions: {{id-token: write, contents: read}}` to jobs.{job_id}"
            )
        if job.id_token and not sets_role:
            warnings.append(
                f"{workflow.path}: jobs.{job_id} has `id-token: write` but sets no "
                f"{role_variable}: grant the permission only to the job that needs it"
            )
    return warnings
