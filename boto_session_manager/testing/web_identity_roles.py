"""Roles trusted through GitHub Actions OIDC, made with admin access to an emulator.

For tests and benchmarks that need a role beside the project's stack: the trust has the CI
role's shape (``StringEquals`` on ``aud``, ``StringLike`` on ``sub``) and the role may call
``sts:GetCallerIdentity``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from boto_session_manager.tests import settings

__all__ = ["AUD_KEY", "SUB_KEY", "github_provider_arn", "web_identity_role"]

AUD_KEY = f"{settings.GITHUB_OIDC_PROVIDER_HOST}:aud"
SUB_KEY = f"{settings.GITHUB_OIDC_PROVIDER_HOST}:sub"
_WHOAMI = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}],
}


def github_provider_arn(iam: Any) -> tuple[str, bool]:
    """The account's GitHub OIDC provider ARN, creating it if needed (and whether we did)."""
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if provider["Arn"].endswith(f"/{settings.GITHUB_OIDC_PROVIDER_HOST}"):
            return provider["Arn"], False
    arn = iam.create_open_id_connect_provider(
        Url=settings.GITHUB_OIDC_PROVIDER_URL,
        ClientIDList=[settings.GITHUB_OIDC_AUDIENCE],
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
                    "StringEquals": {AUD_KEY: settings.GITHUB_OIDC_AUDIENCE},
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
