"""A rehearsal against the run's fresh stack in the local emulator (tests/shared_setup.py)."""

from __future__ import annotations

import io
import sys
from typing import TYPE_CHECKING

import pytest

from rehearsal import SCENARIOS, rehearse
from rehearsal.project import ROLE_VARIABLE, AwsSide, rehearsed_repository
from tests.rehearsal.helpers import FIXTURES

if TYPE_CHECKING:
    from tests.shared_setup import FreshStack


@pytest.mark.integration
def test_oidc_then_the_ci_role_then_the_test_role(fresh_stack: FreshStack) -> None:
    """The job's token becomes the CI role, which assumes the test role; one token is fetched.

    The stack is the run's shared one; ``nox -s rehearse`` (``.ci/run``) deploys its own.
    """
    assert fresh_stack.repository == rehearsed_repository()[0]  # the stack trusts this one
    emulator = fresh_stack.emulator
    side = AwsSide(
        variables={ROLE_VARIABLE: fresh_stack.deployment.ci_role_arn},
        endpoint_env={
            "AWS_ENDPOINT_URL": emulator.endpoint_url,
            "AWS_CA_BUNDLE": str(emulator.ca_bundle),
        },
        source=f"the run's fresh stack at {emulator.endpoint_url}",
    )
    out = io.StringIO()
    ok = rehearse(
        FIXTURES / "oidc-role-chain.yml",
        SCENARIOS["push"],
        aws=side,
        variables={"REHEARSAL_PYTHON": sys.executable},
        out=out,
    )
    log = out.getvalue()
    assert ok, log[-3000:]
    assert f"AWS: the run's fresh stack at {emulator.endpoint_url}" in log
    assert ":assumed-role/project-boto_session_manager-ci/" in log
    assert "test: arn:aws:sts::000000000000:assumed-role/project-boto_session_manager/" in log
    assert "ID tokens served: 1" in log
