"""GitHub Actions' OIDC provider facts, and roles trusted through it, made with admin access.

For tests and benchmarks that need a role trusted through web identity: the trust has the
usual CI-role shape (``StringEquals`` on ``aud``, ``StringLike`` on ``sub``) and the role may
call ``sts:GetCallerIdentity``. The provider facts (URL, audience, condition keys) and the
provider lookup are GitHub's and IAM's, not any project's; deployment scripts may use them too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "AUD_KEY",
    "GITHUB_OIDC_AUDIENCE",
    "GITHUB_OIDC_PROVIDER_HOST",
    "GITHUB_OIDC_PROVIDER_URL",
    "SUB_KEY",
    "find_github_provider",
    "github_provider_arn",
    "web_identity_role",
]

GITHUB_OIDC_PROVIDER_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_PROVIDER_HOST = "token.actions.githubusercontent.com"
#: The audience AWS's own examples and ``configure-aws-credentials`` request.
GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com"
#: IAM condition keys of the token's ``aud`` and ``sub`` claims.
AUD_KEY = f"{GITHUB_OIDC_PROVIDER_HOST}:aud"
SUB_KEY = f"{GITHUB_OIDC_PROVIDER_HOST}:sub"
_WHOAMI = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
}


def find_github_provider(iam: Any) -> str | None:
    """The ARN of the account's GitHub OIDC provider (one per URL per account), if any."""
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = str(provider["Arn"])
        if arn.endswith(f":oidc-provider/{GITHUB_OIDC_PROVIDER_HOST}"):
            return arn
    return None


def github_provider_arn(iam: Any) -> tuple[str, bool]:
    """The account's GitHub OIDC provider ARN, creating it if needed (and whether we did)."""
    existing = find_github_provider(iam)
    if existing is not None:
        return existing, False
    arn = iam.create_open_id_connect_provider(
        Url=GITHUB_OIDC_PROVIDER_URL,
        ClientIDList=[GITHUB_OIDC_AUDIENCE],
        ThumbprintList=["f" * 40],
    )["OpenIDConnectProviderArn"]
    return arn, True


@contextmanager
def web_identity_role(
    iam: Any, *, provider_arn: str, sub_patterns: Sequence[str], prefix: str
) -> Iterator[str]:
    """A role trusted like the CI role (``aud`` and ``sub``), allowed GetCallerIdentity."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {AUD_KEY: GITHUB_OIDC_AUDIENCE},
                    "StringLike": {SUB_KEY: list(sub_patterns)},
                },
            }
        ],
    }
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="whoami", PolicyDocument=json.dumps(_WHOAMI))
    try:
        yield arn
    finally:
        iam.delete_role_policy(RoleName=name, PolicyName="whoami")
        iam.delete_role(RoleName=name)
