"""The integration tests' principals: a programmatic IAM user and the role the tests assume.

The user may call the read-only identity APIs (``sts:GetAccessKeyInfo`` too: it has a key) and
assume the test role; the role trusts
exactly the principals it is given (the user and the CI role), never the whole account.
The user's access key is not here: keys never go through CloudFormation (see
``access_key.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from . import settings

__all__ = [
    "IDENTITY_READS_WILDCARD_REASON",
    "IntegrationTestPrincipals",
    "acknowledge_identity_reads",
    "read_only_identity_statement",
]

#: Why ``Resource: *`` is right for :func:`read_only_identity_statement` (cdk-nag IAM5).
IDENTITY_READS_WILDCARD_REASON = (
    "sts:GetCallerIdentity, iam:ListAccountAliases and (the user's) sts:GetAccessKeyInfo "
    "support no resource-level permissions (the IAM service authorization reference lists no "
    "resource type for them), so '*' is the only valid Resource; they only read the caller's "
    "own identity."
)


def read_only_identity_statement(
    actions: Sequence[str] = settings.IDENTITY_READ_ACTIONS,
) -> iam.PolicyStatement:
    """The reads a test principal needs; these actions take no resource-level scope."""
    return iam.PolicyStatement(sid="ReadOwnIdentity", actions=list(actions), resources=["*"])


def acknowledge_identity_reads(scope: Construct) -> None:
    """Acknowledge, with its reason, cdk-nag's wildcard finding for the identity reads."""
    Validations.of(scope).acknowledge(
        Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=IDENTITY_READS_WILDCARD_REASON)
    )


class IntegrationTestPrincipals(Construct):
    """The test IAM user (no console password) and the test role trusted by given principals."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_name: str,
        role_name: str,
        extra_trusted_roles: Sequence[iam.IRole] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.user = iam.User(self, "User", user_name=user_name)
        trusted: list[iam.IPrincipal] = [iam.ArnPrincipal(self.user.user_arn)]
        trusted += [iam.ArnPrincipal(role.role_arn) for role in extra_trusted_roles]
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.CompositePrincipal(*trusted),
            description="Assumed by the integration tests (test user and CI role only)",
        )
        self.role.add_to_policy(read_only_identity_statement())
        self.user.add_to_principal_policy(
            read_only_identity_statement(settings.TEST_USER_READ_ACTIONS)
        )
        acknowledge_identity_reads(self.role)
        acknowledge_identity_reads(self.user)
        self.grant_assume_test_role(self.user)
        for role in extra_trusted_roles:
            self.grant_assume_test_role(role)

    def grant_assume_test_role(self, grantee: iam.IGrantable) -> None:
        """Allow ``grantee`` (by its identity policy) to assume the test role."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="AssumeTestRole",
                actions=["sts:AssumeRole"],
                resources=[self.role.role_arn],
            )
        )
