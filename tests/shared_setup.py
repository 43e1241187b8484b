"""Setup shared across test folders and pytest-xdist workers, made once per run (a plugin).

**The fresh stack.** Two folders test the same deployment: ``tests/cdk`` checks what it holds
(``test_cdk_deploy_local.py::TestFreshDeploy``) and ``tests/integration`` runs against it when
``nox -s tests`` chose the ``fresh-emulator`` target. Both read the session fixture
:func:`fresh_stack`. The first test that asks for it, in whichever pytest-xdist worker, deploys
the stack into a fresh local emulator under a file lock; every later one, in any worker, reads
what that deploy recorded. The emulator runs in the background, in the project's state folder
(``.local-aws/``, as ``nox -s deploy -- local`` runs it, which finds it there and reuses it), so
it outlives the worker that started it; the run's main process destroys the stack and stops the
emulator at its end. The tests that use the stack only read it (extra resources they make are
uniquely named); the tests that destroy a stack deploy their own.

The stack trusts :func:`repository` (the one ``nox -s deploy`` would find; a stand-in in a clone
with no GitHub remote), in its name form and in its immutable form with the stand-in ids
:data:`OWNER_ID` / :data:`REPOSITORY_ID`.

**A project per deploy.** :func:`project_copy` gives each deploy its own copy of the CDK app
(``node_modules`` linked, not copied), so its ``cdk.out`` is its own: the CDK CLI refuses to
synthesize into a folder another CLI is using, so deploys sharing the work tree's ``cdk.out``
could not run side by side, and the work tree stays untouched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws
    from cdk.deployment import Deployment

__all__ = [
    "OWNER_ID",
    "REPOSITORY_ID",
    "FreshStack",
    "fresh_stack",
    "project_copy",
    "repository",
]

PROJECT_DIR = Path(__file__).resolve().parents[1]
#: The ids the stack pins for the immutable ``sub`` form (``repo:OWNER@ID/REPO@ID:...``).
OWNER_ID, REPOSITORY_ID = 1001, 2002
#: The run's folder for the fresh stack (made by the main process, handed to the workers).
_RUN_DIR = pytest.StashKey[Path]()
_WORKER_INPUT_KEY = "bsm_fresh_stack_dir"
_RECORD = "deployment.json"


@functools.cache
def repository() -> str:
    """``OWNER/REPO`` the stack trusts: found the way ``nox -s deploy`` finds it; in a clone
    with no GitHub remote, the stand-in ``octo-org/octo-repo``."""
    from cdk.github_repository import repository_or_stand_in

    return repository_or_stand_in(PROJECT_DIR, os.environ)[0]


def project_copy(directory: Path) -> Path:
    """``directory`` made a project holding a copy of the CDK app, for ``deploy(project_dir=)``.

    The copy has its own ``cdk.out`` and no cached lookups (``cdk.context.json``); its
    ``node_modules`` is a link to the work tree's, where the pinned CDK CLI is installed first.
    """
    from cdk.cdk_cli import ensure_cdk_cli

    source = PROJECT_DIR / "cdk"
    ensure_cdk_cli(source, log=lambda _m: None)
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "cdk.context.json")
    shutil.copytree(source, directory / "cdk", ignore=ignore)
    (directory / "cdk" / "node_modules").symlink_to(source / "node_modules")
    return directory


@dataclass(frozen=True)
class FreshStack:
    """The fresh emulator, the deployment in it, and the names the stack trusts."""

    emulator: LocalAws
    deployment: Deployment
    #: The ``.env`` deploy wrote (the test user's key, the endpoint, the CA bundle).
    dotenv: Path
    #: What deploy said (no secret: deploy masks key ids).
    deploy_messages: tuple[str, ...]
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


@dataclass(frozen=True)
class _Layout:
    """Where the fresh stack lives inside the run's folder."""

    run_dir: Path

    @property
    def project(self) -> Path:
        return self.run_dir / "project"

    @property
    def state_dir(self) -> Path:
        from cdk import settings

        return self.project / settings.LOCAL_AWS_STATE_DIR

    @property
    def dotenv(self) -> Path:
        from cdk import settings

        return self.project / settings.DOTENV_PATH

    @property
    def record(self) -> Path:
        return self.run_dir / _RECORD

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One process at a time (the workers of a pytest-xdist run are processes)."""
        with open(self.run_dir / "lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _deploy(layout: _Layout) -> None:
    """Start a fresh emulator in the project's state folder and deploy the stack into it (deploy
    finds it running there and reuses it); record the deployment and what deploy said."""
    from boto_session_manager.testing.local_aws import find_local_aws, start_local_aws
    from cdk.deploy import deploy
    from cdk.targets import LocalEmulatorTarget

    owner, name = repository().split("/")
    pinned = {"githubOwner": owner, "githubRepository": name,
              "githubOwnerId": OWNER_ID, "githubRepositoryId": REPOSITORY_ID}  # fmt: skip
    if not layout.project.exists():
        project_copy(layout.project)
    if find_local_aws(layout.state_dir) is None:  # (a failed deploy may have left one running)
        start_local_aws(tls=True, state_dir=layout.state_dir, detach=True)
    messages: list[str] = []
    deployment = deploy(
        LocalEmulatorTarget(layout.state_dir),
        project_dir=layout.project,
        dotenv_path=layout.dotenv,
        context=pinned,
        log=messages.append,
    )
    fields = dataclasses.asdict(deployment)
    fields["dotenv_path"] = str(deployment.dotenv_path) if deployment.dotenv_path else None
    record = {"deployment": fields, "messages": messages}
    layout.record.write_text(json.dumps(record), encoding="utf-8")


def _read(layout: _Layout) -> FreshStack:
    from boto_session_manager.testing.local_aws import find_local_aws
    from cdk.deployment import Deployment

    record = json.loads(layout.record.read_text(encoding="utf-8"))
    fields = record["deployment"]
    if fields["dotenv_path"] is not None:
        fields["dotenv_path"] = Path(fields["dotenv_path"])
    emulator = find_local_aws(layout.state_dir)
    if emulator is None:
        raise RuntimeError(f"the fresh stack's emulator ({layout.state_dir}) is not running")
    owner, name = repository().split("/")
    return FreshStack(
        emulator, Deployment(**fields), layout.dotenv, tuple(record["messages"]), owner, name
    )


def _run_dir(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return Path(workerinput[_WORKER_INPUT_KEY])
    return config.stash[_RUN_DIR]


@pytest.fixture(scope="session")
def fresh_stack(pytestconfig: pytest.Config) -> FreshStack:
    """The stack in a fresh local emulator (TLS), deployed once per run (see the docstring)."""
    layout = _Layout(_run_dir(pytestconfig))
    with layout.locked():
        if not layout.record.exists():
            _deploy(layout)
        return _read(layout)


def pytest_configure(config: pytest.Config) -> None:
    """In the run's main process: make the run's folder (private, removed at the end)."""
    if not hasattr(config, "workerinput"):
        config.stash[_RUN_DIR] = Path(tempfile.mkdtemp(prefix="bsm-fresh-stack-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the main process: tell each worker where the run's folder is."""
    node.workerinput[_WORKER_INPUT_KEY] = str(node.config.stash[_RUN_DIR])


def pytest_unconfigure(config: pytest.Config) -> None:
    """In the main process, after every worker is done: destroy the stack, stop the emulator."""
    if hasattr(config, "workerinput") or _RUN_DIR not in config.stash:
        return
    layout = _Layout(config.stash[_RUN_DIR])
    try:
        if layout.state_dir.exists():
            from cdk.deploy import destroy
            from cdk.targets import LocalEmulatorTarget

            destroy(
                LocalEmulatorTarget(layout.state_dir),
                project_dir=layout.project,
                dotenv_path=layout.dotenv,
                log=lambda _m: None,
            )
    finally:
        shutil.rmtree(layout.run_dir, ignore_errors=True)
