"""``bsm credential-process`` and ``bsm cache``, run in-process through ``cli.main``.

Tokens come from the local GitHub OIDC issuer and exchanges are counted at the local STS
endpoint's wire; the cache lives in a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager.cli import main
from boto_session_manager.credential_cache import CACHE_DIR_VAR, CACHE_VAR
from boto_session_manager.testing import GitHubOidcIssuer, assert_no_secrets

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
EXCHANGE = "AssumeRoleWithWebIdentity"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "cli-secret-EXAMPLE-value"
PROCESS = ["credential-process", "--source", "github-oidc", "--role-arn", ROLE_ARN]


@pytest.fixture
def job(
    github_actions_env: dict[str, str],
    local_sts: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A GitHub Actions job (local issuer, local STS); returns the cache folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VAR, str(cache))
    monkeypatch.delenv(CACHE_VAR, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_sts.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.chdir(tmp_path)
    return cache


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run ``bsm ARGV`` in-process; its stdout as JSON (it must succeed)."""
    assert main(list(argv)) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


class TestOidc:
    def test_prints_version_1_with_expiration(
        self, job: Path, capsys: pytest.CaptureFixture[str], local_sts: Any
    ) -> None:
        """The JSON an AWS profile's credential_process prints, with a UTC Expiration."""
        document = printed(capsys, *PROCESS)
        assert sorted(document) == [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version",
        ]
        assert document["Version"] == 1 and document["Expiration"].endswith("Z")
        assert document["AccessKeyId"].startswith("ASIA")
        assert local_sts.calls[EXCHANGE] == 1

    def test_later_calls_read_the_cache(
        self,
        job: Path,
        capsys: pytest.CaptureFixture[str],
        local_sts: Any,
        github_oidc_issuer: GitHubOidcIssuer,
    ) -> None:
        """Three calls: one token fetch, one exchange, one entry, the same credentials."""
        keys = {printed(capsys, *PROCESS)["AccessKeyId"] for _ in range(3)}
        assert len(keys) == 1
        assert (github_oidc_issuer.tokens_served, local_sts.calls[EXCHANGE]) == (1, 1)
        assert len(list(job.glob("*.json"))) == 1

    def test_warm_path_and_library_share_entries(
        self,
        job: Path,
        capsys: pytest.CaptureFixture[str],
        local_sts: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Credentials a library manager cached are what the command prints, unexchanged."""
        from boto_session_manager import BotoSesManager

        monkeypatch.setenv("AWS_ROLE_ARN", ROLE_ARN)
        bsm = BotoSesManager.from_environment(credential_cache=True)
        key = bsm.get_frozen_credentials().access_key
        document = printed(capsys, "credential-process", "--source", "github-oidc")
        assert document["AccessKeyId"] == key and local_sts.calls[EXCHANGE] == 1

    def test_no_cache_exchanges_each_time_and_writes_nothing(
        self, job: Path, capsys: pytest.CaptureFixture[str], local_sts: Any
    ) -> None:
        """--no-cache: every call is an exchange and the cache folder is never made."""
        for _ in range(2):
            printed(capsys, *PROCESS, "--no-cache")
        assert local_sts.calls[EXCHANGE] == 2 and not job.exists()

    def test_variable_off_wins_for_the_commands_too(
        self,
        job: Path,
        capsys: pytest.CaptureFixture[str],
        local_sts: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """BSM_CREDENTIAL_CACHE=0 set explicitly turns the commands' cache off."""
        monkeypatch.setenv(CACHE_VAR, "0")
        for _ in range(2):
            printed(capsys, *PROCESS)
        assert local_sts.calls[EXCHANGE] == 2 and not job.exists()

    def test_no_log_line_and_no_secret_on_stderr(
        self, job: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """stderr stays empty on success: SDKs show it only when the command fails."""
        assert main(PROCESS) == 0
        captured = capsys.readouterr()
        assert captured.err == ""
        document = json.loads(captured.out)
        assert_no_secrets(
            {"secret": document["SecretAccessKey"], "token": document["SessionToken"]},
            {"stderr": captured.err},
        )


def test_warm_path_imports_no_botocore(job: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """From a warm cache the command answers without importing botocore or boto3."""
    printed(capsys, *PROCESS)  # fills the cache (this process imports botocore: not measured)
    code = (
        "import sys; from boto_session_manager.cli import main; rc = main(sys.argv[1:]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')),"
        " file=sys.stderr); sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *PROCESS],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stderr.strip() == "[]"
    assert json.loads(result.stdout)["Version"] == 1


def test_names_the_warm_path_copies_stay_equal() -> None:
    """The variable names the warm path spells out are those the library defines."""
    from boto_session_manager.cli import credential_process as warm
    from boto_session_manager.credentials import github_token, selection

    assert (warm.REQUEST_URL_VAR, warm.REQUEST_TOKEN_VAR) == (
        github_token.REQUEST_URL_VAR,
        github_token.REQUEST_TOKEN_VAR,
    )
    assert (warm.ROLE_ARN_VAR, warm.SOURCE_VAR) == (selection.ROLE_ARN_VAR, selection.SOURCE_VAR)


class TestOtherSources:
    def test_dotenv_key_is_printed_never_cached(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A .env key: Version 1 without Expiration (it does not expire), and no cache file."""
        monkeypatch.setenv(CACHE_DIR_VAR, str(tmp_path / "cache"))
        dotenv = tmp_path / "keys.env"
        dotenv.write_text(f"AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
        document = printed(
            capsys, "credential-process", "--source", "dotenv", "--dotenv", str(dotenv)
        )
        assert document == {"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}
        assert not (tmp_path / "cache").exists()

    def test_default_chain_is_refused(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The default chain is what the calling SDK has already: one line says what to pass."""
        monkeypatch.chdir(tmp_path)
        assert main(["credential-process", "--source", "default"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "--source github-oidc or --source dotenv" in lines[0]


def test_cache_dir_and_clear(job: Path, capsys: pytest.CaptureFixture[str], local_sts: Any) -> None:
    """`bsm cache dir` prints the folder; `bsm cache clear` empties it; the next call exchanges."""
    assert main(["cache", "dir"]) == 0
    assert capsys.readouterr().out.strip() == str(job)
    printed(capsys, *PROCESS)
    assert main(["cache", "clear"]) == 0
    assert "removed 2 file(s)" in capsys.readouterr().err  # the entry and its lock
    assert list(job.iterdir()) == []
    printed(capsys, *PROCESS)
    assert local_sts.calls[EXCHANGE] == 2
