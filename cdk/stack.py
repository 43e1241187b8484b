"""The project stack: test user and role, GitHub OIDC provider, CI role, and their outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import CfnOutput, DefaultStackSynthesizer, Duration, Stack
from constructs import Construct

from boto_session_manager.tests import settings

from .github_oidc import GitHubCiRole, GitHubOidcProvider, GitHubSubjectFilter
from .outputs import (
    OUTPUT_CI_ROLE_ARN,
    OUTPUT_OIDC_PROVIDER_ARN,
    OUTPUT_TEST_ROLE_ARN,
    OUTPUT_TEST_USER_NAME,
)
from .principals import (
    IntegrationTestPrincipals,
    acknowledge_identity_reads,
    read_only_identity_statement,
)

__all__ = [
    "CONTEXT_KEYS",
    "OUTPUT_CI_ROLE_ARN",
    "OUTPUT_OIDC_PROVIDER_ARN",
    "OUTPUT_TEST_ROLE_ARN",
    "OUTPUT_TEST_USER_NAME",
    "ProjectStack",
    "ProjectStackConfig",
    "project_synthesizer",
]

#: CDK context keys (``cdk deploy -c key=value``) read by :meth:`ProjectStackConfig.from_context`.
CONTEXT_KEYS = {
    "oidc_provider_arn": "oidcProviderArn",
    "branches": "githubBranches",
    "tags": "githubTags",
    "environments": "githubEnvironments",
    "pull_requests": "githubPullRequests",
    "owner_id": "githubOwnerId",
    "repository_id": "githubRepositoryId",
    "accept_name_form": "githubAcceptNameForm",
}


def _default_subject() -> GitHubSubjectFilter:
    return GitHubSubjectFilter(owner=settings.GITHUB_OWNER, repository=settings.GITHUB_REPOSITORY)


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(part) for part in value)


def _as_bool(value: Any, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


@dataclass(frozen=True)
class ProjectStackConfig:
    """What varies between deployments of the project stack."""

    #: Import this existing provider instead of creating one (one provider per URL per account).
    oidc_provider_arn: str | None = None
    subject: GitHubSubjectFilter = field(default_factory=_default_subject)

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> ProjectStackConfig:
        """Read the configuration from CDK context values (see :data:`CONTEXT_KEYS`)."""

        def get(name: str) -> Any:
            return context.get(CONTEXT_KEYS[name])

        subject = GitHubSubjectFilter(
            owner=settings.GITHUB_OWNER,
            repository=settings.GITHUB_REPOSITORY,
            branches=_as_list(get("branches")),
            tags=_as_list(get("tags")),
            environments=_as_list(get("environments")),
            pull_requests=_as_bool(get("pull_requests"), default=False),
            owner_id=_as_int(get("owner_id")),
            repository_id=_as_int(get("repository_id")),
            accept_name_form=_as_bool(get("accept_name_form"), default=True),
        )
        arn = get("oidc_provider_arn")
        return cls(oidc_provider_arn=str(arn) if arn else None, subject=subject)


def project_synthesizer() -> DefaultStackSynthesizer:
    """The default synthesizer without the bootstrap-version rule (the emulator lacks SSM-typed
    parameters in rules); ``cdk bootstrap`` is still what makes the deploy roles and bucket."""
    return DefaultStackSynthesizer(generate_bootstrap_version_rule=False)


class ProjectStack(Stack):
    """Everything the project's tests and CI need in an AWS account, except access keys."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ProjectStackConfig,
        stack_name: str = settings.CFN_STACK_NAME,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            stack_name=stack_name,
            description="boto_session_manager: test IAM user and role, GitHub OIDC CI role",
            **kwargs,
        )
        self.oidc = GitHubOidcProvider(
            self, "GitHubOidc", existing_provider_arn=config.oidc_provider_arn
        )
        self.ci = GitHubCiRole(
            self,
            "CiRole",
            provider_arn=self.oidc.provider_arn,
            subject=config.subject,
            role_name=settings.CI_IAM_ROLE_NAME,
            max_session_duration=Duration.seconds(settings.CI_ROLE_MAX_SESSION_SECONDS),
        )
        self.ci.role.add_to_policy(read_only_identity_statement())
        acknowledge_identity_reads(self.ci.role)
        self.principals = IntegrationTestPrincipals(
            self,
            "TestPrincipals",
            user_name=settings.TEST_IAM_USER_NAME,
            role_name=settings.TEST_IAM_ROLE_NAME,
            extra_trusted_roles=[self.ci.role],
        )
        CfnOutput(self, OUTPUT_TEST_ROLE_ARN, value=self.principals.role.role_arn)
        CfnOutput(self, OUTPUT_CI_ROLE_ARN, value=self.ci.role.role_arn)
        CfnOutput(self, OUTPUT_TEST_USER_NAME, value=self.principals.user.user_name)
        CfnOutput(self, OUTPUT_OIDC_PROVIDER_ARN, value=self.oidc.provider_arn)
