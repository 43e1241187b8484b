"""This repository's side of the rehearsal: which repository it is, and AWS with the stack.

The rehearsed repository is found the way ``nox -s deploy`` finds it (CDK context,
``GITHUB_REPOSITORY`` inside Actions, the ``origin`` remote); a clone without a GitHub remote
rehearses a stand-in, ``octo-org/octo-repo``, as the integration tests do.

``deployed_stack`` starts the local AWS emulator, deploys the project's stack into it (the
same ``cdk.deploy.deploy`` as ``nox -s deploy -- local``, pinned to that repository and to
the name form of ``sub``, so nothing asks GitHub's API) and gives the workflow:

- ``vars.AWS_ROLE_ARN``: the stack's CI role, as ``nox -s deploy -- aws`` publishes it;
- the endpoint: ``AWS_ENDPOINT_URL`` and ``AWS_CA_BUNDLE``, the only variables the machine
  adds to a job (no credentials: the job reaches AWS through OIDC, as on GitHub).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cdk import settings

__all__ = [
    "PROJECT_DIR",
    "ROLE_VARIABLE",
    "AwsSide",
    "deployed_stack",
    "rehearsed_repository",
]

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The repository variable holding the CI role ARN (and the env name the library reads).
ROLE_VARIABLE = settings.GITHUB_REPO_VAR_ROLE_ARN


@dataclass(frozen=True)
class AwsSide:
    """What AWS gives the rehearsal: repository variables and the endpoint variables."""

    variables: dict[str, str] = field(default_factory=dict)
    endpoint_env: dict[str, str] = field(default_factory=dict)
    source: str = "the command line (--var)"


def rehearsed_repository(environ: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """``(OWNER/REPO, where the name came from)``."""
    from cdk.github_repository import repository_or_stand_in

    return repository_or_stand_in(PROJECT_DIR, environ)


@contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (and its children's) to ``path``; on failure,
    show its last lines."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "wb") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    except BaseException:
        _restore(saved)
        tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        print("\n".join(["deploying the stack failed; the end of its log:", *tail]), flush=True)
        raise
    _restore(saved)


def _restore(saved: tuple[int, int]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])


@contextmanager
def deployed_stack(state_dir: Path, repository: str) -> Iterator[AwsSide]:
    """A fresh local emulator with the project's stack trusting ``repository``; stopped on exit."""
    from boto_session_manager.testing.local_aws import start_local_aws
    from cdk.deploy import deploy
    from cdk.github_repository import OWNER_CONTEXT_KEY, REPOSITORY_CONTEXT_KEY
    from cdk.targets import LocalEmulatorTarget

    owner, _, name = repository.partition("/")
    context = {OWNER_CONTEXT_KEY: owner, REPOSITORY_CONTEXT_KEY: name, "githubAcceptNameForm": True}
    with start_local_aws(tls=True, state_dir=state_dir) as emulator:
        with _output_to(state_dir / "deploy.log"):  # the CDK CLI's progress, kept aside
            deployment = deploy(
                LocalEmulatorTarget(emulator=emulator),
                project_dir=PROJECT_DIR,
                dotenv_path=state_dir / "test-user.env",  # never in the job's workspace
                context=context,
                log=print,
            )
        yield AwsSide(
            variables={ROLE_VARIABLE: deployment.ci_role_arn},
            endpoint_env={
                "AWS_ENDPOINT_URL": emulator.endpoint_url,
                "AWS_CA_BUNDLE": str(emulator.ca_bundle),
            },
            source=f"the stack deployed in the local emulator at {emulator.endpoint_url}",
        )
