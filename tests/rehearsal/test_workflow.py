"""Reading workflow files: YAML 1.2, job order, permissions, matrix, triggers, preflight."""

from __future__ import annotations

from pathlib import Path

import pytest

from rehearsal.errors import ExpressionError, RehearsalError, WorkflowFileError
from rehearsal.preflight import preflight
from rehearsal.scenarios import SCENARIOS
from rehearsal.workflow import expand_matrix, grants_id_token, load_workflow
from tests.rehearsal.helpers import FIXTURES, ROLE, write

PROJECT = Path(__file__).resolve().parents[2]
MAIN = PROJECT / ".github" / "workflows" / "main.yml"


class TestLoading:
    def test_on_stays_a_key_and_jobs_run_in_needs_order(self) -> None:
        """``on`` is not read as a boolean (YAML 1.2), and ``--job tests`` brings ``matrix``."""
        workflow = load_workflow(MAIN)
        assert "on" in workflow.raw
        assert workflow.order(["tests"]) == ["matrix", "tests"]
        assert workflow.order() == ["matrix", "lint", "tests"]

    def test_only_the_tests_job_gets_an_id_token(self) -> None:
        """main.yml grants ``id-token: write`` to the tests job only (issue 10 item 7)."""
        workflow = load_workflow(MAIN)
        assert {job.id: job.id_token for job in workflow.jobs.values()} == {
            "matrix": False,
            "tests": True,
            "lint": False,
        }

    def test_the_matrix_runs_in_parallel_with_the_setup_caches(self) -> None:
        """No max-parallel, and pip/npm/uv cached through the setup actions' own options."""
        tests = load_workflow(MAIN).jobs["tests"]
        assert "max-parallel" not in tests.raw["strategy"]
        inputs = {
            step.uses.split("@")[0]: step.raw.get("with", {}) for step in tests.steps if step.uses
        }
        assert inputs["actions/setup-python"]["cache"] == "pip"
        assert inputs["actions/setup-node"]["cache-dependency-path"] == "cdk/package-lock.json"
        assert inputs["astral-sh/setup-uv"]["enable-cache"] is True
        assert any('"nox[uv]"' in (step.run or "") for step in tests.steps)

    def test_permissions(self) -> None:
        """write-all and an explicit id-token: write grant a token; read-all and none do not."""
        assert grants_id_token("write-all") and grants_id_token({"id-token": "write"})
        assert not grants_id_token("read-all") and not grants_id_token(None)
        assert not grants_id_token({"id-token": "read", "contents": "write"})

    def test_cycles_and_unknown_needs_are_errors(self, tmp_path: Path) -> None:
        """A job needing a missing job, or a cycle, is refused with the names."""
        body = "on: push\njobs:\n  a:\n    needs: {}\n    steps: [{{run: x}}]\n"
        with pytest.raises(WorkflowFileError, match=r"jobs\.a needs 'z', which is no job"):
            load_workflow(write(tmp_path, body.format("z")))
        cyclic = body.format("b") + "  b:\n    needs: a\n    steps: [{run: x}]\n"
        with pytest.raises(WorkflowFileError, match="form a cycle"):
            load_workflow(write(tmp_path, cyclic)).order()

    def test_a_step_needs_run_or_uses(self, tmp_path: Path) -> None:
        """A step with neither ``run`` nor ``uses`` is named."""
        with pytest.raises(WorkflowFileError, match=r"jobs.a.steps\[1\] needs exactly one"):
            load_workflow(write(tmp_path, "on: push\njobs:\n  a:\n    steps: [{name: x}]\n"))


