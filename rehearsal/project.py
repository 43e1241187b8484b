"""This repository's side of the rehearsal: which repository it is, and AWS with the stack.

``deployed_stack`` starts the local AWS emulator, deploys the project's stack into it (the
same ``cdk.deploy.deploy_local`` as ``nox -s deploy -- local``) and gives the workflow:

- ``vars.AWS_ROLE_ARN``: the CI role of that stack, as ``nox -s deploy -- aws`` publishes it;
- the endpoint: ``AWS_ENDPOINT_URL`` and ``AWS_CA_BUNDLE``, the only variables the machine
  adds to a job (no credentials: the job reaches AWS through OIDC, as on GitHub).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from boto_session_manager.tests import settings

__all__ = ["PROJECT_DIR", "REPOSITORY", "ROLE_VARIABLE", "AwsSide", "deployed_stack"]

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The repository the CI role trusts, and so the one the rehearsal's tokens name.
REPOSITORY = f"{settings.GITHUB_OWNER}/{settings.GITHUB_REPOSITORY}"
#: The repository variable holding the CI role ARN (and the env name the library reads).
ROLE_VARIABLE = settings.GITHUB_REPO_VAR_ROLE_ARN


@dataclass(frozen=True)
class AwsSide:
    """What AWS gives the rehearsal: repository variables and the endpoint variables."""

    variables: dict[str, str] = field(default_factory=dict)
    endpoint_env: dict[str, str] = field(default_factory=dict)
    source: str = "the command line (--var)"


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
def deployed_stack(state_dir: Path) -> Iterator[AwsSide]:
    """A fresh local emulator with the project's stack; stopped on exit."""
    from boto_session_manager.testing.local_aws import start_local_aws
    from cdk.deploy import deploy_local

    with start_local_aws(tls=True, state_dir=state_dir) as emulator:
        with _output_to(state_dir / "deploy.log"):  # the CDK CLI's progress, kept aside
            result = deploy_local(
                project_dir=PROJECT_DIR,
                emulator=emulator,
                dotenv_path=state_dir / "test-user.env",  # never in the job's workspace
                log=print,
            )
        assert emulator.ca_bundle is not None
        yield AwsSide(
            variables={ROLE_VARIABLE: result.ci_role_arn},
            endpoint_env={
                "AWS_ENDPOINT_URL": emulator.endpoint_url,
                "AWS_CA_BUNDLE": str(emulator.ca_bundle),
            },
            source=f"the stack deployed in the local emulator at {emulator.endpoint_url}",
        )
