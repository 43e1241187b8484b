"""The job's workspace and starting environment are as clean as a fresh runner's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rehearsal.workspace import machine_environment, snapshot_working_tree


def git(cwd: Path, *args: str) -> None:
    """Run git quietly in ``cwd``."""
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_snapshot_holds_what_git_would_commit(tmp_path: Path) -> None:
    """Tracked and new files are copied with their modes; ignored and deleted ones are not."""
    source = tmp_path / "clone"
    source.mkdir()
    git(source, "init", "-q")
    (source / ".gitignore").write_text(".env\n.venv/\n")
    (source / "kept.py").write_text("x = 1\n")
    (source / "gone.py").write_text("y = 2\n")
    (source / "run").write_text("#!/bin/sh\n")
    (source / "run").chmod(0o755)
    git(source, "add", "-A")
    git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    (source / "gone.py").unlink()
    (source / "new.py").write_text("z = 3\n")
    (source / "kept.py").write_text("x = 'edited'\n")
    (source / ".env").write_text("AWS_SECRET_ACCESS_KEY=not-for-ci\n")
    (source / ".venv").mkdir()
    (source / ".venv" / "big").write_text("")

    workspace = tmp_path / "work"
    sha = snapshot_working_tree(source, workspace)

    assert len(sha) == 40
    assert (workspace / "kept.py").read_text() == "x = 'edited'\n"
    assert (workspace / "new.py").exists() and not (workspace / "gone.py").exists()
    assert not (workspace / ".env").exists() and not (workspace / ".venv").exists()
    assert (workspace / "run").stat().st_mode & 0o111
    assert (workspace / ".git").is_dir()


def test_the_environment_keeps_registry_settings_and_drops_the_callers_identity() -> None:
    """CA bundles, proxies and pip/uv/npm settings stay; AWS, GitHub and nox settings go."""
    environ = {
        "HOME": "/home/dev",
        "PATH": "/work/.venv/bin:/usr/bin",
        "VIRTUAL_ENV": "/work/.venv",
        "NODE_EXTRA_CA_CERTS": "/ca.pem",
        "PIP_INDEX_URL": "https://mirror/simple",
        "UV_CACHE_DIR": "/cache/uv",
        "AWS_PROFILE": "admin",
        "AWS_SECRET_ACCESS_KEY": "not-for-ci",
        "GITHUB_TOKEN": "ghp-not-for-ci",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "http://x",
        "NOX_DEFAULT_VENV_BACKEND": "conda",
        "BSM_TEST_AWS": "local",
        "CI": "true",
    }
    env = machine_environment(environ)
    assert env == {
        "HOME": "/home/dev",
        "PATH": "/usr/bin",
        "NODE_EXTRA_CA_CERTS": "/ca.pem",
        "PIP_INDEX_URL": "https://mirror/simple",
        "UV_CACHE_DIR": "/cache/uv",
    }
