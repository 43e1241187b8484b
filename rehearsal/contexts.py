"""The expression contexts a job and its steps see: ``github``, ``vars``, ``needs``, ``runner``...

Each is a strict :class:`~rehearsal.expressions.Context`, so a name that does not exist is an
error naming the path; the event payload (``github.event``) stays lenient.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .expressions import Context

if TYPE_CHECKING:
    from boto_session_manager.testing import GitHubRunContext

__all__ = [
    "github_context",
    "job_contexts",
    "needs_context",
    "runner_context",
    "variables_context",
]


def github_context(
    run: GitHubRunContext, *, event_path: Path, job_id: str, workspace: Path
) -> Context:
    """``github.*``: the rehearsed repository, ref and event."""
    return Context(
        "github",
        {
            "action": "", "actor": run.actor, "actor_id": run.actor_id,
            "api_url": "https://api.github.com", "base_ref": run.base_ref,
            "event": json.loads(event_path.read_text(encoding="utf-8")),
            "event_name": run.event_name, "event_path": str(event_path),
            "head_ref": run.head_ref, "job": job_id, "ref": run.ref, "ref_name": run.ref_name,
            "ref_protected": run.ref_protected, "ref_type": run.ref_type,
            "repository": run.repository, "repository_id": run.repository_id,
            "repository_owner": run.owner, "repository_owner_id": run.repository_owner_id,
            "repositoryUrl": f"git://github.com/{run.repository}.git",
            "run_id": run.run_id, "run_number": run.run_number, "run_attempt": run.run_attempt,
            "server_url": "https://github.com", "sha": run.sha, "triggering_actor": run.actor,
            "workflow": run.workflow, "workflow_ref": run.workflow_ref, "workflow_sha": run.sha,
            "workspace": str(workspace),
        },
        hint="the rehearsal models these github.* names",
    )  # fmt: skip


def variables_context(variables: Mapping[str, str], *, passed: bool, source: str) -> Context:
    """``vars.*``: the given variables, or empty values where GitHub passes none (forks)."""
    values = dict(variables) if passed else dict.fromkeys(variables, "")
    return Context("vars", values, hint=f"defined: those from {source}")


def needs_context(job_id: str, needs: Mapping[str, tuple[str, Mapping[str, str]]]) -> Context:
    """``needs.<job>.result`` and ``needs.<job>.outputs.<name>`` of the jobs this one needs."""
    values = {
        need: Context(
            f"needs.{need}",
            {
                "result": result,
                "outputs": Context(f"needs.{need}.outputs", outputs, hint=f"jobs.{need}.outputs"),
            },
        )
        for need, (result, outputs) in needs.items()
    }
    return Context("needs", values, hint=f"jobs.{job_id}.needs lists them")


def runner_context(*, temp: str, tool_cache: str) -> Context:
    """``runner.*`` of a Linux x64 runner."""
    return Context(
        "runner",
        {"os": "Linux", "arch": "X64", "name": "rehearsal", "temp": temp, "debug": "",
         "tool_cache": tool_cache, "environment": "github-hosted"},
    )  # fmt: skip


def job_contexts(*, github: Context, variables: Context, needs: Context) -> dict[str, Any]:
    """The contexts of ``jobs.<id>.*`` keys before ``matrix`` and ``strategy`` are known."""
    return {
        "github": github,
        "vars": variables,
        "needs": needs,
        "secrets": Context("secrets", {}, hint="the rehearsal gives no secrets"),
        "inputs": Context("inputs", {}, hint="no workflow inputs in these scenarios"),
    }
