"""Long jobs, many processes: one STS exchange per credential lifetime, never an expired key.

Every process here is a real ``bsm`` (or a Python using boto3) started the way a workflow
step starts it; the local GitHub OIDC issuer mints the tokens and counts them, and the local
AWS emulator judges the exchange behind a proxy that counts STS requests at the wire. The
role (``oidc_role``, made for this module) is trusted like the CI role, so these tests run on
the local emulator.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager.refresh_windows import refresh_margin
from boto_session_manager.testing import (
    GitHubOidcIssuer,
    GitHubRunContext,
    assert_no_secrets,
    redact,
)

from .conftest import ROLE_REPOSITORY, OidcRole

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws

EXCHANGE = "AssumeRoleWithWebIdentity"
PROCESSES = 8
Completed = subprocess.CompletedProcess[str]
#: A later step's program: what boto3 resolved, and who STS says it is.
BOTO3_STEP = """
import json
import boto3
from botocore.credentials import RefreshableCredentials
session = boto3.Session()
credentials = session.get_credentials()
print(json.dumps({
    "method": credentials.method,
    "refreshable": isinstance(credentials, RefreshableCredentials),
    "arn": session.client("sts").get_caller_identity()["Arn"],
}))
"""


@dataclass(frozen=True)
class Job:
    """One simulated GitHub Actions job: its variables, its folders, its counters."""

    role_arn: str
    issuer: GitHubOidcIssuer
    proxy: Any
    root: Path
    #: What every step of the job has: runner variables, the job's env, the user's folders.
    env: dict[str, str]

    @property
    def cache_dir(self) -> Path:
        """Where the user's cache folder is (XDG_CACHE_HOME points into the job's root)."""
        return self.root / "xdg-cache" / "boto_session_manager" / "credentials"

    def bsm(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``bsm ARGS`` as a step would."""
        return subprocess.run(
            [sys.executable, "-m", "boto_session_manager.cli", *args],
            env=env or self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def secrets(self) -> dict[str, str]:
        """The secrets of the cached credentials (to look for them where they must not be)."""
        found = {}
        for number, path in enumerate(sorted(self.cache_dir.glob("*.json"))):
            document = json.loads(path.read_text())
            found[f"secret {number}"] = document["SecretAccessKey"]
            found[f"token {number}"] = document["SessionToken"]
        return found


@pytest.fixture
def job(
    oidc_role: OidcRole,
    local_emulator: LocalAws,
    github_oidc_issuer: GitHubOidcIssuer,
    sts_proxy: Callable[..., Any],
    scratch_dir: Path,
) -> Job:
    """A job of the trusted repository, its STS requests counted by a proxy."""
    github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
    ca_bundle = str(local_emulator.ca_bundle) if local_emulator.ca_bundle else None
    proxy = sts_proxy(local_emulator.endpoint_url, ca_bundle)
    prefixes = ("AWS_", "GITHUB_", "ACTIONS_", "BSM_", "RUNNER_", "XDG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(github_oidc_issuer.environ(runner_temp=scratch_dir))
    env.update(
        {
            "AWS_ROLE_ARN": oidc_role.arn,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": proxy.url,
            "AWS_SHARED_CREDENTIALS_FILE": str(scratch_dir / "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_CACHE_HOME": str(scratch_dir / "xdg-cache"),
        }
    )
    return Job(oidc_role.arn, github_oidc_issuer, proxy, scratch_dir, env)


def process_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The credential_process JSON a run printed (its output redacted if it failed)."""
    if result.returncode != 0:
        pytest.fail(f"exit {result.returncode}: {result.stderr[-2000:]}")
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_eight_processes_at_once_make_one_exchange(job: Job) -> None:
    """Eight `bsm credential-process` started together: 1 token fetch at the issuer, 1
    AssumeRoleWithWebIdentity at the STS wire, the same credentials for all."""
    go = job.root / "go"
    starter = (
        "import os, sys, time\n"
        "from boto_session_manager.cli import main\n"
        "open(sys.argv[1], 'w').close()\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.002)\n"
        "sys.exit(main(sys.argv[2:]))\n"
    )
    argv = ["credential-process", "--source", "github-oidc"]
    readies = [job.root / f"ready-{n}" for n in range(PROCESSES)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", starter, str(ready), *argv],
            env=job.env,
            cwd=job.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in readies) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()  # all eight have imported and now race for the first credentials
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    results = [
        subprocess.CompletedProcess(p.args, p.returncode, out, err)
        for p, (out, err) in zip(processes, outputs, strict=True)
    ]
    keys = {process_json(result)["AccessKeyId"] for result in results}
    assert len(keys) == 1
    assert job.issuer.tokens_served == 1
    assert job.proxy.calls[EXCHANGE] == 1


def test_cached_credentials_inside_the_margin_are_replaced(job: Job) -> None:
    """A process finding the cached credentials with no more than the refresh margin left
    exchanges again and stores the new ones; the next process reads those."""
    first = process_json(job.bsm("credential-process", "--source", "github-oidc"))
    (entry,) = job.cache_dir.glob("*.json")
    aged = dict(first)  # the same credentials, as if 46 minutes had passed
    now = datetime.now(timezone.utc)
    aged["Expiration"] = (now + timedelta(seconds=refresh_margin(3600) - 60)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    entry.write_text(json.dumps(aged))
    second = process_json(job.bsm("credential-process", "--source", "github-oidc"))
    third = process_json(job.bsm("credential-process", "--source", "github-oidc"))
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert third["AccessKeyId"] == second["AccessKeyId"]
    left = datetime.fromisoformat(second["Expiration"].replace("Z", "+00:00")) - now
    assert left > timedelta(seconds=refresh_margin(3600))
    assert (job.issuer.tokens_served, job.proxy.calls[EXCHANGE]) == (2, 2)


def test_github_env_profile_gives_later_steps_refreshable_credentials(job: Job) -> None:
    """After `bsm github-env --profile ci`, a new process with only what $GITHUB_ENV holds
    (besides the job's own variables) calls STS, with refreshable credentials from
    credential_process; GITHUB_ENV and the log hold no secret; one exchange in all."""
    github_env = job.root / "github_env"
    github_env.write_text("")
    config = job.root / "aws-config"
    step = {**job.env, "GITHUB_ENV": str(github_env), "AWS_CONFIG_FILE": str(config)}
    result = job.bsm("github-env", "--profile", "ci", env=step)
    assert result.returncode == 0, redact(result.stderr, job.secrets().values())
    exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
    assert set(exported) == {"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE"}
    assert_no_secrets(
        job.secrets(),
        {"GITHUB_ENV": github_env.read_text(), "stdout": result.stdout, "stderr": result.stderr},
    )
    later = subprocess.run(
        [sys.executable, "-c", BOTO3_STEP],
        env={**job.env, **exported},
        cwd=job.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert later.returncode == 0, redact(later.stderr, job.secrets().values())
    seen = json.loads(later.stdout)
    assert (seen["method"], seen["refreshable"]) == ("custom-process", True)
    assert f":assumed-role/{job.role_arn.split('/')[-1]}/" in seen["arn"]
    assert (job.issuer.tokens_served, job.proxy.calls[EXCHANGE]) == (1, 1)


def test_exec_child_holds_refreshable_credentials(job: Job) -> None:
    """The child of `bsm exec` resolves refreshable container credentials and calls STS."""
    result = job.bsm("exec", "--", sys.executable, "-c", BOTO3_STEP)
    assert result.returncode == 0, redact(result.stderr, job.secrets().values())
    seen = json.loads(result.stdout)
    assert (seen["method"], seen["refreshable"]) == ("container-role", True)
    assert f":assumed-role/{job.role_arn.split('/')[-1]}/" in seen["arn"]
    assert job.proxy.calls[EXCHANGE] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_every_file_holding_a_secret_is_private(job: Job) -> None:
    """After a job's worth of commands, every file under the job's folders that holds a
    secret key or session token has mode 0600, in a cache folder of mode 0700: the cache
    entries, and nothing else (not GITHUB_ENV, not the AWS config file)."""
    github_env = job.root / "github_env"
    step = {
        **job.env,
        "GITHUB_ENV": str(github_env),
        "AWS_CONFIG_FILE": str(job.root / "aws-config"),
    }
    assert job.bsm("-q", "github-env", "--profile", "ci", env=step).returncode == 0
    assert job.bsm("-q", "exec", "--", sys.executable, "-c", "pass").returncode == 0
    process_json(job.bsm("credential-process", "--source", "github-oidc"))
    secrets = job.secrets()
    assert secrets and stat.S_IMODE(job.cache_dir.stat().st_mode) == 0o700
    holding = []
    for path in sorted(p for p in job.root.rglob("*") if p.is_file()):
        content = path.read_text(errors="replace")
        if any(value in content for value in secrets.values()):
            holding.append(path)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert holding == sorted(job.cache_dir.glob("*.json"))
    for lock in job.cache_dir.glob("*.lock"):
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
