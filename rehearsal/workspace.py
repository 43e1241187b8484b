"""The job's workspace and runner environment, as clean as a fresh runner's.

The workspace is a copy of the working tree: the files ``git add -A`` would commit (tracked and
untracked, not ignored), in a git repository of their own. So a ``.env``, ``.venv``,
``.nox`` or ``cdk/node_modules`` of the developer's clone is not there, as on GitHub.

The runner environment starts from a few of the machine's variables (``PATH`` without an
active virtual environment, ``HOME`` and its caches, locale, how to reach the package
registries); nothing of the caller's ``AWS_*``, ``GITHUB_*``, ``NOX_*`` or ``BSM_*`` leaks in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from .errors import RehearsalError

__all__ = ["machine_environment", "snapshot_working_tree"]

#: The machine's variables a job sees (a hosted runner has its own values for these): home and
#: caches, locale, and how this machine reaches the package registries (proxies, CA bundles).
_KEPT = (
    "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "TMPDIR",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "PYENV_ROOT",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "NIX_SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "HTTPLIB2_CA_CERTS",
)  # fmt: skip
_KEPT_PREFIXES = ("PIP_", "UV_", "NPM_CONFIG_", "npm_config_")


def machine_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The machine's part of a job's environment; ``PATH`` loses an active virtualenv."""
    env = {
        name: value
        for name, value in environ.items()
        if name in _KEPT or name.startswith(_KEPT_PREFIXES)
    }
    active = environ.get("VIRTUAL_ENV")
    entries = environ.get("PATH", os.defpath).split(os.pathsep)
    if active:
        entries = [e for e in entries if Path(e).resolve() != (Path(active) / "bin").resolve()]
    env["PATH"] = os.pathsep.join(entries)
    return env


def _git(args: list[str], cwd: Path) -> str:
    command = ["git", "-c", "core.hooksPath=/dev/null", *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RehearsalError(
            f"`git {' '.join(args[:3])}` failed in {cwd}: {result.stderr.strip()[:200]}"
        )
    return result.stdout


def snapshot_working_tree(source: Path, destination: Path) -> str:
    """Copy the working tree at ``source`` into ``destination``; return the snapshot's sha."""
    if not (source / ".git").exists():
        raise RehearsalError(f"{source} is not a git working tree: run the rehearsal from a clone")
    listed = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], source)
    destination.mkdir(parents=True, exist_ok=True)
    for name in sorted(set(filter(None, listed.split("\0")))):
        origin = source / name
        if not origin.exists() and not origin.is_symlink():
            continue  # deleted in the working tree
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_symlink():
            target.symlink_to(os.readlink(origin))
        elif origin.is_file():
            shutil.copy2(origin, target)
    _git(["init", "-q", "-b", "main"], destination)
    _git(["add", "-A"], destination)
    _git(
        ["-c", "user.name=rehearsal", "-c", "user.email=rehearsal@localhost",
         "commit", "-q", "--no-verify", "-m", "the working tree, as the rehearsal checks it out"],
        destination,
    )  # fmt: skip
    return _git(["rev-parse", "HEAD"], destination).strip()
