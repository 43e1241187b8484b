"""How GitHub writes the repository's OIDC ``sub``, asked of GitHub's REST API and cached.

GitHub writes ``sub`` by the name form ``repo:OWNER/REPO:...`` or, for repositories created,
renamed or transferred after mid-2026 and those that opt in, by the immutable form
``repo:OWNER@OWNER_ID/REPO@REPO_ID:...``; an organisation or repository may also replace the
template (``include_claim_keys``). Two reads tell which:

- ``GET /repos/{owner}/{repo}``: ``id`` and ``owner.id``;
- ``GET /repos/{owner}/{repo}/actions/oidc/customization/sub``: ``use_default``,
  ``include_claim_keys``, ``use_immutable_subject`` (and, for a repository that follows its
  organisation, ``GET /orgs/{org}/actions/oidc/customization/sub``).

The answer is cached the way CDK caches its lookups, in ``cdk/cdk.context.json`` under
``github-oidc-subject:repository=OWNER/REPO``, so later synths are offline and reproducible
(delete the entry to ask again). Explicit context always wins. When the API cannot be reached,
the lookup gives up within seconds and the trust falls back to the name form, with a warning
that says how to pass the ids.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ContextError, SubjectLookupError
from .github_api import api_headers
from .github_repository import GitHubRepository

__all__ = [
    "CACHE_KEY_PREFIX",
    "EXPLICIT_KEYS",
    "SubjectFormat",
    "cache_key",
    "fetch_subject_format",
    "resolve_subject_format",
]

CACHE_KEY_PREFIX = "github-oidc-subject:"
#: Context keys that state the format by hand; any of them set means no lookup.
EXPLICIT_KEYS = (
    "githubOwnerId",
    "githubRepositoryId",
    "githubAcceptNameForm",
    "githubSubClaimKeys",
)
#: Seconds for the whole lookup (every request included) before falling back.
LOOKUP_DEADLINE = 5.0
_REQUEST_TIMEOUT = (2.0, 3.0)  # connect, read

Log = Callable[[str], None]


def cache_key(repository: GitHubRepository) -> str:
    """The ``cdk.context.json`` key of a repository's cached answer."""
    return f"{CACHE_KEY_PREFIX}repository={repository.full_name}"


