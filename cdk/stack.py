"""The project stack: test user and role, GitHub OIDC provider, CI role, and their outputs."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, DefaultStackSynthesizer, Duration, Stack
from constructs import Construct

from . import settings
from .config import ProjectStackConfig
from .deployment import (
    OUTPUT_CI_ROLE_ARN,
    OUTPUT_GITHUB_REPOSITORY,
    OUTPUT_OIDC_PROVIDER_ARN,
    OUTPUT_TEST_ROLE_ARN,
    OUTPUT_TEST_USER_NAME,
)
from .github_oidc import GitHubCiRole, GitHubOidcProvider
from .principals import (
    IntegrationTestPrincipals,
    acknowledge_identity_reads,
    read_only_identity_statement,
)

__all__ = ["ProjectStack", "project_synthesizer"]


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
        CfnOutput(
            self,
            OUTPUT_GITHUB_REPOSITORY,
            value=f"{config.subject.owner}/{config.subject.repository}",
        )
