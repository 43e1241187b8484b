"""How `nox -s tests` picks the integration suite's stack and credentials, and hands them on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from boto_session_manager.credentials.dotenv_file import dotenv_has_access_key
from cdk.integration_target import (
    TARGET_VAR,
    TargetError,
    TestTarget,
    choose_test_target,
    current_test_target,
    split_test_arguments,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://x/t?a=1", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "r"}
ROLE = {"AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci"}


@pytest.fixture
def dotenv(tmp_path: Path) -> Path:
    """A .env with an access key, as `nox -s deploy` writes it."""
    path = tmp_path / ".env"
    path.write_text("AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=secret\n")
    return path


def test_nothing_configured_means_a_fresh_emulator(tmp_path: Path) -> None:
    """With no token and no .env the suite deploys into a fresh local emulator."""
    target = choose_test_target(
        aws=None, credentials=None, environ={}, dotenv_path=tmp_path / ".env"
    )
    assert (target.stack, target.credentials) == ("fresh-emulator", "dotenv")
    assert "fresh local emulator" in target.describe()


def test_local_dotenv_is_used(dotenv: Path) -> None:
    """A .env with a key is used at the endpoint it names."""
    target = choose_test_target(aws=None, credentials=None, environ={}, dotenv_path=dotenv)
    assert (target.stack, target.credentials, target.dotenv_path) == (
        "deployed",
        "dotenv",
        str(dotenv),
    )


def test_github_actions_with_token_uses_oidc(tmp_path: Path) -> None:
    """Inside GitHub Actions with an ID token the suite runs on the deployed stack through OIDC."""
    environ = {"GITHUB_ACTIONS": "true", **TOKEN, **ROLE}
    target = choose_test_target(
        aws=None, credentials=None, environ=environ, dotenv_path=tmp_path / "x"
    )
    assert (target.stack, target.credentials) == ("deployed", "oidc")
    assert "r" not in target.describe().split()  # the request token is never printed


def test_github_actions_without_role_arn_is_an_error(tmp_path: Path) -> None:
    """A token but no AWS_ROLE_ARN names the repository variable to set."""
    with pytest.raises(TargetError, match=r"vars\.AWS_ROLE_ARN"):
        choose_test_target(
            aws=None,
            credentials=None,
            environ={"GITHUB_ACTIONS": "true", **TOKEN},
            dotenv_path=tmp_path / "x",
        )


def _pull_request_event(tmp_path: Path, *, head: str, fork: bool) -> dict[str, str]:
    """An Actions environment for a pull_request run whose head is ``head``."""
    import json

    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "octo-org/octo-repo"},
                "pull_request": {"head": {"repo": {"full_name": head, "fork": fork}}},
            }
        )
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
    }


def test_fork_pull_request_skips_integration(tmp_path: Path) -> None:
    """A pull request from a fork gets no token: the integration tests skip, saying why."""
    environ = _pull_request_event(tmp_path, head="someone/octo-repo", fork=True)
    target = choose_test_target(
        aws=None, credentials=None, environ=environ, dotenv_path=tmp_path / "x"
    )
    assert target.stack == "skip" and "pull request from a fork" in target.reason


def test_dependabot_run_skips_integration(tmp_path: Path) -> None:
    """A Dependabot run gets no token either: skipped, saying why."""
    environ = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "dependabot[bot]"}
    target = choose_test_target(
        aws=None, credentials=None, environ=environ, dotenv_path=tmp_path / "x"
    )
    assert target.stack == "skip" and "Dependabot" in target.reason


def test_unreadable_pull_request_event_counts_as_a_fork(tmp_path: Path) -> None:
    """A pull request whose payload cannot be read is skipped, not failed."""
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "missing.json"),
    }
    target = choose_test_target(
        aws=None, credentials=None, environ=environ, dotenv_path=tmp_path / "x"
    )
    assert target.stack == "skip" and "treated as a fork" in target.reason


@pytest.mark.parametrize(
    "environ",
    [
        {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"},
        {"GITHUB_ACTIONS": "true"},
    ],
)
def test_own_run_without_a_token_names_the_permission(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    """A push (or any run of the repository itself) without a token: the fix is named."""
    with pytest.raises(TargetError, match=r"permissions: id-token: write"):
        choose_test_target(aws=None, credentials=None, environ=environ, dotenv_path=tmp_path)


def test_same_repository_pull_request_without_a_token_names_the_permission(
    tmp_path: Path,
) -> None:
    """A pull request from a branch of the repository itself gets a token when permitted."""
    environ = _pull_request_event(tmp_path, head="octo-org/octo-repo", fork=False)
    with pytest.raises(TargetError, match=r"pull_request in this repository.*id-token: write"):
        choose_test_target(aws=None, credentials=None, environ=environ, dotenv_path=tmp_path)


def test_explicit_choices_win(dotenv: Path) -> None:
    """--aws local wins over a .env; --aws real --credentials dotenv uses the .env key."""
    local = choose_test_target(aws="local", credentials=None, environ={}, dotenv_path=dotenv)
    assert local.stack == "fresh-emulator"
    real = choose_test_target(aws="real", credentials="dotenv", environ={}, dotenv_path=dotenv)
    assert (real.stack, real.credentials) == ("deployed", "dotenv")


def test_impossible_explicit_choices_are_errors(tmp_path: Path) -> None:
    """Real AWS through OIDC without a token, or through a missing .env, says what to do."""
    with pytest.raises(TargetError, match="id-token: write"):
        choose_test_target(aws="real", credentials="oidc", environ={}, dotenv_path=tmp_path / "x")
    with pytest.raises(TargetError, match="nox -s deploy"):
        choose_test_target(aws="real", credentials="dotenv", environ={}, dotenv_path=tmp_path / "x")
    with pytest.raises(TargetError, match="id-token: write"):
        choose_test_target(aws=None, credentials="oidc", environ={}, dotenv_path=tmp_path / "x")
    with pytest.raises(TargetError, match="nox -s deploy"):
        choose_test_target(aws="real", credentials=None, environ={}, dotenv_path=tmp_path / "x")


def test_split_arguments_keeps_pytest_options() -> None:
    """--aws/--credentials are taken out; everything else goes to pytest."""
    assert split_test_arguments(["--aws", "real", "-x", "tests/unit", "--credentials=oidc"]) == (
        "real",
        "oidc",
        ["-x", "tests/unit"],
    )
    assert split_test_arguments([]) == (None, None, [])


class TestOneJudgeOfDotenv:
    @pytest.mark.parametrize(
        "text",
        [
            "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=''\n",
            'AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=""\n',
            "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY= # no value\n",
            "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\n# AWS_SECRET_ACCESS_KEY=commented-out\n",
            "export AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=s3cr3t\n",
            "AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE'\nAWS_SECRET_ACCESS_KEY = \"s3cr3t\"\n",
        ],
        ids=[
            "single-quoted-empty",
            "double-quoted-empty",
            "comment-only",
            "commented-out",
            "export",
            "spaced-quoted",
        ],
    )
    def test_selection_agrees_with_the_library(self, tmp_path: Path, text: str) -> None:
        """Nox uses the .env exactly when the library's dotenv_has_access_key says it has a key."""
        path = tmp_path / ".env"
        path.write_text(text)
        target = choose_test_target(aws=None, credentials=None, environ={}, dotenv_path=path)
        assert (target.stack == "deployed") is dotenv_has_access_key(path)

    def test_quoted_empty_secret_is_no_key(self, tmp_path: Path) -> None:
        """A quoted empty secret is no key: the suite deploys a fresh emulator instead."""
        path = tmp_path / ".env"
        path.write_text("AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=''\n")
        target = choose_test_target(aws=None, credentials=None, environ={}, dotenv_path=path)
        assert target.stack == "fresh-emulator"


