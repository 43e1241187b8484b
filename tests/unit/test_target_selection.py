"""How `nox -s tests` picks the endpoint and credentials of the integration suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from boto_session_manager.tests.target_selection import (
    AWS_VAR,
    CREDENTIALS_VAR,
    SKIP_VAR,
    TargetError,
    choose_test_target,
    split_test_arguments,
)

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
    assert (target.aws, target.credentials) == ("local", "dotenv")
    assert target.env == {AWS_VAR: "local", CREDENTIALS_VAR: "dotenv"}
    assert "fresh local emulator" in target.describe()


def test_local_dotenv_is_used(dotenv: Path) -> None:
    """A .env with a key is used at the endpoint it names."""
    target = choose_test_target(aws=None, credentials=None, environ={}, dotenv_path=dotenv)
    assert target.credentials == "dotenv" and AWS_VAR not in target.env


def test_github_actions_with_token_uses_oidc(tmp_path: Path) -> None:
    """Inside GitHub Actions with an ID token the suite runs on real AWS through OIDC."""
    environ = {"GITHUB_ACTIONS": "true", **TOKEN, **ROLE}
    target = choose_test_target(
        aws=None, credentials=None, environ=environ, dotenv_path=tmp_path / "x"
    )
    assert target.env == {AWS_VAR: "real", CREDENTIALS_VAR: "oidc"}
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


def test_fork_pull_request_skips_integration(tmp_path: Path) -> None:
    """Inside GitHub Actions without a token the integration tests are skipped with the reason."""
    target = choose_test_target(
        aws=None, credentials=None, environ={"GITHUB_ACTIONS": "true"}, dotenv_path=tmp_path / "x"
    )
    assert target.aws == "skip"
    assert "fork" in target.env[SKIP_VAR] and "id-token: write" in target.env[SKIP_VAR]


def test_explicit_choices_win(dotenv: Path) -> None:
    """--aws local wins over a .env; --aws real --credentials dotenv uses the .env key."""
    assert (
        choose_test_target(aws="local", credentials=None, environ={}, dotenv_path=dotenv).aws
        == "local"
    )
    real = choose_test_target(aws="real", credentials="dotenv", environ={}, dotenv_path=dotenv)
    assert real.env == {AWS_VAR: "real", CREDENTIALS_VAR: "dotenv"}


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
