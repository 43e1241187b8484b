"""Names of the project stack's outputs, importable without loading aws_cdk (and node)."""

from __future__ import annotations

__all__ = [
    "OUTPUT_CI_ROLE_ARN",
    "OUTPUT_OIDC_PROVIDER_ARN",
    "OUTPUT_TEST_ROLE_ARN",
    "OUTPUT_TEST_USER_NAME",
]

OUTPUT_TEST_ROLE_ARN = "TestRoleArn"
OUTPUT_CI_ROLE_ARN = "CiRoleArn"
OUTPUT_TEST_USER_NAME = "TestUserName"
OUTPUT_OIDC_PROVIDER_ARN = "GitHubOidcProviderArn"
