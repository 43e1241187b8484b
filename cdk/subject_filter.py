"""Which GitHub Actions jobs may assume the CI role, as ``StringLike`` patterns on ``sub``.

Every pattern starts with a literal that names exactly one repository, before any wildcard:
``repo:OWNER/REPO:`` (the name form), ``repo:OWNER@OWNER_ID/REPO@REPO_ID:`` (GitHub's
immutable form), or, for a customised template (``include_claim_keys``), the claims that
identify the repository. A template that cannot be pinned that way is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ContextError
from .github_repository import NAME_RE

__all__ = ["IDENTIFYING_CLAIMS", "GitHubSubjectFilter"]

#: Branch, tag and environment names as they may appear in ``sub`` (``*`` allowed: it stays
#: inside one repository); no ``?``, ``$`` (policy variables), ``:`` or whitespace.
_REF_RE = re.compile(r"^[A-Za-z0-9_.*/@+-]{1,255}$")
#: Claim keys whose value names one repository.
IDENTIFYING_CLAIMS = ("repo", "repository", "repository_id")
#: Claim keys whose value the stack knows (so they may come before the identifying one).
_KNOWN_VALUE_CLAIMS = (*IDENTIFYING_CLAIMS, "repository_owner", "repository_owner_id")
_CLAIM_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class GitHubSubjectFilter:
    """The repository, its ``sub`` format, and the jobs (branches, tags, ...) that are trusted.

    With no branch, tag, environment or pull-request option every job of the repository is
    accepted (``repo:OWNER/REPO:*``); any option narrows the trust to exactly those.
    """

    owner: str
    repository: str
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    pull_requests: bool = False
    #: GitHub's immutable numeric ids; when both are set the immutable ``sub`` form is accepted.
    owner_id: int | None = None
    repository_id: int | None = None
    #: Accept the name-only form too (False once the repository uses immutable claims).
    accept_name_form: bool = True
    #: The repository's customised ``sub`` template (``include_claim_keys``); None: GitHub's.
    claim_keys: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for label, value in (("owner", self.owner), ("repository", self.repository)):
            if not NAME_RE.match(value):
                raise ContextError(
                    f"GitHub {label} {value!r} is not a plain GitHub name "
                    "(letters, digits, '-', '_', '.'; no wildcard)"
                )
        for label, values in (
            ("branch", self.branches),
            ("tag", self.tags),
            ("environment", self.environments),
        ):
            for value in values:
                if not _REF_RE.match(value) or value.strip("*/") == "":
                    raise ContextError(
                        f"GitHub {label} {value!r} is not usable in a sub condition "
                        "(no '?', '$', ':' or spaces; not only wildcards)"
                    )
        if (self.owner_id is None) != (self.repository_id is None):
            raise ContextError(
                "owner_id and repository_id go together (both or neither): pass githubOwnerId "
                "and githubRepositoryId"
            )
        for label, number in (("owner_id", self.owner_id), ("repository_id", self.repository_id)):
            if number is not None and number <= 0:
                raise ContextError(f"{label} must be a positive integer, got {number!r}")
        if not self.accept_name_form and self.owner_id is None:
            raise ContextError(
                "accept_name_form=False needs owner_id and repository_id (githubOwnerId, "
                "githubRepositoryId)"
            )
        if self.claim_keys is not None:
            self._check_claim_keys(self.claim_keys)

    def _check_claim_keys(self, keys: tuple[str, ...]) -> None:
        template = f"include_claim_keys {list(keys)}"
        bad = [key for key in keys if not _CLAIM_KEY_RE.match(key)]
        if not keys or bad or len(set(keys)) != len(keys):
            raise ContextError(
                f"the sub template {template} is not a list of distinct claim names: fix "
                "githubSubClaimKeys, or the repository's OIDC customization on GitHub"
            )
        first = next((i for i, key in enumerate(keys) if key in IDENTIFYING_CLAIMS), None)
        leading = keys[: first if first is not None else len(keys)]
        unknown = [key for key in leading if key not in _KNOWN_VALUE_CLAIMS]
        if first is None or unknown:
            raise ContextError(
                f"the repository's OIDC sub template ({template}) cannot be pinned to one "
                f"repository: it needs one of {', '.join(IDENTIFYING_CLAIMS)} before any claim "
                f"whose value the stack cannot know ({', '.join(unknown) or 'none given'}); "
                "put `repo` first in the template (or reset it to GitHub's default) and deploy "
                "again"
            )
        if {"repository_owner_id", "repository_id"} & set(keys) and self.owner_id is None:
            raise ContextError(
                f"the sub template {template} carries numeric ids: pass githubOwnerId and "
                "githubRepositoryId, or let synth look them up through GitHub's API"
            )
        if self.narrowed and "context" not in keys:
            raise ContextError(
                f"the sub template {template} has no `context` claim, so the trust cannot be "
                "narrowed to branches, tags, environments or pull requests: drop those "
                "context keys, or add `context` to the template"
            )

    @property
    def narrowed(self) -> bool:
        """Whether the filter names specific branches, tags, environments or pull requests."""
        return bool(self.branches or self.tags or self.environments or self.pull_requests)

    def _repo_values(self) -> list[str]:
        """The ``repo`` claim's value in each accepted form."""
        values: list[str] = []
        if self.accept_name_form:
            values.append(f"{self.owner}/{self.repository}")
        if self.owner_id is not None and self.repository_id is not None:
            values.append(f"{self.owner}@{self.owner_id}/{self.repository}@{self.repository_id}")
        return values

    @property
    def repo_prefixes(self) -> tuple[str, ...]:
        """The literal prefixes every pattern starts with (one per ``sub`` form)."""
        return tuple(dict.fromkeys(p.split("*")[0] for p in self._templates(["*"])))

    def _contexts(self) -> list[str]:
        contexts: list[str] = []
        contexts += [f"ref:refs/heads/{branch}" for branch in self.branches]
        contexts += [f"ref:refs/tags/{tag}" for tag in self.tags]
        contexts += [f"environment:{name}" for name in self.environments]
        if self.pull_requests:
            contexts.append("pull_request")
        return contexts or ["*"]

    def _templates(self, contexts: list[str]) -> list[str]:
        """Patterns for each ``repo`` form and context; a trailing run of unknowns is ``*``."""
        keys = self.claim_keys or ("repo", "context")
        patterns: list[str] = []
        for repo_value in self._repo_values():
            known = {
                "repo": repo_value,
                "repository": f"{self.owner}/{self.repository}",
                "repository_owner": self.owner,
                "repository_owner_id": str(self.owner_id),
                "repository_id": str(self.repository_id),
            }
            for context in contexts:
                segments: list[tuple[str, bool]] = []  # (text, is a wildcard)
                for key in keys:
                    if key == "context":
                        segments.append((context, context == "*"))
                    elif key in known:
                        segments.append((f"{key}:{known[key]}", False))
                    else:
                        segments.append((f"{key}:*", True))
                while len(segments) > 1 and segments[-1][1] and segments[-2][1]:
                    segments.pop()  # a trailing run of wildcards is one '*'
                if segments[-1][1]:
                    segments[-1] = ("*", True)
                texts = [text for text, _wild in segments]
                patterns.append(":".join(texts))
        return list(dict.fromkeys(patterns))

    def sub_patterns(self) -> list[str]:
        """The ``StringLike`` patterns for the ``sub`` condition, most common first."""
        return self._templates(self._contexts())
