"""Adopted elsewhere: in a clone whose origin is another GitHub repository, `nox -s synth`
pins the CI role to that repository with no file edited, once with GitHub's API (a local
stand-in) reporting the immutable form, once with the API out of reach.

The first runs ``python -m cdk.deploy synth`` in the clone, as ``nox -s synth`` does; the
second calls the same ``synth()`` in this process, where the CDK's node runtime is already up
(a subprocess pays seconds to start it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import FakeGitHub  # tests/cdk/conftest.py

PROJECT_DIR = Path(__file__).resolve().parents[2]
ORIGIN = "git@github.com:someone/their-project.git"
SUB = "token.actions.githubusercontent.com:sub"


def _clone(tmp_path: Path, origin: str = ORIGIN) -> Path:
    """The project's CDK app in a fresh git repository whose origin is someone else's."""
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "cdk.context.json")
    shutil.copytree(PROJECT_DIR / "cdk", clone / "cdk", ignore=ignore)
    shutil.copy(PROJECT_DIR / ".gitignore", clone / ".gitignore")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=clone, check=True)
    subprocess.run([*git, "add", "-A"], cwd=clone, check=True)
    subprocess.run([*git, "commit", "-qm", "their copy"], cwd=clone, check=True)
    subprocess.run([*git, "remote", "add", "origin", origin], cwd=clone, check=True)
    return clone


def _environ(api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BSM_"))}
    env.update({"GITHUB_API_URL": api_url, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
    return env


def _synth(clone: Path, api_url: str) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "cdk.deploy", "synth"],
        cwd=clone,
        env=_environ(api_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result, _trusted_subs(clone)


def _trusted_subs(clone: Path) -> list[Any]:
    [template] = (clone / "cdk.out").glob("*.template.json")
    roles = json.loads(template.read_text())["Resources"].values()
    patterns = [
        statement["Condition"]["StringLike"][SUB]
        for role in roles
        if role["Type"] == "AWS::IAM::Role"
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    ]
    return patterns


def _changed(clone: Path) -> list[str]:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True
    )
    return status.stdout.splitlines()


def test_immutable_form_from_the_api(tmp_path: Path, github: FakeGitHub) -> None:
    """The API says immutable: the role trusts repo:someone@11/their-project@22:* only."""
    github.serve_repository(
        "someone/their-project", owner_id=11, repository_id=22,
        customization={"use_default": True, "use_immutable_subject": True},
    )  # fmt: skip
    clone = _clone(tmp_path)
    result, patterns = _synth(clone, github.url)
    assert patterns == [["repo:someone@11/their-project@22:*"]]
    assert f"GitHub repository someone/their-project (from the origin remote ({ORIGIN}))" in (
        result.stdout
    )
    assert _changed(clone) == ["?? cdk/cdk.context.json"]  # only CDK's lookup cache
    cached = json.loads((clone / "cdk" / "cdk.context.json").read_text())
    assert cached["github-oidc-subject:repository=someone/their-project"]["ownerId"] == 11


def test_api_out_of_reach(tmp_path: Path) -> None:
    """No API: the role trusts the name form of that repository, and the log says how to add
    the ids; no file changes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    clone = _clone(tmp_path)
    from cdk.deploy import synth

    messages: list[str] = []
    synth(project_dir=clone, environ=_environ(closed), log=messages.append)
    said = "\n".join(messages)
    assert _trusted_subs(clone) == [["repo:someone/their-project:*"]]
    assert "WARNING: cannot reach GitHub's API" in said
    assert "-c githubOwnerId=OWNER_ID -c githubRepositoryId=REPO_ID" in said
    assert f"GitHub repository someone/their-project (from the origin remote ({ORIGIN}))" in said
    assert _changed(clone) == []


def test_a_remote_elsewhere_is_named_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An origin off github.com: synth fails naming the context keys and the command that
    takes them; with ``-c`` on that command line, it pins the role to the named repository."""
    from cdk.deploy import main

    clone = _clone(tmp_path, origin="https://gitlab.example.com/someone/their-project.git")
    environ = _environ("http://127.0.0.1:9")  # the API is out of reach: the name form
    assert main(["synth"], environ=environ, project_dir=clone) == 1
    error = capsys.readouterr().err
    assert "is not a repository on github.com" in error
    assert "nox -s synth -- -c githubOwner=OWNER -c githubRepository=REPO" in error
    named = ["-c", "githubOwner=someone", "-c", "githubRepository=their-project"]
    assert main(["synth", *named], environ=environ, project_dir=clone) == 0
    assert _trusted_subs(clone) == [["repo:someone/their-project:*"]]
    assert _changed(clone) == []