@dataclass(frozen=True)
class SubjectFormat:
    """What GitHub said about one repository's ``sub`` (as cached in ``cdk.context.json``)."""

    owner_id: int
    repository_id: int
    #: The repository's tokens carry the immutable form only.
    use_immutable_subject: bool = False
    #: A customised template, or None for GitHub's default (``repo`` then ``context``).
    claim_keys: tuple[str, ...] | None = None

    def to_context(self) -> dict[str, Any]:
        """The JSON value stored in ``cdk.context.json``."""
        return {
            "ownerId": self.owner_id,
            "repositoryId": self.repository_id,
            "useImmutableSubject": self.use_immutable_subject,
            "includeClaimKeys": list(self.claim_keys) if self.claim_keys is not None else None,
        }

    @classmethod
    def from_context(cls, value: Any, *, key: str) -> SubjectFormat:
        """Read a cached value back; a malformed entry is an error naming its key."""
        try:
            keys = value.get("includeClaimKeys")
            fmt = cls(
                owner_id=_positive(value["ownerId"]),
                repository_id=_positive(value["repositoryId"]),
                use_immutable_subject=_strict_bool(value.get("useImmutableSubject", False)),
                claim_keys=None if keys is None else tuple(str(k) for k in keys),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ContextError(
                f"the cached entry {key!r} in cdk/cdk.context.json is malformed ({error}): "
                "delete it, and synth asks GitHub again"
            ) from None
        return fmt


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{value!r} is not a positive integer")
    return value


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _get(http: Any, url: str, token: str | None) -> tuple[int, Any]:
    response = http.get(url, headers=api_headers(token), timeout=_REQUEST_TIMEOUT)
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    return response.status_code, body


def _status_fix(status: int, what: str, token: str | None) -> str:
    if status in (401, 403):
        return f"GitHub refused to read {what} ({status}): " + (
            "check GITHUB_TOKEN's rights (repository metadata, read), or its rate limit"
            if token
            else "unauthenticated reads may be rate-limited; set GITHUB_TOKEN"
        )
    if status == 404:
        return f"GitHub found no {what} (404): " + (
            "check the repository's name and GITHUB_TOKEN's access"
            if token
            else "a private repository needs GITHUB_TOKEN with read access"
        )
    return f"GitHub answered {status} for {what}"


def fetch_subject_format(
    repository: GitHubRepository,
    *,
    api_url: str,
    token: str | None,
    session: Any = None,
) -> SubjectFormat:
    """Ask GitHub's REST API; raise :class:`SubjectLookupError` when it does not answer."""
    import requests

    http = session or requests.Session()
    base = f"{api_url}/repos/{repository.owner}/{repository.name}"
    try:
        status, repo = _get(http, base, token)
        if status != 200 or not isinstance(repo, dict):
            raise SubjectLookupError(
                _status_fix(status, f"repository {repository.full_name}", token)
            )
        try:
            owner_id, repository_id = _positive(repo["owner"]["id"]), _positive(repo["id"])
        except (KeyError, TypeError, ValueError):
            raise SubjectLookupError(
                f"GitHub's answer for {repository.full_name} lacks `id` / `owner.id`"
            ) from None
        status, custom = _get(http, f"{base}/actions/oidc/customization/sub", token)
        if status != 200 or not isinstance(custom, dict):
            raise SubjectLookupError(
                _status_fix(
                    status, f"the OIDC subject customization of {repository.full_name}", token
                )
            )
        keys = custom.get("include_claim_keys") or None
        if custom.get("use_default") is False and keys is None:
            # the repository follows its organisation's template (a user account has none)
            status, org = _get(
                http, f"{api_url}/orgs/{repository.owner}/actions/oidc/customization/sub", token
            )
            if status == 200 and isinstance(org, dict):
                keys = org.get("include_claim_keys") or None
        if custom.get("use_default") is True:
            keys = None
    except requests.RequestException as error:
        raise SubjectLookupError(
            f"cannot reach GitHub's API at {api_url} ({type(error).__name__})"
        ) from None
    return SubjectFormat(
        owner_id=owner_id,
        repository_id=repository_id,
        use_immutable_subject=custom.get("use_immutable_subject") is True,
        claim_keys=tuple(str(k) for k in keys) if keys is not None else None,
    )


def _within(deadline: float, call: Callable[[], SubjectFormat]) -> SubjectFormat:
    """Run ``call`` in a helper thread and give up after ``deadline`` seconds (a DNS lookup
    or a stalled proxy can outlast the per-request timeouts)."""
    outcome: list[SubjectFormat | BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # handed to the caller below
            outcome.append(error)

    worker = threading.Thread(target=run, name="github-subject-lookup", daemon=True)
    worker.start()
    worker.join(deadline)
    if not outcome:
        raise SubjectLookupError(f"no answer from GitHub's API within {deadline:g} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise ContextError(f"{path} is not valid JSON ({error}): fix or delete it") from None
    return value if isinstance(value, dict) else {}


def resolve_subject_format(
    repository: GitHubRepository,
    context: Mapping[str, Any],
    *,
    context_file: Path,
    api_url: str,
    token: str | None,
    log: Log,
    deadline: float = LOOKUP_DEADLINE,
) -> dict[str, Any]:
    """Make sure the context says how ``sub`` is written; return the entries to add to it.

    Explicit keys win, then a cached answer; otherwise GitHub is asked and a good answer is
    written to ``context_file``. Without an answer, nothing is added (the name form) and the
    warning says how to pass the ids.
    """
    key = cache_key(repository)
    given = [name for name in EXPLICIT_KEYS if context.get(name) not in (None, "")]
    if given:
        log(f"sub format of {repository.full_name}: from CDK context ({', '.join(given)})")
        return {}
    if key in context:
        SubjectFormat.from_context(context[key], key=key)  # fail early on a broken entry
        log(f"sub format of {repository.full_name}: cached in {context_file.name} ({key})")
        return {}
    try:
        found = _within(
            deadline, lambda: fetch_subject_format(repository, api_url=api_url, token=token)
        )
    except SubjectLookupError as error:
        log(
            f"WARNING: {error}. The CI role trusts the name form repo:{repository.full_name}:* "
            f"only, which a repository using GitHub's immutable sub (created or renamed after "
            f"mid-2026) never sends. Pass the ids to accept that form too (`nox -s deploy -- "
            f"aws -c githubOwnerId=OWNER_ID -c githubRepositoryId=REPO_ID`: the `owner.id` and "
            f"`id` of GET /repos/{repository.full_name}), or set them in cdk/cdk.json"
        )
        return {}
    stored = _read_json(context_file)
    stored[key] = found.to_context()
    context_file.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    form = "immutable form only" if found.use_immutable_subject else "name and immutable forms"
    template = f", template {list(found.claim_keys)}" if found.claim_keys else ""
    log(
        f"sub format of {repository.full_name}: from GitHub's API at {api_url} ({form}{template});"
        f" cached in {context_file}"
    )
    return {key: found.to_context()}