class TestMatrix:
    def test_include_and_exclude(self) -> None:
        """Exclude drops combinations; include extends matching ones or adds new ones."""
        matrix = {
            "os": ["linux", "mac"],
            "py": ["3.10", "3.11"],
            "exclude": [{"os": "mac", "py": "3.10"}],
            "include": [{"py": "3.11", "extra": "yes"}, {"os": "windows", "py": "3.12"}],
        }
        combos = expand_matrix(matrix, "jobs.t.strategy.matrix")
        assert {"os": "mac", "py": "3.10"} not in combos
        assert {"os": "linux", "py": "3.11", "extra": "yes"} in combos
        assert {"os": "windows", "py": "3.12"} in combos
        assert len(combos) == 4

    def test_a_matrix_value_must_be_a_list(self) -> None:
        """A scalar where a list belongs (a fromJSON that gave a string) is named."""
        with pytest.raises(WorkflowFileError, match=r"matrix.python must be a non-empty list"):
            expand_matrix({"python": "3.11"}, "jobs.t.strategy.matrix")


class TestPreflight:
    def check(self, name: str, scenario: str = "push") -> list[str]:
        """Preflight a fixture workflow with the stack's variable."""
        workflow = load_workflow(FIXTURES / name)
        return preflight(
            workflow, SCENARIOS[scenario], workflow.order(), variables=ROLE,
            variables_source="the test", role_variable="AWS_ROLE_ARN",
        )  # fmt: skip

    def test_missing_id_token_names_the_job_and_the_fix(self) -> None:
        """A job that sets AWS_ROLE_ARN without ``id-token: write`` fails before running."""
        with pytest.raises(RehearsalError) as caught:
            self.check("missing-id-token.yml")
        message = str(caught.value)
        assert "jobs.tests sets AWS_ROLE_ARN" in message
        assert "lack `id-token: write`" in message and "add `permissions:" in message

    def test_misspelled_variable(self) -> None:
        """vars.AWS_ROLE_ARM is named with the variables that exist."""
        with pytest.raises(
            ExpressionError, match=r"reads vars\.AWS_ROLE_ARM, which is not defined"
        ):
            self.check("misspelled-variable.yml")

    def test_unknown_action(self) -> None:
        """actions/cache is named as an action the rehearsal does not know."""
        with pytest.raises(
            RehearsalError, match=r"uses actions/cache@\w+, an action the rehearsal"
        ):
            self.check("unknown-action.yml")

    def test_main_passes_without_warnings(self) -> None:
        """main.yml has no loose pin and no id-token grant beyond the tests job."""
        workflow = load_workflow(MAIN)
        warnings = preflight(
            workflow, SCENARIOS["push"], workflow.order(), variables=ROLE,
            variables_source="the test", role_variable="AWS_ROLE_ARN",
        )  # fmt: skip
        assert warnings == []

    def test_a_loose_pin_and_a_spare_id_token_warn(self, tmp_path: Path) -> None:
        """A tag instead of a SHA, and ``id-token: write`` on a job without a role, warn."""
        path = write(
            tmp_path,
            "on: push\njobs:\n  lint:\n    permissions: write-all\n"
            "    steps: [{uses: actions/checkout@v4}]\n",
        )
        workflow = load_workflow(path)
        warnings = preflight(
            workflow, SCENARIOS["push"], ["lint"], variables={}, variables_source="x",
            role_variable="AWS_ROLE_ARN",
        )  # fmt: skip
        assert any("pin third-party actions to a full commit SHA" in w for w in warnings)
        assert any(
            "jobs.lint has `id-token: write` but sets no AWS_ROLE_ARN" in w for w in warnings
        )

    def test_triggers(self, tmp_path: Path) -> None:
        """A workflow that does not run for the scenario's event or branch says so."""
        path = write(
            tmp_path, "on:\n  push:\n    branches: [release]\njobs:\n  a:\n    steps: [{run: x}]\n"
        )
        workflow = load_workflow(path)
        with pytest.raises(RehearsalError, match=r"does not run on push to main"):
            preflight(workflow, SCENARIOS["push"], ["a"], variables={}, variables_source="x",
                      role_variable="AWS_ROLE_ARN")  # fmt: skip
        with pytest.raises(RehearsalError, match=r"does not run on pull_request"):
            preflight(workflow, SCENARIOS["pull-request"], ["a"], variables={},
                      variables_source="x", role_variable="AWS_ROLE_ARN")  # fmt: skip
