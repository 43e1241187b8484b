"""Whole rehearsals of fixture workflows, without AWS: what the jobs see and what the log shows."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rehearsal import SCENARIOS, RehearsalError, rehearse
from rehearsal.cli import main
from rehearsal.project import rehearsed_repository
from tests.rehearsal.helpers import FIXTURES, ROLE, write

REPOSITORY = rehearsed_repository()[0]
REPOSITORY_SUB = f"repo:{REPOSITORY}"


def run(name: str, scenario: str = "push", **options: object) -> tuple[bool, str]:
    """Rehearse a fixture workflow without AWS; (every job succeeded, the printed log)."""
    out = io.StringIO()
    ok = rehearse(
        FIXTURES / name, SCENARIOS[scenario], aws="none", variables=dict(ROLE), out=out,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip
    return ok, out.getvalue()


def rehearse_text(tmp_path: Path, text: str) -> tuple[bool, str]:
    """Rehearse a workflow given as ``text`` on a push, without AWS and with no variables;
    (every job succeeded, the printed log)."""
    out = io.StringIO()
    ok = rehearse(write(tmp_path, text), SCENARIOS["push"], aws="none", out=out)
    return ok, out.getvalue()


@pytest.fixture(scope="module")
def log() -> str:
    """The log of the runner-files fixture (both matrix combinations)."""
    ok, log = run("runner-files.yml", all_combinations=True)
    assert ok
    return log


class TestRunnerFiles:
    def test_env_layers(self, log: str) -> None:
        """Job env beats $GITHUB_ENV; workflow, step and exported values all arrive."""
        assert "layer=job workflow=from-the-workflow step=from-the-step exported=exported" in log

    def test_heredocs(self, log: str) -> None:
        """Multi-line values through $GITHUB_ENV and $GITHUB_OUTPUT heredocs keep their lines."""
        assert "multi=one+two+" in log
        assert "letter=a note=true" in log

    def test_path_and_contexts(self, log: str) -> None:
        """$GITHUB_PATH reaches later steps; github.* and GITHUB_* name the rehearsed run."""
        assert "tool-on-path" in log
        assert f"event=push ref=refs/heads/main repo={REPOSITORY}" in log

    def test_matrix_from_needs_outputs(self, log: str) -> None:
        """fromJSON(needs.produce.outputs.letters) makes one job per letter."""
        assert "read (a)" in log and "read (b)" in log

    def test_masking(self, log: str) -> None:
        """A value given to ::add-mask:: prints as *** and never as itself."""
        assert "the secret is ***" in log
        assert log.count("s3cr3t-") == 0
        assert "2 occurrence(s) printed as ***" in log

    def test_continue_on_error_and_status_functions(self, log: str) -> None:
        """A soft failure has outcome failure, conclusion success; failure() stays false."""
        assert "soft outcome=failure conclusion=success" in log
        assert "must not run" not in log.replace('run: echo "must not run"', "")


class TestScenarios:
    def test_push_token(self) -> None:
        """A push to main gets a token for the rehearsed repository's main branch."""
        ok, log = run("oidc-token.yml", "push")
        assert ok
        assert f"sub={REPOSITORY_SUB}:ref:refs/heads/main" in log
        assert "aud=sts.amazonaws.com event=push" in log

    def test_pull_request_token(self) -> None:
        """A same-repository pull request gets the pull_request subject; the JWT is masked."""
        ok, log = run("oidc-token.yml", "pull-request")
        assert ok
        assert f"sub={REPOSITORY_SUB}:pull_request" in log
        assert "jwt=***" in log and log.count("eyJ") == 0
        assert "request token=***" in log  # the runner's request token is masked from the start

    def test_fork_gets_no_token_and_no_variables(self) -> None:
        """A fork's pull request gets no ID token and empty variables, whatever the permissions."""
        ok, log = run("oidc-token.yml", "fork-pull-request")
        assert ok
        assert "token: none" in log
        assert "role=\n" in log
        assert "request token=none" in log


