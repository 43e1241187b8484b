"""The stack's configuration, read from CDK context; anything unclear stops the synthesis.

Fail closed: a boolean that is not ``true``/``false``, a number that is not a number, or a
``github*`` key this app does not know is an error, never a silent default (a default here
would widen the CI role's trust to every job of the repository).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ContextError
from .github_repository import OWNER_CONTEXT_KEY, REPOSITORY_CONTEXT_KEY, GitHubRepository
from .github_subject import CACHE_KEY_PREFIX, EXPLICIT_KEYS, SubjectFormat, cache_key
from .subject_filter import GitHubSubjectFilter

__all__ = ["CONTEXT_KEYS", "ProjectStackConfig"]

#: CDK context keys (``cdk deploy -c key=value`` or ``cdk/cdk.json``) the app reads.
CONTEXT_KEYS = {
    "oidc_provider_arn": "oidcProviderArn",
    "owner": OWNER_CONTEXT_KEY,
    "repository": REPOSITORY_CONTEXT_KEY,
    "branches": "githubBranches",
    "tags": "githubTags",
    "environments": "githubEnvironments",
    "pull_requests": "githubPullRequests",
    "owner_id": EXPLICIT_KEYS[0],
    "repository_id": EXPLICIT_KEYS[1],
    "accept_name_form": EXPLICIT_KEYS[2],
    "claim_keys": EXPLICIT_KEYS[3],
}
_GITHUB_KEYS = sorted(key for key in CONTEXT_KEYS.values() if key.startswith("github"))


def _check_keys(context: Mapping[str, Any]) -> None:
    for key in context:
        if not key.lower().startswith("github") or key.startswith(CACHE_KEY_PREFIX):
            continue
        if key not in _GITHUB_KEYS:
            close = difflib.get_close_matches(key, _GITHUB_KEYS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ContextError(
                f"unknown CDK context key {key!r}: {hint}the app reads {', '.join(_GITHUB_KEYS)}"
            )


def _as_list(key: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(part, str) for part in value):
        return tuple(part.strip() for part in value if part.strip())
    raise ContextError(
        f"CDK context {key}={value!r} is not a list of names: use a comma-separated string "
        "or a JSON list of strings"
    )


def _as_bool(key: str, value: Any, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ContextError(f"CDK context {key}={value!r} is not a boolean: use true or false")


def _as_id(key: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    raise ContextError(
        f"CDK context {key}={value!r} is not a GitHub numeric id: use the positive integer "
        "GitHub's REST API gives (`id`, `owner.id`)"
    )


def _subject_format(context: Mapping[str, Any], repository: GitHubRepository) -> dict[str, Any]:
    """The ``sub`` format arguments: explicit keys win, then the cached GitHub answer."""

    def get(name: str) -> Any:
        return context.get(CONTEXT_KEYS[name])

    if any(get(name) not in (None, "") for name in ("owner_id", "repository_id",
                                                   "accept_name_form", "claim_keys")):  # fmt: skip
        keys = _as_list(CONTEXT_KEYS["claim_keys"], get("claim_keys"))
        return {
            "owner_id": _as_id(CONTEXT_KEYS["owner_id"], get("owner_id")),
            "repository_id": _as_id(CONTEXT_KEYS["repository_id"], get("repository_id")),
            "accept_name_form": _as_bool(
                CONTEXT_KEYS["accept_name_form"], get("accept_name_form"), default=True
            ),
            "claim_keys": keys or None,
        }
    key = cache_key(repository)
    if key not in context:
        return {}
    found = SubjectFormat.from_context(context[key], key=key)
    return {
        "owner_id": found.owner_id,
        "repository_id": found.repository_id,
        "accept_name_form": not found.use_immutable_subject,
        "claim_keys": found.claim_keys,
    }


@dataclass(frozen=True)
class ProjectStackConfig:
    """What varies between deployments of the project stack."""

    subject: GitHubSubjectFilter
    #: Import this existing provider instead of creating one (one provider per URL per account).
    oidc_provider_arn: str | None = None

    @classmethod
    def from_context(
        cls, context: Mapping[str, Any], *, repository: GitHubRepository
    ) -> ProjectStackConfig:
        """Read the configuration from CDK context (see :data:`CONTEXT_KEYS`)."""
        _check_keys(context)

        def get(name: str) -> Any:
            return context.get(CONTEXT_KEYS[name])

        subject = GitHubSubjectFilter(
            owner=repository.owner,
            repository=repository.name,
            branches=_as_list(CONTEXT_KEYS["branches"], get("branches")),
            tags=_as_list(CONTEXT_KEYS["tags"], get("tags")),
            environments=_as_list(CONTEXT_KEYS["environments"], get("environments")),
            pull_requests=_as_bool(
                CONTEXT_KEYS["pull_requests"], get("pull_requests"), default=False
            ),
            **_subject_format(context, repository),
        )
        arn = get("oidc_provider_arn")
        if arn not in (None, "") and not isinstance(arn, str):
            raise ContextError(f"CDK context oidcProviderArn={arn!r} is not an ARN string")
        return cls(subject=subject, oidc_provider_arn=arn or None)
