"""The project stack deployed into a fresh local emulator, once per test session (a plugin).

Two folders test the same deployment: ``tests/cdk`` checks what it holds
(``test_cdk_deploy_local.py::TestFreshDeploy``) and ``tests/integration`` runs against it when
``nox -s tests`` chose the ``fresh-emulator`` target. Both read this one session fixture,
:func:`fresh_stack`, so the emulator is started and the stack deployed once per session, not
once per folder. The tests that use it only read the stack (extra resources they make are
uniquely named); the tests that destroy a stack deploy their own.

The stack trusts :func:`repository` (the one ``nox -s deploy`` would find; a stand-in in a
clone with no GitHub remote), in its name form and in its immutable form with the stand-in ids
:data:`OWNER_ID` / :data:`REPOSITORY_ID`.

Under pytest-xdist, every test that may use the stack goes to one worker (``xdist_group``), so
the stack is still deployed once.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws
    from cdk.deployment import Deployment

__all__ = ["OWNER_ID", "REPOSITORY_ID", "XDIST_GROUP", "FreshStack", "fresh_stack", "repository"]

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: The ids the stack pins for the immutable ``sub`` form (``repo:OWNER@ID/REPO@ID:...``).
OWNER_ID, REPOSITORY_ID = 1001, 2002
#: The pytest-xdist group of the tests that may use the stack.
XDIST_GROUP = "fresh-stack"
#: Fixtures through which a test may use the stack.
_USERS = ("fresh_stack", "aws_target")


@functools.cache
def repository() -> str:
    """``OWNER/REPO`` the stack trusts: found the way ``nox -s deploy`` finds it; in a clone
    with no GitHub remote, the stand-in ``octo-org/octo-repo``."""
    from cdk.errors import ContextError
    from cdk.github_repository import find_repository

    try:
        cdk_json = json.loads((PROJECT_DIR / "cdk" / "cdk.json").read_text(encoding="utf-8"))
        context = cdk_json.get("context") or {}
        return find_repository(context, os.environ, cwd=PROJECT_DIR).full_name
    except ContextError:
        return "octo-org/octo-repo"


@dataclass(frozen=True)
class FreshStack:
    """The fresh emulator, the deployment in it, and the names the stack trusts."""

    emulator: LocalAws
    deployment: Deployment
    #: The ``.env`` deploy wrote (the test user's key, the endpoint, the CA bundle).
    dotenv: Path
    owner: str
    name: str
    owner_id: int = OWNER_ID
    repository_id: int = REPOSITORY_ID

    @property
    def repository(self) -> str:
        """``OWNER/REPO``."""
        return f"{self.owner}/{self.name}"

    @property
    def immutable(self) -> str:
        """``OWNER@OWNER_ID/REPO@REPO_ID``, the immutable form of the repository."""
        return f"{self.owner}@{self.owner_id}/{self.name}@{self.repository_id}"

    def client(self, service: str) -> Any:
        """An admin client of the emulator."""
        return self.emulator.boto3_session().client(service, **self.emulator.client_kwargs())


@pytest.fixture(scope="session")
def fresh_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshStack]:
    """Start a fresh emulator (TLS), deploy the stack into it; destroy and stop it after."""
    from boto_session_manager.testing.local_aws import start_local_aws
    from cdk.deploy import deploy, destroy
    from cdk.targets import LocalEmulatorTarget

    owner, name = repository().split("/")
    pinned = {"githubOwner": owner, "githubRepository": name,
              "githubOwnerId": OWNER_ID, "githubRepositoryId": REPOSITORY_ID}  # fmt: skip
    state_dir = tmp_path_factory.mktemp("fresh-stack")
    dotenv = state_dir / ".env"
    with start_local_aws(tls=True, state_dir=state_dir) as emulator:
        target = LocalEmulatorTarget(emulator=emulator)
        deployment = deploy(target, dotenv_path=dotenv, context=pinned, log=lambda _m: None)
        try:
            yield FreshStack(emulator, deployment, dotenv, owner, name)
        finally:
            destroy(target, dotenv_path=dotenv, log=lambda _m: None)


def pytest_configure(config: pytest.Config) -> None:
    """Declare ``xdist_group`` for runs without pytest-xdist (``--strict-markers``)."""
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist runs it on one worker")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put every test that may use the stack in one pytest-xdist group."""
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in _USERS):
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUP))
