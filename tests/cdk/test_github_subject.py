"""The sub format, asked of a local stand-in for GitHub's REST API and cached like CDK lookups."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager.testing import assert_no_secrets
from cdk.errors import ContextError
from cdk.github_repository import GitHubRepository
from cdk.github_subject import SubjectFormat, cache_key, resolve_subject_format

if TYPE_CHECKING:
    from conftest import FakeGitHub  # tests/cdk/conftest.py

REPO = GitHubRepository("someone", "their-project", "the origin remote")
KEY = cache_key(REPO)
TOKEN = "ghp_local-test-token-not-real"


def _resolve(
    github_url: str,
    tmp_path: Path,
    context: dict[str, Any] | None = None,
    token: str | None = None,
    messages: list[str] | None = None,
    deadline: float = 5.0,
) -> dict[str, Any]:
    return resolve_subject_format(
        REPO,
        context or {},
        context_file=tmp_path / "cdk.context.json",
        api_url=github_url,
        token=token,
        log=(messages if messages is not None else []).append,
        deadline=deadline,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestAnswers:
    def test_immutable_repository(self, github: FakeGitHub, tmp_path: Path) -> None:
        """A repository on the immutable form is cached as such, with both ids."""
        github.serve_repository(
            REPO.full_name, owner_id=11, repository_id=22,
            customization={"use_default": True, "use_immutable_subject": True},
        )  # fmt: skip
        added = _resolve(github.url, tmp_path)
        assert SubjectFormat.from_context(added[KEY], key=KEY) == SubjectFormat(
            owner_id=11, repository_id=22, use_immutable_subject=True
        )

    def test_repository_that_can_still_switch(self, github: FakeGitHub, tmp_path: Path) -> None:
        """Default template, not immutable yet: ids cached, so both forms are trusted."""
        github.serve_repository(REPO.full_name, owner_id=11, repository_id=22)
        added = _resolve(github.url, tmp_path)
        assert added[KEY] == {"ownerId": 11, "repositoryId": 22, "useImmutableSubject": False,
                              "includeClaimKeys": None}  # fmt: skip

    def test_customised_template(self, github: FakeGitHub, tmp_path: Path) -> None:
        """A repository's include_claim_keys is cached as its template."""
        github.serve_repository(
            REPO.full_name, owner_id=11, repository_id=22,
            customization={"use_default": False, "include_claim_keys": ["repo", "context"]},
        )  # fmt: skip
        assert _resolve(github.url, tmp_path)[KEY]["includeClaimKeys"] == ["repo", "context"]

    def test_organisation_template(self, github: FakeGitHub, tmp_path: Path) -> None:
        """A repository that follows its organisation gets the organisation's template."""
        github.serve_repository(
            REPO.full_name, owner_id=11, repository_id=22, customization={"use_default": False}
        )
        github.routes["/orgs/someone/actions/oidc/customization/sub"] = (
            200, {"include_claim_keys": ["repository_owner", "repo", "context"]},
        )  # fmt: skip
        keys = _resolve(github.url, tmp_path)[KEY]["includeClaimKeys"]
        assert keys == ["repository_owner", "repo", "context"]

    def test_token_travels_in_the_header_only(self, github: FakeGitHub, tmp_path: Path) -> None:
        """GITHUB_TOKEN is sent as a bearer token and appears in no message."""
        github.serve_repository(REPO.full_name, owner_id=11, repository_id=22)
        messages: list[str] = []
        _resolve(github.url, tmp_path, token=TOKEN, messages=messages)
        assert {r["headers"].get("Authorization") for r in github.requests} == {f"Bearer {TOKEN}"}
        assert_no_secrets(
            {"GitHub token": TOKEN},
            {"log": "\n".join(messages), "cache": (tmp_path / "cdk.context.json").read_text()},
        )


class TestCache:
    def test_answer_is_cached_and_reused_offline(self, github: FakeGitHub, tmp_path: Path) -> None:
        """The answer goes to cdk.context.json; the next synth reads it without a request."""
        github.serve_repository(REPO.full_name, owner_id=11, repository_id=22)
        (tmp_path / "cdk.context.json").write_text(json.dumps({"other-lookup": 1}))
        added = _resolve(github.url, tmp_path)
        stored = json.loads((tmp_path / "cdk.context.json").read_text())
        assert stored == {"other-lookup": 1, KEY: added[KEY]}  # CDK's own entries kept
        asked = len(github.requests)
        messages: list[str] = []
        assert _resolve(github.url, tmp_path, context=stored, messages=messages) == {}
        assert len(github.requests) == asked
        assert any("cached in cdk.context.json" in m for m in messages)

    def test_explicit_context_wins(self, github: FakeGitHub, tmp_path: Path) -> None:
        """With the ids given as context, GitHub is not asked and nothing is cached."""
        messages: list[str] = []
        context = {"githubOwnerId": 5, "githubRepositoryId": 6}
        assert _resolve(github.url, tmp_path, context=context, messages=messages) == {}
        assert github.requests == []
        assert not (tmp_path / "cdk.context.json").exists()
        assert "from CDK context (githubOwnerId, githubRepositoryId)" in messages[0]

    def test_malformed_cache_entry_is_an_error(self, github: FakeGitHub, tmp_path: Path) -> None:
        """A hand-edited cache entry that makes no sense is refused, naming the key."""
        with pytest.raises(ContextError, match=r"malformed.*delete it"):
            _resolve(github.url, tmp_path, context={KEY: {"ownerId": -1, "repositoryId": 2}})


class TestFallback:
    def test_unreachable_api_falls_back_quickly_with_a_warning(self, tmp_path: Path) -> None:
        """No API: name form, a warning that says how to pass the ids, nothing cached."""
        messages: list[str] = []
        started = time.monotonic()
        added = _resolve(f"http://127.0.0.1:{_closed_port()}", tmp_path, messages=messages)
        assert time.monotonic() - started < 5.0
        assert added == {}
        assert not (tmp_path / "cdk.context.json").exists()
        [warning] = [m for m in messages if m.startswith("WARNING")]
        assert "cannot reach GitHub's API" in warning
        assert "-c githubOwnerId=OWNER_ID -c githubRepositoryId=REPO_ID" in warning

    def test_a_silent_api_is_given_up_at_the_deadline(self, tmp_path: Path) -> None:
        """An endpoint that accepts and never answers costs the deadline, not a hang."""
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            messages: list[str] = []
            started = time.monotonic()
            added = _resolve(
                f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path,
                messages=messages, deadline=0.5,
            )  # fmt: skip
            elapsed = time.monotonic() - started
        assert added == {} and elapsed < 3.0
        assert any("no answer from GitHub's API within 0.5 s" in m for m in messages)

    @pytest.mark.parametrize(
        ("token", "fix"),
        [(None, "a private repository needs GITHUB_TOKEN"), (TOKEN, "GITHUB_TOKEN's access")],
    )
    def test_not_found_says_why(
        self, github: FakeGitHub, tmp_path: Path, token: str | None, fix: str
    ) -> None:
        """A 404 (a private repository) falls back with the reason and the fix."""
        messages: list[str] = []
        assert _resolve(github.url, tmp_path, token=token, messages=messages) == {}
        assert any(fix in m for m in messages)
