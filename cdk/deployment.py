"""The deployed stack as one value, read from its CloudFormation outputs (Powertools style).

``deploy`` returns it, the integration fixtures test against it, the docs describe it. It is
importable without ``aws_cdk`` (and node), and holds no secret.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import DeployError

__all__ = [
    "OUTPUT_CI_ROLE_ARN",
    "OUTPUT_GITHUB_REPOSITORY",
    "OUTPUT_OIDC_PROVIDER_ARN",
    "OUTPUT_TEST_ROLE_ARN",
    "OUTPUT_TEST_USER_NAME",
    "Deployment",
    "is_loopback_url",
]

OUTPUT_TEST_ROLE_ARN = "TestRoleArn"
OUTPUT_CI_ROLE_ARN = "CiRoleArn"
OUTPUT_TEST_USER_NAME = "TestUserName"
OUTPUT_OIDC_PROVIDER_ARN = "GitHubOidcProviderArn"
#: ``OWNER/REPO``: the repository whose GitHub Actions jobs the CI role trusts.
OUTPUT_GITHUB_REPOSITORY = "GitHubRepository"
_REQUIRED = (OUTPUT_TEST_ROLE_ARN, OUTPUT_CI_ROLE_ARN, OUTPUT_TEST_USER_NAME)


def is_loopback_url(url: str | None) -> bool:
    """Whether ``url`` points at this machine (``127.x``, ``::1``, ``localhost``)."""
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, kw_only=True)
class Deployment:
    """Where the project stack runs and what it holds."""

    stack_name: str
    account_id: str
    region: str
    test_user_name: str
    test_role_arn: str
    ci_role_arn: str
    oidc_provider_arn: str = ""
    #: ``OWNER/REPO`` the CI role trusts ("" for a stack deployed before it was an output).
    github_repository: str = ""
    #: The endpoint when it is not AWS's default (the local emulator), and its CA bundle.
    endpoint_url: str | None = None
    ca_bundle: str | None = None
    #: The ``.env`` holding the test user's access key, when this machine has one.
    dotenv_path: Path | None = None

    @classmethod
    def from_outputs(
        cls,
        outputs: Mapping[str, str],
        *,
        stack_name: str,
        region: str,
        endpoint_url: str | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        dotenv_path: Path | None = None,
    ) -> Deployment:
        """Build it from the stack's outputs (``OutputKey -> OutputValue``)."""
        missing = [key for key in _REQUIRED if not outputs.get(key)]
        if missing:
            raise DeployError(
                f"stack {stack_name} lacks the outputs {missing}: deploy it again (`nox -s deploy`)"
            )
        ci_role_arn = outputs[OUTPUT_CI_ROLE_ARN]
        return cls(
            stack_name=stack_name,
            account_id=ci_role_arn.split(":")[4],
            region=region,
            test_user_name=outputs[OUTPUT_TEST_USER_NAME],
            test_role_arn=outputs[OUTPUT_TEST_ROLE_ARN],
            ci_role_arn=ci_role_arn,
            oidc_provider_arn=outputs.get(OUTPUT_OIDC_PROVIDER_ARN, ""),
            github_repository=outputs.get(OUTPUT_GITHUB_REPOSITORY, ""),
            endpoint_url=endpoint_url,
            ca_bundle=str(ca_bundle) if ca_bundle is not None else None,
            dotenv_path=dotenv_path,
        )

    @property
    def is_emulator(self) -> bool:
        """Whether the stack runs in a local emulator (its endpoint is on this machine).

        The one definition the deploy script, nox and the fixtures share: only the emulator
        takes tokens minted by the local issuer, and only there are admin fixtures made.
        """
        return is_loopback_url(self.endpoint_url)

    def client_kwargs(self) -> dict[str, Any]:
        """Client arguments that reach the endpoint (none for AWS's default)."""
        kwargs: dict[str, Any] = {}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.ca_bundle:
            kwargs["verify"] = self.ca_bundle
        return kwargs

    def endpoint_env(self) -> dict[str, str]:
        """Environment variables that point a subprocess at the endpoint (no credentials)."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.ca_bundle:
            env["AWS_CA_BUNDLE"] = self.ca_bundle
        return env
