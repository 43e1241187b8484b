"""A rehearsal against the local emulator with the project's stack deployed (about a minute)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rehearsal import SCENARIOS, rehearse

FIXTURES = Path(__file__).resolve().parent / "workflows"


@pytest.mark.integration
def test_oidc_then_the_ci_role_then_the_test_role() -> None:
    """The job's token becomes the CI role, which assumes the test role; one token is fetched."""
    out = io.StringIO()
    ok = rehearse(
        FIXTURES / "oidc-role-chain.yml",
        SCENARIOS["push"],
        aws="local",
        variables={"REHEARSAL_PYTHON": sys.executable},
        out=out,
    )
    log = out.getvalue()
    assert ok, log[-3000:]
    assert ":assumed-role/project-boto_session_manager-ci/" in log
    assert "test: arn:aws:sts::000000000000:assumed-role/project-boto_session_manager/" in log
    assert "ID tokens served: 1" in log
