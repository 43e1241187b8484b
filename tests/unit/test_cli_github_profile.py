"""``bsm github-env --profile NAME``, run in-process through ``cli.main``.

A GitHub Actions job stands on the local OIDC issuer and the local STS endpoint; the later
step's SDK is botocore itself, reading the profile the command wrote.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.credentials import RefreshableCredentials

from boto_session_manager.cli import main
from boto_session_manager.credential_cache import CACHE_DIR_VAR, CACHE_VAR
from boto_session_manager.testing import assert_no_secrets

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
EXCHANGE = "AssumeRoleWithWebIdentity"


@pytest.fixture
def step(
    github_actions_env: dict[str, str],
    local_sts: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Path]:
    """A workflow step: runner variables, GITHUB_ENV, an AWS config file, a cache folder."""
    paths = {
        "github_env": tmp_path / "github_env",
        "config": tmp_path / "aws" / "config",
        "cache": tmp_path / "cache",
    }
    paths["github_env"].write_text("")
    monkeypatch.setenv("GITHUB_ENV", str(paths["github_env"]))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths["config"]))
    monkeypatch.setenv(CACHE_DIR_VAR, str(paths["cache"]))
    monkeypatch.delenv(CACHE_VAR, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_sts.url)
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE_ARN)
    monkeypatch.chdir(tmp_path)
    return paths


def exported(path: Path) -> dict[str, str]:
    """The variables appended to GITHUB_ENV."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_profile_and_github_env_hold_no_secret(
    step: dict[str, Path], capsys: pytest.CaptureFixture[str], local_sts: Any
) -> None:
    """GITHUB_ENV gets AWS_PROFILE, both region variables and the config file: no secret,
    no mask; the config file gets the profile; one exchange warmed the cache."""
    assert main(["--region", "eu-west-1", "github-env", "--profile", "ci"]) == 0
    env = exported(step["github_env"])
    assert env == {
        "AWS_PROFILE": "ci",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(step["config"].resolve()),
    }
    captured = capsys.readouterr()
    assert captured.out == ""  # no ::add-mask::, nothing to mask
    assert "wrote profile ci" in captured.err and "(no secret)" in captured.err
    profile = botocore.session.Session(profile="ci").get_scoped_config()
    assert profile["region"] == "eu-west-1"
    argv = shlex.split(profile["credential_process"])
    assert argv[:4] == [sys.executable, "-m", "boto_session_manager.cli", "credential-process"]
    assert argv[4:] == [
        "--source", "github-oidc", "--role-arn", ROLE_ARN, "--audience", "sts.amazonaws.com",
        "--duration-seconds", "3600", "--region", "eu-west-1",
    ]  # fmt: skip
    assert local_sts.calls[EXCHANGE] == 1 and len(list(step["cache"].glob("*.json"))) == 1


def test_a_later_step_gets_refreshable_credentials_from_the_cache(
    step: dict[str, Path],
    local_sts: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """botocore, given only what GITHUB_ENV holds, resolves refreshable process credentials
    and calls STS with them; the step's exchange is the only one."""
    assert main(["-q", "--region", "us-east-1", "github-env", "--profile", "ci"]) == 0
    for name, value in exported(step["github_env"]).items():
        monkeypatch.setenv(name, value)
    session = botocore.session.Session()
    credentials = session.get_credentials()
    assert isinstance(credentials, RefreshableCredentials)
    assert credentials.method == "custom-process"
    sts = session.create_client("sts", region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == "123456789012"
    assert local_sts.calls[EXCHANGE] == 1


def test_updates_the_profile_in_place(step: dict[str, Path]) -> None:
    """Run twice, with other profiles and comments around: one profile, the rest kept."""
    step["config"].parent.mkdir()
    step["config"].write_text("# mine\n[profile other]\nregion = x\n\n[profile ci]\nrole_arn = r\n")
    for region in ("us-east-1", "us-west-2"):
        assert main(["-q", "--region", region, "github-env", "--profile", "ci"]) == 0
    text = step["config"].read_text()
    assert text.startswith("# mine\n[profile other]\nregion = x\n\n[profile ci]\n")
    assert text.count("[profile ci]") == 1 and "role_arn" not in text
    assert "region = us-west-2" in text


def test_static_keys_of_an_earlier_step_are_switched_off(
    step: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keys a plain `bsm github-env` exported would win over the profile: set to empty."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEARLIER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "earlier-secret")
    assert main(["github-env", "--profile", "ci"]) == 0
    env = exported(step["github_env"])
    assert env["AWS_ACCESS_KEY_ID"] == "" and env["AWS_SECRET_ACCESS_KEY"] == ""
    err = capsys.readouterr().err
    assert "cleared AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY" in err
    assert_no_secrets({"secret": "earlier-secret"}, {"stderr": err})


def test_dotenv_profile_uses_the_absolute_path(
    step: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .env profile names the file by its absolute path (later steps run elsewhere)."""
    (tmp_path / ".env").write_text(
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=s\n"
        "AWS_ENDPOINT_URL=http://127.0.0.1:9\n"
    )
    argv = ["-q", "--source", "dotenv", "--region", "us-east-1", "github-env", "--profile", "d"]
    assert main(argv) == 0
    command = botocore.session.Session(profile="d").get_scoped_config()["credential_process"]
    assert shlex.split(command)[-4:] == [
        "--dotenv",
        str(tmp_path / ".env"),
        "--region",
        "us-east-1",
    ]
    assert exported(step["github_env"])["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--source", "default", "github-env", "--profile", "ci"], "default chain"),
        (["github-env", "--profile", "bad name"], "profile name 'bad name'"),
    ],
    ids=["default-chain", "bad-name"],
)
def test_refusals_are_one_line(
    step: dict[str, Path], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Nothing written, one line naming the problem."""
    assert main(["-q", *argv]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert step["github_env"].read_text() == "" and not step["config"].exists()


def test_refuses_outside_github_actions(
    step: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like plain github-env, the profile form runs only inside GitHub Actions."""
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert main(["-q", "github-env", "--profile", "ci"]) == 1
    assert "runs only inside GitHub Actions" in capsys.readouterr().err
    assert not step["config"].exists()


def test_plain_form_exports_fresh_keys_and_caches_them(
    step: dict[str, Path], capsys: pytest.CaptureFixture[str], local_sts: Any
) -> None:
    """Plain `bsm github-env` exchanges even when the cache holds credentials (its keys must
    live the whole session), then caches them: the next process reads what was exported."""
    process = ["credential-process", "--source", "github-oidc"]
    assert main(process) == 0
    cached_before = json.loads(capsys.readouterr().out)["AccessKeyId"]
    assert main(["-q", "--source", "github-oidc", "github-env"]) == 0
    exported_key = exported(step["github_env"])["AWS_ACCESS_KEY_ID"]
    capsys.readouterr()
    assert main(process) == 0
    assert json.loads(capsys.readouterr().out)["AccessKeyId"] == exported_key != cached_before
    assert local_sts.calls[EXCHANGE] == 2
