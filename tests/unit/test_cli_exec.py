"""``bsm exec``: what the child's SDK resolves, per source; signals; clean-up.

The children are real Python processes using botocore; the parent runs in-process through
``cli.main`` where it can, and as a subprocess where a signal must reach it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from boto_session_manager.cli import main
from boto_session_manager.credential_cache import CACHE_DIR_VAR, CACHE_VAR
from boto_session_manager.testing import assert_no_secrets

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
EXCHANGE = "AssumeRoleWithWebIdentity"
#: The child: what its botocore resolves, and an STS call with it, as one JSON line.
CHILD = """
import json, os, sys
import botocore.session
session = botocore.session.Session()
credentials = session.get_credentials()
account = session.create_client("sts").get_caller_identity()["Account"]
print(json.dumps({
    "method": credentials.method,
    "class": type(credentials).__name__,
    "key": credentials.get_frozen_credentials().access_key,
    "account": account,
    "uri": os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    "profile": os.environ.get("AWS_PROFILE"),
    "region": os.environ.get("AWS_REGION"),
}))
sys.exit(7)
"""


@pytest.fixture
def job(
    github_actions_env: dict[str, str],
    local_sts: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A GitHub Actions job on the local issuer and local STS endpoint; the cache folder."""
    monkeypatch.setenv(CACHE_DIR_VAR, str(tmp_path / "cache"))
    monkeypatch.delenv(CACHE_VAR, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_sts.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE_ARN)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "cache"


def run_child(capfd: pytest.CaptureFixture[str], *options: str) -> tuple[int, dict[str, Any], str]:
    """``bsm [OPTIONS] exec -- python CHILD`` in-process: status, the child's report, stderr."""
    status = main([*options, "exec", "--", sys.executable, "-c", CHILD])
    captured = capfd.readouterr()
    lines = captured.out.strip().splitlines()
    return status, json.loads(lines[-1]) if lines else {}, captured.err


def test_oidc_child_holds_refreshable_credentials(
    job: Path, capfd: pytest.CaptureFixture[str], local_sts: Any
) -> None:
    """The child's botocore gets refreshable container credentials from the parent and calls
    STS with them; its exit status is bsm's; the endpoint is gone afterwards."""
    status, child, _err = run_child(capfd)
    assert status == 7
    assert (child["method"], child["class"]) == ("container-role", "RefreshableCredentials")
    assert child["account"] == "123456789012" and child["region"] == "us-east-1"
    assert local_sts.calls[EXCHANGE] == 1
    with pytest.raises(requests.ConnectionError):
        requests.get(child["uri"], timeout=2)


def test_static_keys_are_dropped(
    job: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Static keys in bsm's environment do not reach the child, where they would win (the
    other variables dropped are listed in test_container_credentials)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASHADOW")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "shadow-secret")
    _status, child, err = run_child(capfd, "--source", "github-oidc")
    assert child, err
    assert child["method"] == "container-role" and child["key"] != "AKIASHADOW"


def test_a_credentialed_default_profile_gets_a_copy_and_a_warning(
    job: Path, capfd: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials in the default profile would win over the endpoint: the child gets the
    OIDC credentials in its environment instead, and stderr says until when they last."""
    shared = tmp_path / "credentials"
    shared.write_text("[default]\naws_access_key_id = AKIAPERSONAL\naws_secret_access_key = p\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    _status, child, err = run_child(capfd)
    assert child["method"] == "env" and child["key"].startswith("ASIA")
    assert f"[default] in {shared} has credentials of its own" in err and "valid until" in err


def test_dotenv_key_goes_in_the_environment(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    local_sts: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A .env key never expires: the child gets it as environment variables."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=dotenv-secret\n"
        f"AWS_ENDPOINT_URL={local_sts.url}\n"
    )
    status, child, err = run_child(capfd, "--region", "us-east-1")
    assert status == 7 and (child["method"], child["key"]) == ("env", "AKIAIOSFODNN7EXAMPLE")
    assert_no_secrets({"secret": "dotenv-secret"}, {"stderr": err})


def test_default_chain_child_resolves_its_own(
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    local_sts: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default chain: the child keeps AWS_PROFILE and resolves the same (refreshing)
    chain itself; the region is handed on."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config"
    config.write_text(
        "[profile dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_sts.url)
    status, child, _err = run_child(capfd, "--source", "default", "--region", "eu-west-1")
    assert status == 7 and child["profile"] == "dev" and child["region"] == "eu-west-1"
    assert child["method"] == "config-file"


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["exec"], "nothing to run"), (["exec", "--", "no-such-command-bsm"], "command not found")],
)
def test_usage_errors(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    """No command, or one that does not exist: one line saying so."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("AWS_ACCESS_KEY_ID=AKIAX\nAWS_SECRET_ACCESS_KEY=s\n")
    assert main(["-q", *argv]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_reach_the_child_and_its_status_comes_back(
    job: Path, tmp_path: Path, signum: int
) -> None:
    """A signal sent to bsm reaches the child once; bsm exits with the child's status (the
    child exits 40 + the number of signals it saw) and its endpoint stops."""
    ready, report = tmp_path / "ready", tmp_path / "report"
    child = (
        "import os, signal, sys, time\n"
        "seen = []\n"
        "def handler(n, f): seen.append(n)\n"
        f"signal.signal({int(signum)}, handler)\n"
        f"open({str(ready)!r}, 'w').write(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'])\n"
        "deadline = time.monotonic() + 30\n"
        "while not seen and time.monotonic() < deadline: time.sleep(0.01)\n"
        "time.sleep(0.2)\n"
        f"open({str(report)!r}, 'w').write(str(len(seen)))\n"
        "sys.exit(40 + len(seen))\n"
    )
    bsm = subprocess.Popen(
        [sys.executable, "-m", "boto_session_manager.cli", "-q", "exec", "--",
         sys.executable, "-c", child],
        env=dict(os.environ),
        start_new_session=True,  # no controlling terminal: the signal comes from us only
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline and bsm.poll() is None:
            time.sleep(0.02)
        assert ready.exists(), "the child did not start"
        bsm.send_signal(signum)
        assert bsm.wait(timeout=60) == 41
    finally:
        if bsm.poll() is None:
            bsm.kill()
    assert report.read_text() == "1"
    with pytest.raises(requests.ConnectionError):
        requests.get(ready.read_text(), timeout=2)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_child_killed_by_a_signal_gives_128_plus_n(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shell's convention: a child ended by signal N makes bsm exit 128 + N."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("AWS_ACCESS_KEY_ID=AKIAX\nAWS_SECRET_ACCESS_KEY=s\n")
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert main(["-q", "--region", "us-east-1", "exec", "--", sys.executable, "-c", code]) == 143
