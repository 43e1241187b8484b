"""Storing the CI role ARN as a repository variable, against a small local GitHub API stand-in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from cdk.github_variables import GitHubVariableError, set_repository_variable

if TYPE_CHECKING:
    from conftest import FakeGitHub  # tests/cdk/conftest.py

TOKEN = "ghp_not-a-real-token-0123456789"
ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"


def _set(github: FakeGitHub) -> Any:
    return set_repository_variable(
        owner="octo", repository="repo", name="AWS_ROLE_ARN", value=ARN, token=TOKEN,
        api_url=github.url,
    )  # fmt: skip


def test_updates_an_existing_variable(github: FakeGitHub) -> None:
    """An existing variable is updated with one PATCH carrying name, value and GitHub headers."""
    write = _set(github)
    assert (write.created, write.status) == (False, 204)
    [request] = github.requests
    assert request["method"] == "PATCH"
    assert request["path"] == "/repos/octo/repo/actions/variables/AWS_ROLE_ARN"
    assert request["body"] == {"name": "AWS_ROLE_ARN", "value": ARN}
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Accept"] == "application/vnd.github+json"
    assert request["headers"]["X-GitHub-Api-Version"] == "2022-11-28"


def test_creates_a_missing_variable(github: FakeGitHub) -> None:
    """A missing variable (PATCH 404) is created with a POST to the collection."""
    github.statuses["PATCH"] = 404
    write = _set(github)
    assert (write.created, write.status) == (True, 201)
    assert [(r["method"], r["path"]) for r in github.requests] == [
        ("PATCH", "/repos/octo/repo/actions/variables/AWS_ROLE_ARN"),
        ("POST", "/repos/octo/repo/actions/variables"),
    ]
    assert github.requests[1]["body"] == {"name": "AWS_ROLE_ARN", "value": ARN}


@pytest.mark.parametrize(
    ("statuses", "fix"),
    [
        ({"PATCH": 403}, "Variables: read and write"),
        ({"PATCH": 401}, "invalid or expired"),
        ({"PATCH": 404, "POST": 404}, "not found"),
        ({"PATCH": 500}, "answered 500"),
    ],
)
def test_refusals_name_the_fix_without_the_token(
    github: FakeGitHub, statuses: dict[str, int], fix: str
) -> None:
    """A token without rights, a bad token or a missing repository: one line with the fix."""
    github.statuses.update(statuses)
    with pytest.raises(GitHubVariableError, match=fix) as info:
        _set(github)
    from boto_session_manager.testing import assert_no_secrets

    message = str(info.value)
    assert "\n" not in message
    assert_no_secrets({"GitHub token": TOKEN}, {"error": message})


def test_unreachable_api() -> None:
    """A GitHub API that cannot be reached gives a one-line error, not a traceback."""
    with pytest.raises(GitHubVariableError, match="cannot reach the GitHub API"):
        set_repository_variable(
            owner="o", repository="r", name="N", value="v", token=TOKEN,
            api_url="http://127.0.0.1:9", timeout=2,
        )  # fmt: skip
