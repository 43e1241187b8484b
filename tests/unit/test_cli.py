"""Tests of the ``bsm`` command: ``cli.main`` in-process (so coverage sees it), and the
console entry point once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager.cli import main
from boto_session_manager.testing import assert_no_secrets

Bsm = Callable[..., subprocess.CompletedProcess[str]]
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "cli-secret-EXAMPLE-value"


def run_bsm(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m boto_session_manager.cli`` with a controlled environment."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GITHUB_", "ACTIONS_"))
    }
    base.pop("BSM_CREDENTIAL_SOURCE", None)
    base["AWS_CONFIG_FILE"] = str(cwd / "no-config")
    base["AWS_SHARED_CREDENTIALS_FILE"] = str(cwd / "no-credentials")
    base["AWS_EC2_METADATA_DISABLED"] = "true"
    base["BSM_CREDENTIAL_CACHE_DIR"] = str(cwd / "credential-cache")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "boto_session_manager.cli", *args],
        env=base,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def bsm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``bsm(*args, env=...)``: run ``cli.main`` in this process, in the same controlled
    environment as :func:`run_bsm` (so coverage sees it); its status, stdout and stderr."""

    def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        with monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(("AWS_", "GITHUB_", "ACTIONS_")):
                    patch.delenv(name)
            patch.delenv("BSM_CREDENTIAL_SOURCE", raising=False)
            patch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
            patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
            patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
            patch.setenv("BSM_CREDENTIAL_CACHE_DIR", str(tmp_path / "credential-cache"))
            for name, value in env.items():
                patch.setenv(name, value)
            patch.chdir(tmp_path)
            status = main(list(args))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), status, captured.out, captured.err)

    return run