class TestFailures:
    @pytest.mark.parametrize(
        ("fixture", "cause"),
        [
            ("missing-id-token.yml", "lack `id-token: write`"),
            ("misspelled-variable.yml", "vars.AWS_ROLE_ARM, which is not defined"),
            ("unknown-action.yml", "actions/cache@"),
        ],
    )
    def test_the_command_fails_naming_the_cause(
        self, fixture: str, cause: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`python -m rehearsal` exits 1 with one line naming the fixture's fault."""
        argv = ["--aws", "none", "--var", "AWS_ROLE_ARN=x", "--workflow", str(FIXTURES / fixture)]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("rehearsal failed: ") and cause in err
        assert len(err.strip().splitlines()) == 1

    def test_a_failing_step_fails_the_job_and_skips_its_dependants(self, tmp_path: Path) -> None:
        """Exit status 2 fails the job; the job that needs it is skipped."""
        ok, log = rehearse_text(
            tmp_path,
            "on: push\njobs:\n  a:\n    steps:\n      - run: exit 2\n      - run: echo later\n"
            "  b:\n    needs: a\n    steps: [{run: echo b}]\n",
        )
        assert not ok
        assert "step 1 failed: exit status 2" in log
        assert "skipped (an earlier step failed)" in log
        assert "jobs.b: skipped (needs a" in log

    def test_an_expression_error_at_run_time_names_the_step(self, tmp_path: Path) -> None:
        """A step output that was never written is an error naming the step and the path."""
        path = write(
            tmp_path,
            "on: push\njobs:\n  a:\n    steps:\n      - id: one\n        run: echo hi\n"
            "      - run: echo ${{ steps.one.outputs.missing }}\n",
        )
        with pytest.raises(
            RehearsalError, match=r"jobs\.a\.steps\[2\].*steps\.one\.outputs\.missing"
        ):
            rehearse(path, SCENARIOS["push"], aws="none", out=io.StringIO())


class TestSetupActions:
    SHA = "a26af69be951a213d495a4c3e4e4022e16d87065"

    def test_setup_python_uses_the_interpreter_at_hand(self, tmp_path: Path) -> None:
        """The matrix entry of this interpreter runs, in a fresh environment; others are listed."""
        here = f"{sys.version_info[0]}.{sys.version_info[1]}"
        ok, log = rehearse_text(
            tmp_path,
            "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n"
            f"        python: ['2.7', '{here}']\n    steps:\n"
            f"      - uses: actions/setup-python@{self.SHA}\n        with:\n"
            "          python-version: ${{ matrix.python }}\n"
            "      - run: python -c 'import sys; print(\"prefix\", sys.prefix)'\n",
        )
        assert ok
        assert "not rehearsed: jobs.a with matrix {'python': '2.7'}" in log
        assert "/tool-cache/python-" in log.split("prefix ", 1)[1].splitlines()[0]

    def test_another_version_warns_and_a_cache_without_lock_file_fails(
        self, tmp_path: Path
    ) -> None:
        """Python 2.7 is a warning; cache: pipenv with no Pipfile.lock fails as on GitHub."""
        path = write(
            tmp_path,
            "on: push\njobs:\n  a:\n    steps:\n"
            f"      - uses: actions/setup-python@{self.SHA}\n        with:\n"
            "          python-version: '2.7'\n          cache: pipenv\n",
        )
        out = io.StringIO()
        with pytest.raises(RehearsalError, match=r"setup-python: no file in the workspace matched"):
            rehearse(path, SCENARIOS["push"], aws="none", out=out)
        assert "setup-python asks for Python 2.7" in out.getvalue()

    def test_setup_node_checks_the_lock_file(self, tmp_path: Path) -> None:
        """cache: npm without a lock file at the given path fails, naming the fix."""
        path = write(
            tmp_path,
            "on: push\njobs:\n  a:\n    steps:\n"
            "      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020\n"
            "        with: {node-version: '20', cache: npm}\n",
        )
        with pytest.raises(RehearsalError, match=r"lock file not found.*cache-dependency-path"):
            rehearse(path, SCENARIOS["push"], aws="none", out=io.StringIO())


class TestJobLimits:
    def test_timeout_minutes_stops_the_step_and_fails_the_job(self, tmp_path: Path) -> None:
        """A step still running at the job's timeout-minutes is killed and the job fails."""
        ok, log = rehearse_text(
            tmp_path,
            "on: push\njobs:\n  a:\n    timeout-minutes: 0.02\n"
            "    steps:\n      - run: sleep 120\n",
        )
        assert not ok
        assert "the job reached its timeout-minutes" in log

    def test_a_false_job_condition_skips_the_job(self, tmp_path: Path) -> None:
        """``if: github.event_name == 'pull_request'`` skips the job on a push, not a failure."""
        ok, log = rehearse_text(
            tmp_path,
            "on: push\njobs:\n  a:\n    if: github.event_name == 'pull_request'\n"
            "    steps: [{run: echo ran}]\n",
        )
        assert ok
        assert "skipped: jobs.a.if is false" in log
