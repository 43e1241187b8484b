"""The aws target of deploy and destroy, through a profile, against an emulator standing in for
an AWS account (its own: an account that never saw the stack, bootstrap included); a second
deploy rotates the test user's key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from dotenv import dotenv_values

from boto_session_manager.testing.local_aws import start_local_aws
from cdk import settings
from cdk.access_key import read_dotenv_key_id
from cdk.deploy import deploy, destroy
from cdk.errors import DeployError
from cdk.targets import AwsAccountTarget
from tests.cdk.deploy_values import PINNED, PROVIDER_ARN, REPOSITORY, quiet
from tests.shared_setup import project_copy

if TYPE_CHECKING:
    from conftest import FakeGitHub  # tests/cdk/conftest.py


def _use_profile(monkeypatch: pytest.MonkeyPatch, config: Path, ca_bundle: Path | None) -> None:
    """Make ``config`` the only AWS configuration this process and its children see."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config.with_name("no-credentials")))
    if ca_bundle is not None:
        monkeypatch.setenv("AWS_CA_BUNDLE", str(ca_bundle))
        monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(ca_bundle))


def test_aws_target_through_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub
) -> None:
    """The aws target, pointed by a profile at an emulator standing in for an account.

    The account already has a provider, so the stack imports it and destroy leaves it; a token
    without rights fails after the stack and .env are in place; with rights the CI role ARN is
    stored as the repository variable. Deploying twice leaves exactly one key, the new one; the
    first no longer works.
    """
    token = "ghp_local-test-token-not-real"
    with start_local_aws(tls=True, state_dir=tmp_path / "account") as account:
        iam = account.boto3_session().client("iam", **account.client_kwargs())
        iam.create_open_id_connect_provider(
            Url=settings.GITHUB_OIDC_PROVIDER_URL, ClientIDList=[settings.GITHUB_OIDC_AUDIENCE]
        )
        config = tmp_path / "config"
        config.write_text(
            f"[profile account]\nregion = {settings.AWS_REGION}\n"
            f"endpoint_url = {account.endpoint_url}\n"
            f"aws_access_key_id = {settings.LOCAL_AWS_ADMIN_ACCESS_KEY_ID}\n"
            f"aws_secret_access_key = {settings.LOCAL_AWS_ADMIN_SECRET_ACCESS_KEY}\n"
        )
        _use_profile(monkeypatch, config, account.ca_bundle)
        dotenv = tmp_path / ".env"
        options: dict[str, Any] = {
            "project_dir": project_copy(tmp_path / "project"), "dotenv_path": dotenv,
            "github_token": token, "context": PINNED,
            "environ": {"GITHUB_API_URL": github.url}, "log": quiet,
        }  # fmt: skip

        github.statuses["PATCH"] = 403
        with pytest.raises(DeployError, match="Variables: read and write") as refused:
            deploy(AwsAccountTarget("account"), **options)
        assert "stack and .env are in place" in str(refused.value)
        from boto_session_manager.testing import assert_no_secrets

        assert_no_secrets({"GitHub token": token}, {"error": str(refused.value)})
        assert dotenv.is_file()
        first_id = read_dotenv_key_id(dotenv)
        first_secret = dotenv_values(dotenv)[settings.DOTENV_SECRET_ACCESS_KEY_VAR]

        github.statuses.update({"PATCH": 404, "POST": 201})
        result = deploy(AwsAccountTarget("account"), **options)
        assert github.requests[-1]["method"] == "POST"
        assert github.requests[-1]["path"] == f"/repos/{REPOSITORY}/actions/variables"
        assert github.requests[-1]["body"] == {
            "name": settings.GITHUB_REPO_VAR_ROLE_ARN,
            "value": result.ci_role_arn,
        }
        assert result.oidc_provider_arn == PROVIDER_ARN
        keys = iam.list_access_keys(UserName=settings.TEST_IAM_USER_NAME)["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in keys] == [read_dotenv_key_id(dotenv)]
        assert first_id is not None and read_dotenv_key_id(dotenv) != first_id
        stale = account.boto3_session(access_key_id=first_id, secret_access_key=first_secret)
        with pytest.raises(ClientError):
            stale.client("sts", **account.client_kwargs()).get_caller_identity()
        assert not result.is_emulator or result.endpoint_url is None

        destroyed = destroy(AwsAccountTarget("account"), dotenv_path=dotenv, log=quiet)
        assert destroyed.stack_deleted and destroyed.deleted_oidc_provider_arn is None
        assert not dotenv.exists()
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN)  # still there
        with pytest.raises(ClientError, match="NoSuchEntity"):
            iam.get_user(UserName=settings.TEST_IAM_USER_NAME)
        assert destroy(
            AwsAccountTarget("account"), dotenv_path=dotenv, log=quiet
        ).nothing_to_destroy