def test_exec_passes_dotenv_credentials_to_the_command(tmp_path: Path) -> None:
    """`bsm exec -- CMD` runs CMD with the .env key in its environment and its exit code."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    code = "import os, sys; print(os.environ['AWS_ACCESS_KEY_ID']); sys.exit(3)"
    result = run_bsm(
        "--region", "us-east-1", "exec", "--", sys.executable, "-c", code, env={}, cwd=tmp_path
    )
    assert result.returncode == 3
    assert result.stdout.strip() == KEY_ID
    assert "credential source: dotenv" in result.stderr
    assert_no_secrets({"secret key": SECRET}, {"stderr": result.stderr})


def test_github_env_masks_then_appends(bsm: Bsm, tmp_path: Path) -> None:
    """`bsm github-env` prints ::add-mask:: for each secret and appends them to GITHUB_ENV."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    github_env = tmp_path / "github_env"
    github_env.write_text("EXISTING=1\n")
    result = bsm(
        "--source",
        "dotenv",
        "--region",
        "us-east-1",
        "github-env",
        env={"GITHUB_ACTIONS": "true", "GITHUB_ENV": str(github_env)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"::add-mask::{KEY_ID}", f"::add-mask::{SECRET}"]
    lines = github_env.read_text().splitlines()
    assert lines[0] == "EXISTING=1"
    assert f"AWS_ACCESS_KEY_ID={KEY_ID}" in lines and f"AWS_SECRET_ACCESS_KEY={SECRET}" in lines
    assert "AWS_REGION=us-east-1" in lines
    assert_no_secrets({"secret key": SECRET}, {"stderr": result.stderr})
    assert "expire" not in result.stderr  # a .env key does not


def test_github_env_without_github_env_is_a_one_line_error(bsm: Bsm, tmp_path: Path) -> None:
    """Inside Actions but without GITHUB_ENV the command fails with one line saying why."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    result = bsm("-q", "github-env", env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "bsm: error: GITHUB_ENV is not set: `bsm github-env` runs inside a GitHub Actions step"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize("github_actions", [None, "false", "1", "TRUE"])
def test_github_env_refuses_to_run_outside_github_actions(
    bsm: Bsm, tmp_path: Path, github_actions: str | None
) -> None:
    """Unless GITHUB_ACTIONS is `true`, nothing is printed nor written: one line says why."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    env = {"GITHUB_ENV": str(github_env)}
    if github_actions is not None:
        env["GITHUB_ACTIONS"] = github_actions
    result = bsm("-q", "--region", "us-east-1", "github-env", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "GITHUB_ACTIONS" in lines[0] and "bsm exec" in lines[0]
    assert result.stdout == ""
    assert github_env.read_text() == ""
    assert_no_secrets({"secret key": SECRET}, {"stdout": result.stdout, "stderr": result.stderr})


def test_github_env_escapes_mask_values(bsm: Bsm, tmp_path: Path) -> None:
    """`%` in a secret is written `%25` in ::add-mask::, so the runner masks the real value."""
    secret = "abc%0Adef%25ghi%"
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={secret}\n")
    github_env = tmp_path / "github_env"
    result = bsm(
        "-q",
        "--source",
        "dotenv",
        "--region",
        "us-east-1",
        "github-env",
        env={"GITHUB_ACTIONS": "true", "GITHUB_ENV": str(github_env)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "::add-mask::abc%250Adef%2525ghi%25"
    assert f"AWS_SECRET_ACCESS_KEY={secret}" in github_env.read_text().splitlines()


def test_workflow_command_escaping_rules() -> None:
    """`%`, CR and LF are escaped as %25, %0D and %0A, `%` first."""
    from boto_session_manager.cli import escape_workflow_data

    assert escape_workflow_data("a%b\rc\nd%0A") == "a%25b%0Dc%0Ad%250A"
    assert escape_workflow_data("plain/+=") == "plain/+="


@pytest.mark.parametrize("where", ["a directory", "a missing folder"])
def test_unwritable_github_env_is_a_one_line_error(bsm: Bsm, tmp_path: Path, where: str) -> None:
    """GITHUB_ENV that cannot be appended to: one line naming it, and no mask printed."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    target = tmp_path / "github_env"
    if where == "a directory":
        target.mkdir()
    else:
        target = tmp_path / "no-such-folder" / "github_env"
    result = bsm(
        "-q",
        "--source",
        "dotenv",
        "--region",
        "us-east-1",
        "github-env",
        env={"GITHUB_ACTIONS": "true", "GITHUB_ENV": str(target)},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bsm: error: cannot append to GITHUB_ENV")
    assert str(target) in lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_a_broken_dotenv_is_a_one_line_error(bsm: Bsm, tmp_path: Path, encoding: str) -> None:
    """`bsm whoami` with a .env that is not UTF-8 fails in one line naming the file."""
    (tmp_path / ".env").write_text(
        f"# café\nAWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n", encoding=encoding
    )
    result = bsm("-q", "--region", "us-east-1", "whoami", env={})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bsm: error: Cannot use the .env file .env")
    assert "UTF-8" in lines[0]


def test_missing_permission_is_a_one_line_error(bsm: Bsm, tmp_path: Path) -> None:
    """Inside GitHub Actions without id-token: write, whoami fails with the fix in one line."""
    result = bsm("-q", "whoami", env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "permissions: id-token: write" in lines[0]


def test_options_work_before_and_after_the_subcommand() -> None:
    """`bsm --role-arn X github-env` and `bsm github-env --role-arn X` mean the same."""
    from boto_session_manager.cli import _parser

    parser = _parser()
    before = parser.parse_args(["--role-arn", "arn:x", "--region", "eu-west-1", "github-env"])
    after = parser.parse_args(["github-env", "--role-arn", "arn:x", "--region", "eu-west-1"])
    mixed = parser.parse_args(["--region", "eu-west-1", "github-env", "--role-arn", "arn:x"])
    for args in (before, after, mixed):
        assert (args.role_arn, args.region, args.dotenv, args.source) == (
            "arn:x",
            "eu-west-1",
            ".env",
            None,
        )


def test_an_aws_error_is_one_line(bsm: Bsm, tmp_path: Path, local_sts: Any) -> None:
    """An error AWS answers comes out as one `bsm: error:` line, not a traceback."""
    (tmp_path / ".env").write_text(
        f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"
        f"AWS_ENDPOINT_URL={local_sts.url}\n"
    )
    local_sts.refuse("GetCallerIdentity", "AccessDenied")
    result = bsm("-q", "--region", "us-east-1", "whoami", env={})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bsm: error: An error occurred (AccessDenied)")


def test_exec_of_a_file_that_is_not_executable(bsm: Bsm, tmp_path: Path) -> None:
    """A command found but not executable: one line naming it."""
    (tmp_path / ".env").write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    script = tmp_path / "build.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    result = bsm("-q", "--region", "us-east-1", "exec", "--", str(script), env={})
    assert result.returncode == 1
    assert result.stderr.strip() == f"bsm: error: command not executable: {script}"


def test_credential_process_without_a_role_names_the_variable(bsm: Bsm, tmp_path: Path) -> None:
    """OIDC chosen, no role ARN: the warm path steps aside and the full path says what to set."""
    env = {
        "GITHUB_ACTIONS": "true",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/token?x=1",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
    }
    result = bsm("credential-process", "--source", "github-oidc", env=env)
    assert result.returncode == 1 and result.stdout == ""
    assert "AWS_ROLE_ARN" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_credential_process_passes_a_dotenv_session_token(bsm: Bsm, tmp_path: Path) -> None:
    """A .env holding a session token (no expiry known) prints it, still without Expiration."""
    (tmp_path / ".env").write_text(
        f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_SESSION_TOKEN=tok\n"
    )
    result = bsm("credential-process", "--source", "dotenv", env={})
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "Version": 1,
        "AccessKeyId": KEY_ID,
        "SecretAccessKey": SECRET,
        "SessionToken": "tok",
    }
