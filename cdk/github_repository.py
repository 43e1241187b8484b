"""Which GitHub repository the CI role trusts: found, not typed in.

The first source that answers wins:

1. CDK context ``githubOwner`` and ``githubRepository`` (``cdk/cdk.json`` or ``-c``);
2. ``GITHUB_REPOSITORY`` inside GitHub Actions (``GITHUB_ACTIONS=true``);
3. the ``origin`` remote of the clone: ``https://github.com/OWNER/REPO(.git)``,
   ``ssh://git@github.com/OWNER/REPO(.git)`` or ``git@github.com:OWNER/REPO(.git)``.

A remote elsewhere than github.com is an error that names the context keys. No network call.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ContextError

__all__ = [
    "OWNER_CONTEXT_KEY",
    "REPOSITORY_CONTEXT_KEY",
    "STAND_IN_REPOSITORY",
    "GitHubRepository",
    "find_repository",
    "parse_github_remote",
    "repository_or_stand_in",
]

#: What the integration tests and the rehearsal use in a clone that names no GitHub repository.
STAND_IN_REPOSITORY = "octo-org/octo-repo"

OWNER_CONTEXT_KEY = "githubOwner"
REPOSITORY_CONTEXT_KEY = "githubRepository"
#: GitHub owner and repository names: letters, digits, '-', '_', '.'; never a wildcard.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_GITHUB_HOSTS = ("github.com", "www.github.com")
_SCP_RE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^/\s][^\s]*)$")
_HOW_TO_NAME = (
    f"set {OWNER_CONTEXT_KEY} and {REPOSITORY_CONTEXT_KEY} in the context of cdk/cdk.json, "
    f"or pass them: `nox -s synth -- -c {OWNER_CONTEXT_KEY}=OWNER -c "
    f"{REPOSITORY_CONTEXT_KEY}=REPO` (the same after `nox -s deploy -- local` or `-- aws`)"
)


@dataclass(frozen=True)
class GitHubRepository:
    """A repository on github.com and where its name came from."""

    owner: str
    name: str
    #: For the log: "CDK context", "GITHUB_REPOSITORY", "the origin remote (URL)".
    source: str

    def __post_init__(self) -> None:
        for label, value in (("owner", self.owner), ("repository", self.name)):
            if not NAME_RE.match(value):
                raise ContextError(
                    f"GitHub {label} {value!r} (from {self.source}) is not a plain GitHub name "
                    "(letters, digits, '-', '_', '.'; no wildcard): " + _HOW_TO_NAME
                )

    @property
    def full_name(self) -> str:
        """``OWNER/REPO``."""
        return f"{self.owner}/{self.name}"


def _without_user_info(url: str) -> str:
    """The URL as it may be shown: no user name, password or token."""
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
    return url


def parse_github_remote(url: str) -> tuple[str, str] | None:
    """``(owner, repo)`` of a github.com remote URL, or ``None`` for any other host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("https", "http", "ssh", "git", "git+ssh", "ssh+git"):
        host, path = (parts.hostname or "").lower(), parts.path
    else:
        scp = _SCP_RE.match(url)
        if scp is None:
            return None
        host, path = scp["host"].lower(), scp["path"]
    if host not in _GITHUB_HOSTS:
        return None
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) != 2:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    return (owner, repo) if NAME_RE.match(owner) and NAME_RE.match(repo) else None


def _origin_url(cwd: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def find_repository(
    context: Mapping[str, Any], environ: Mapping[str, str], *, cwd: Path
) -> GitHubRepository:
    """The repository the CI role trusts (see the module's docstring for the order)."""
    owner, name = context.get(OWNER_CONTEXT_KEY), context.get(REPOSITORY_CONTEXT_KEY)
    if owner or name:
        if not (owner and name):
            raise ContextError(
                f"CDK context names only one of {OWNER_CONTEXT_KEY} and "
                f"{REPOSITORY_CONTEXT_KEY}: give both, or neither to find the repository"
            )
        return GitHubRepository(str(owner), str(name), "CDK context")
    if environ.get("GITHUB_ACTIONS") == "true" and environ.get("GITHUB_REPOSITORY"):
        owner, _, name = environ["GITHUB_REPOSITORY"].partition("/")
        return GitHubRepository(owner, name, "GITHUB_REPOSITORY")
    url = _origin_url(cwd)
    if url is None:
        raise ContextError(
            f"cannot tell which GitHub repository the CI role trusts: not inside GitHub Actions "
            f"and {cwd} has no `origin` remote; " + _HOW_TO_NAME
        )
    shown = _without_user_info(url)
    found = parse_github_remote(url)
    if found is None:
        raise ContextError(
            f"the origin remote {shown} is not a repository on github.com, so it cannot tell "
            "which repository the CI role trusts; " + _HOW_TO_NAME
        )
    return GitHubRepository(found[0], found[1], f"the origin remote ({shown})")


def repository_or_stand_in(project_dir: Path, environ: Mapping[str, str]) -> tuple[str, str]:
    """``(OWNER/REPO, where it came from)``: found as ``nox -s deploy`` finds it (context of
    ``cdk/cdk.json``, the environment, the clone's remote), or :data:`STAND_IN_REPOSITORY`."""
    try:
        cdk_json = json.loads((project_dir / "cdk" / "cdk.json").read_text(encoding="utf-8"))
        found = find_repository(cdk_json.get("context") or {}, environ, cwd=project_dir)
    except ContextError:
        return STAND_IN_REPOSITORY, "a stand-in: this clone names no GitHub repository"
    return found.full_name, found.source
