"""The GitHub Actions OIDC provider (created or imported) and the CI role it may assume.

The CI role's trust policy is the security core of the project: it accepts a web identity
token only when ``aud`` is ``sts.amazonaws.com`` (``StringEquals``) and ``sub`` names one
repository (``StringLike``, ``repo:OWNER/REPO:*`` at the widest, or exact branches, tags and
environments when asked), in the forms :class:`~cdk.subject_filter.GitHubSubjectFilter` says:
the name form, GitHub's immutable form ``repo:OWNER@OWNER_ID/REPO@REPO_ID:...``, or both.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from constructs import Construct

from boto_session_manager.testing.web_identity_roles import (
    AUD_KEY,
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_PROVIDER_URL,
    SUB_KEY,
)

from .subject_filter import GitHubSubjectFilter

__all__ = ["GitHubCiRole", "GitHubOidcProvider", "GitHubSubjectFilter"]


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
                url=GITHUB_OIDC_PROVIDER_URL,
                client_ids=[GITHUB_OIDC_AUDIENCE],
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
                "StringEquals": {AUD_KEY: GITHUB_OIDC_AUDIENCE},
                "StringLike": {SUB_KEY: subject.sub_patterns()},
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
