"""The events a rehearsal imitates: what GitHub gives the jobs for each of them.

- ``push``: a push to ``main``; jobs with ``id-token: write`` get an ID token whose ``sub`` is
  ``repo:OWNER/REPO:ref:refs/heads/main``.
- ``pull-request``: a pull request from a branch of the same repository; tokens say
  ``repo:OWNER/REPO:pull_request``.
- ``fork-pull-request``: a pull request from a fork. GitHub gives such runs no ID token,
  whatever the permissions, and no configuration variables (``vars.*`` are empty).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from .errors import RehearsalError

__all__ = ["SCENARIOS", "Scenario"]

PULL_REQUEST_NUMBER = 1
FORK_OWNER = "a-contributor"


@dataclass(frozen=True)
class Scenario:
    """One triggering event and what follows from it."""

    name: str
    event_name: str
    ref: str
    description: str
    head_ref: str = ""
    base_ref: str = ""
    fork: bool = False

    @property
    def gives_id_tokens(self) -> bool:
        """Whether jobs with ``id-token: write`` get a token (never for forks)."""
        return not self.fork

    @property
    def passes_variables(self) -> bool:
        """Whether ``vars.*`` hold their values (forks get none)."""
        return not self.fork

    def event(self, repository: str, sha: str) -> dict[str, Any]:
        """The event payload (``github.event``), with the fields workflows usually read."""
        owner, _, name = repository.partition("/")
        repo = {"full_name": repository, "name": name, "owner": {"login": owner}, "fork": False}
        if self.event_name == "push":
            return {"ref": self.ref, "after": sha, "repository": repo, "head_commit": {"id": sha}}
        head_repository = f"{FORK_OWNER}/{name}" if self.fork else repository
        head_repo = {**repo, "full_name": head_repository, "fork": self.fork,
                     "owner": {"login": head_repository.partition("/")[0]}}  # fmt: skip
        return {
            "action": "synchronize",
            "number": PULL_REQUEST_NUMBER,
            "repository": repo,
            "pull_request": {
                "number": PULL_REQUEST_NUMBER,
                "head": {"ref": self.head_ref, "sha": sha, "repo": head_repo},
                "base": {"ref": self.base_ref, "repo": repo},
            },
        }

    def check_triggers(self, on: Any, workflow: str) -> None:
        """Fail unless the workflow's ``on:`` runs it for this event and branch."""
        if isinstance(on, str):
            on = {on: None}
        elif isinstance(on, list):
            on = {str(event): None for event in on}
        if not isinstance(on, dict) or self.event_name not in on:
            raise RehearsalError(
                f"{workflow} does not run on {self.event_name} (its `on:` lists "
                f"{', '.join(map(str, on)) if isinstance(on, dict) else on!r})"
            )
        filters = on[self.event_name] or {}
        branch = (
            self.base_ref if self.event_name == "pull_request" else self.ref[len("refs/heads/") :]
        )
        patterns = filters.get("branches") if isinstance(filters, dict) else None
        if patterns and not any(
            fnmatch.fnmatchcase(branch, p.replace("**", "*")) for p in patterns
        ):
            raise RehearsalError(
                f"{workflow} does not run on {self.event_name} to {branch} "
                f"(`on.{self.event_name}.branches` is {patterns})"
            )


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("push", "push", "refs/heads/main", "a push to main"),
        Scenario(
            "pull-request",
            "pull_request",
            f"refs/pull/{PULL_REQUEST_NUMBER}/merge",
            "a pull request from a branch of the same repository",
            head_ref="a-feature",
            base_ref="main",
        ),
        Scenario(
            "fork-pull-request",
            "pull_request",
            f"refs/pull/{PULL_REQUEST_NUMBER}/merge",
            "a pull request from a fork (no ID token, no variables)",
            head_ref="a-feature",
            base_ref="main",
            fork=True,
        ),
    )
}