class TestOneSerializedValue:
    def test_round_trip(self, dotenv: Path) -> None:
        """The target survives the JSON hand-over to pytest unchanged."""
        target = choose_test_target(aws=None, credentials=None, environ={}, dotenv_path=dotenv)
        assert TestTarget.from_json(target.to_json()) == target
        assert json.loads(target.to_json())["dotenv_path"] == str(dotenv)

    def test_fixtures_read_what_nox_decided(self, tmp_path: Path) -> None:
        """With BSM_TEST_TARGET set, the fixtures take it as is, whatever else is around."""
        given = TestTarget("skip", None, "told so")
        environ = {TARGET_VAR: given.to_json(), "GITHUB_ACTIONS": "true", **TOKEN, **ROLE}
        assert current_test_target(environ, dotenv_path=tmp_path / ".env") == given

    def test_without_it_the_same_rules_decide(self, tmp_path: Path) -> None:
        """Run by hand (no BSM_TEST_TARGET), pytest decides by the rules nox uses."""
        target = current_test_target({}, dotenv_path=tmp_path / ".env")
        assert target.stack == "fresh-emulator"

    @pytest.mark.parametrize("text", ["not json", '{"stack": "mars", "credentials": null, '
                                      '"reason": "x"}', '{"stack": "skip"}'])  # fmt: skip
    def test_a_broken_value_is_a_clear_error(self, text: str) -> None:
        """A value that is not a target names the variable."""
        with pytest.raises(TargetError, match=TARGET_VAR):
            TestTarget.from_json(text)

    def test_module_prints_the_json_nox_passes_on(self, tmp_path: Path) -> None:
        """`python -m cdk.integration_target --aws local` prints the one JSON line nox reads."""
        env = {k: v for k, v in os.environ.items() if k not in (TARGET_VAR, "GITHUB_ACTIONS")}
        result = subprocess.run(
            [sys.executable, "-m", "cdk.integration_target", "--aws", "local"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        target = TestTarget.from_json(result.stdout.strip().splitlines()[-1])
        assert target.stack == "fresh-emulator"

    def test_module_error_is_one_line(self, tmp_path: Path) -> None:
        """An impossible choice exits 1 with one error line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_ID_TOKEN")}
        result = subprocess.run(
            [sys.executable, "-m", "cdk.integration_target", "--credentials", "oidc"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and "id-token: write" in result.stderr
