"""The GitHub Actions OIDC provider (created or imported) and the CI role it may assume.

The CI role's trust policy is the security core of the project: it accepts a web identity
token only when ``aud`` is ``sts.amazonaws.com`` (``StringEquals``) and ``sub`` names this
repository (``StringLike``, ``repo:OWNER/REPO:*`` at the widest, or exact branches, tags and
environments when asked), in the name form and, when the ids are given, in GitHub's
immutable form ``repo:OWNER@OWNER_ID/REPO@REPO_ID:...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from constructs import Construct

from boto_session_manager.tests import settings

__all__ = [
    "GitHubCiRole",
    "GitHubOidcProvider",
    "GitHubSubjectFilter",
    "aud_condition_key",
    "sub_condition_key",
]

#: GitHub owner and repository names: letters, digits, '-', '_', '.'; never a wildcard.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
#: Branch, tag and environment names as they may appear in ``sub`` (``*`` allowed: it stays
#: inside one repository); no ``?``, ``$`` (policy variables), ``:`` or whitespace.
_REF_RE = re.compile(r"^[A-Za-z0-9_.*/@+-]{1,255}$")


def aud_condition_key() -> str:
    """The IAM condition key of the token's ``aud`` claim."""
    return f"{settings.GITHUB_OIDC_PROVIDER_HOST}:aud"


def sub_condition_key() -> str:
    """The IAM condition key of the token's ``sub`` claim."""
    return f"{settings.GITHUB_OIDC_PROVIDER_HOST}:sub"


@dataclass(frozen=True)
class GitHubSubjectFilter:
    """Which GitHub Actions jobs may assume the CI role, as ``sub`` patterns.

    With no branch, tag, environment or pull-request option the filter accepts every job of
    the repository (``repo:OWNER/REPO:*``); any option narrows it to exactly those.
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
    #: Accept the name-only form too (set False once the repository uses immutable claims).
    accept_name_form: bool = True

    def __post_init__(self) -> None:
        for label, value in (("owner", self.owner), ("repository", self.repository)):
            if not _NAME_RE.match(value):
                raise ValueError(
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
                    raise ValueError(
                        f"GitHub {label} {value!r} is not usable in a sub condition "
                        "(no '?', '$', ':' or spaces; not only wildcards)"
                    )
        if (self.owner_id is None) != (self.repository_id is None):
            raise ValueError("owner_id and repository_id go together (both or neither)")
        for label, number in (("owner_id", self.owner_id), ("repository_id", self.repository_id)):
            if number is not None and number <= 0:
                raise ValueError(f"{label} must be a positive integer, got {number!r}")
        if not self.accept_name_form and self.owner_id is None:
            raise ValueError("accept_name_form=False needs owner_id and repository_id")

    @property
    def repo_prefixes(self) -> tuple[str, ...]:
        """The literal ``repo:...:`` prefixes every pattern starts with (one per sub form)."""
        prefixes: list[str] = []
        if self.accept_name_form:
            prefixes.append(f"repo:{self.owner}/{self.repository}:")
        if self.owner_id is not None and self.repository_id is not None:
            prefixes.append(
                f"repo:{self.owner}@{self.owner_id}/{self.repository}@{self.repository_id}:"
            )
        return tuple(prefixes)

    @property
    def narrowed(self) -> bool:
        """Whether the filter names specific branches, tags, environments or pull requests."""
        return bool(self.branches or self.tags or self.environments or self.pull_requests)

    def sub_patterns(self) -> list[str]:
        """The ``StringLike`` patterns for the ``sub`` condition, most common first."""
        suffixes: list[str] = []
        suffixes += [f"ref:refs/heads/{branch}" for branch in self.branches]
        suffixes += [f"ref:refs/tags/{tag}" for tag in self.tags]
        suffixes += [f"environment:{name}" for name in self.environments]
        if self.pull_requests:
            suffixes.append("pull_request")
        if not suffixes:
            suffixes = ["*"]
        return [prefix + suffix for prefix in self.repo_prefixes for suffix in suffixes]


class GitHubOidcProvider(Construct):
    """The account's IAM OIDC provider for GitHub Actions: created here, or imported by ARN.

    An account holds at most one provider per URL, so a stack must import the existing one
    when there is one; an imported provider is only referenced, so destroying the stack never
    deletes it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        existing_provider_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.created = existing_provider_arn is None
        if existing_provider_arn is None:
            provider = iam.OidcProviderNative(
                self,
                "Provider",
                url=settings.GITHUB_OIDC_PROVIDER_URL,
                client_ids=[settings.GITHUB_OIDC_AUDIENCE],
                removal_policy=RemovalPolicy.DESTROY,
            )
            self.provider: iam.IOidcProvider = provider
        else:
            self.provider = iam.OidcProviderNative.from_oidc_provider_arn(
                self, "Provider", existing_provider_arn
            )
        self.provider_arn: str = self.provider.oidc_provider_arn


class GitHubCiRole(Construct):
    """The role GitHub Actions jobs of one repository assume through web identity."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        provider_arn: str,
        subject: GitHubSubjectFilter,
        role_name: str,
        max_session_duration: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.subject = subject
        principal = iam.WebIdentityPrincipal(
            provider_arn,
            {
                "StringEquals": {aud_condition_key(): settings.GITHUB_OIDC_AUDIENCE},
                "StringLike": {sub_condition_key(): subject.sub_patterns()},
            },
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=principal,
            max_session_duration=max_session_duration,
            description=(
                f"Assumed by GitHub Actions of {subject.owner}/{subject.repository} through OIDC"
            ),
        )
