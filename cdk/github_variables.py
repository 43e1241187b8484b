"""Store a value as a GitHub Actions repository *variable* through GitHub's REST API.

``nox -s deploy -- aws`` uses it to publish the CI role ARN as ``AWS_ROLE_ARN``; a role ARN is
not a secret, and no secret is uploaded anywhere. The token is sent only in the
``Authorization`` header and never appears in a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests

from . import settings
from .errors import DeployError, ProjectError
from .github_api import DEFAULT_GITHUB_API_URL, api_headers

__all__ = ["GitHubVariableError", "VariableWrite", "publish_role_arn", "set_repository_variable"]

_RIGHTS_FIX = (
    "give the token the repository permission 'Variables: read and write' (fine-grained "
    "token) or the 'repo' scope (classic token), or unset GITHUB_TOKEN to skip this step"
)


class GitHubVariableError(ProjectError):
    """A one-line reason why the repository variable could not be stored, with the fix."""


@dataclass(frozen=True)
class VariableWrite:
    """What :func:`set_repository_variable` did."""

    name: str
    created: bool
    status: int


def _fail(response: requests.Response, *, owner: str, repository: str, name: str) -> None:
    where = f"{owner}/{repository}"
    if response.status_code == 401:
        raise GitHubVariableError(
            f"GitHub rejected GITHUB_TOKEN (401 Unauthorized) while setting {name} on {where}: "
            "the token is invalid or expired; create a new one"
        )
    if response.status_code == 403:
        raise GitHubVariableError(
            f"GITHUB_TOKEN may not set repository variables on {where} (403 Forbidden): "
            + _RIGHTS_FIX
        )
    if response.status_code == 404:
        raise GitHubVariableError(
            f"repository {where} not found with GITHUB_TOKEN (404): check the repository deploy "
            f"found (CDK context githubOwner / githubRepository override it), or {_RIGHTS_FIX}"
        )
    raise GitHubVariableError(
        f"GitHub answered {response.status_code} while setting {name} on {where}: "
        f"{response.text[:200]!r}"
    )


def set_repository_variable(
    *,
    owner: str,
    repository: str,
    name: str,
    value: str,
    token: str,
    api_url: str = DEFAULT_GITHUB_API_URL,
    timeout: float = 15.0,
    session: requests.Session | None = None,
) -> VariableWrite:
    """Create or update the Actions variable ``name`` of ``owner/repository``."""
    http = session or requests.Session()
    base = f"{api_url.rstrip('/')}/repos/{owner}/{repository}/actions/variables"
    body = {"name": name, "value": value}
    try:
        response = http.patch(
            f"{base}/{name}", json=body, headers=api_headers(token), timeout=timeout
        )
        if response.status_code == 204:
            return VariableWrite(name=name, created=False, status=204)
        if response.status_code == 404:  # no such variable yet (or no such repository)
            response = http.post(base, json=body, headers=api_headers(token), timeout=timeout)
            if response.status_code == 201:
                return VariableWrite(name=name, created=True, status=201)
    except requests.RequestException as error:
        raise GitHubVariableError(
            f"cannot reach the GitHub API at {api_url} ({type(error).__name__}): check the "
            "network, or unset GITHUB_TOKEN to skip storing the variable"
        ) from error
    _fail(response, owner=owner, repository=repository, name=name)
    raise AssertionError("unreachable")  # pragma: no cover


def publish_role_arn(
    role_arn: str,
    *,
    owner: str,
    repository: str,
    token: str | None,
    api_url: str,
    log: Callable[[str], None],
) -> None:
    """Store the CI role ARN as the repository variable ``AWS_ROLE_ARN`` (deploy's last step);
    without a token, say how to set it by hand."""
    variable = settings.GITHUB_REPO_VAR_ROLE_ARN
    if not token:
        log(
            f"GITHUB_TOKEN not set: set the repository variable {variable} of {owner}/"
            f"{repository} to {role_arn} yourself (or rerun with GITHUB_TOKEN)"
        )
        return
    try:
        write = set_repository_variable(
            owner=owner,
            repository=repository,
            name=variable,
            value=role_arn,
            token=token,
            api_url=api_url,
        )
    except GitHubVariableError as error:
        raise DeployError(
            f"{error} (the stack and .env are in place; only the variable is missing)"
        ) from None
    done = "created" if write.created else "updated"
    log(f"{done} repository variable {variable} on {owner}/{repository}")
