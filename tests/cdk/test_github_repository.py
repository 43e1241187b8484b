"""The repository the CI role trusts is found: CDK context, GITHUB_REPOSITORY in Actions, origin."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cdk.errors import ContextError
from cdk.github_repository import find_repository, parse_github_remote


def _clone_with_origin(tmp_path: Path, url: str | None) -> Path:
    """A git work tree whose origin is ``url`` (none when ``url`` is None)."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if url is not None:
        subprocess.run(["git", "remote", "add", "origin", url], cwd=tmp_path, check=True)
    return tmp_path


class TestRemoteForms:
    @pytest.mark.parametrize(
        "url",
        [
            "https://github.com/someone/their-project",
            "https://github.com/someone/their-project.git",
            "https://github.com/someone/their-project/",
            "http://www.github.com/someone/their-project.git",
            "ssh://git@github.com/someone/their-project.git",
            "ssh://git@github.com:22/someone/their-project",
            "git@github.com:someone/their-project.git",
            "git@github.com:someone/their-project",
            "github.com:someone/their-project.git",
            "https://x-access-token:ghs_abc@github.com/someone/their-project.git",
        ],
    )
    def test_github_forms(self, url: str) -> None:
        """https, ssh and scp-like remotes, with or without .git, give owner and name."""
        assert parse_github_remote(url) == ("someone", "their-project")

    @pytest.mark.parametrize(
        "url",
        [
            "https://gitlab.com/someone/their-project.git",
            "git@gitlab.com:someone/their-project.git",
            "https://github.example.com/someone/their-project.git",
            "/srv/git/their-project.git",
            "file:///srv/git/their-project.git",
            "https://github.com/someone",
            "https://github.com/someone/their-project/tree/main",
            "https://github.com/some*/their-project",
        ],
    )
    def test_other_hosts_and_shapes_are_not_github(self, url: str) -> None:
        """Other hosts, local paths and URLs that are not OWNER/REPO give no repository."""
        assert parse_github_remote(url) is None


class TestOrder:
    def test_context_wins(self, tmp_path: Path) -> None:
        """CDK context names the repository even inside Actions and in a GitHub clone."""
        clone = _clone_with_origin(tmp_path, "git@github.com:from/origin.git")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "from/actions"}
        found = find_repository(
            {"githubOwner": "from", "githubRepository": "context"}, env, cwd=clone
        )
        assert (found.full_name, found.source) == ("from/context", "CDK context")

    def test_actions_variable_next(self, tmp_path: Path) -> None:
        """Inside Actions, GITHUB_REPOSITORY wins over the origin remote."""
        clone = _clone_with_origin(tmp_path, "git@github.com:from/origin.git")
        env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "from/actions"}
        found = find_repository({}, env, cwd=clone)
        assert (found.full_name, found.source) == ("from/actions", "GITHUB_REPOSITORY")

    def test_actions_variable_outside_actions_is_ignored(self, tmp_path: Path) -> None:
        """GITHUB_REPOSITORY left in a shell outside Actions does not override the clone."""
        clone = _clone_with_origin(tmp_path, "https://github.com/from/origin")
        found = find_repository({}, {"GITHUB_REPOSITORY": "stale/value"}, cwd=clone)
        assert found.full_name == "from/origin"

    def test_origin_last_and_said_without_credentials(self, tmp_path: Path) -> None:
        """The origin remote is the source the log names, without the token in its URL."""
        clone = _clone_with_origin(tmp_path, "https://user:ghp_secret@github.com/from/origin.git")
        found = find_repository({}, {}, cwd=clone)
        assert found.full_name == "from/origin"
        assert found.source == "the origin remote (https://github.com/from/origin.git)"
        assert "ghp_secret" not in found.source


class TestErrors:
    def test_remote_not_on_github_names_the_context_keys(self, tmp_path: Path) -> None:
        """A GitLab origin is one error that names githubOwner and githubRepository."""
        clone = _clone_with_origin(tmp_path, "https://u:glpat_secret@gitlab.com/a/b.git")
        with pytest.raises(ContextError, match=r"not a repository on github\.com") as error:
            find_repository({}, {}, cwd=clone)
        message = str(error.value)
        assert "githubOwner" in message and "githubRepository" in message
        assert "glpat_secret" not in message and "\n" not in message

    def test_no_origin(self, tmp_path: Path) -> None:
        """A clone without origin (or no git work tree) names the context keys too."""
        clone = _clone_with_origin(tmp_path, None)
        with pytest.raises(ContextError, match=r"no `origin` remote.*-c githubOwner=OWNER"):
            find_repository({}, {}, cwd=clone)

    def test_half_a_name_in_context(self, tmp_path: Path) -> None:
        """Only one of the two context keys is an error, not a fallback."""
        with pytest.raises(ContextError, match=r"only one of githubOwner and githubRepository"):
            find_repository({"githubOwner": "x"}, {}, cwd=tmp_path)

    @pytest.mark.parametrize("owner", ["*", "octo*", "a b", "-x"])
    def test_wildcards_in_names_are_refused(self, tmp_path: Path, owner: str) -> None:
        """A name with a wildcard could widen the trust: refused wherever it comes from."""
        with pytest.raises(ContextError, match="not a plain GitHub name"):
            find_repository({"githubOwner": owner, "githubRepository": "r"}, {}, cwd=tmp_path)
        env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": f"{owner}/r"}
        with pytest.raises(ContextError, match="GITHUB_REPOSITORY"):
            find_repository({}, env, cwd=tmp_path)
