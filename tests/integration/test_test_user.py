"""Through the test user's .env key: identity, caching, permissions, roles, hand-off, snapshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from boto_session_manager import BotoSesManager
from boto_session_manager.identity import mask_aws_account_id

from .conftest import AwsTarget

#: A child process that asks STS who it is, with whatever credentials its environment holds.
WHOAMI = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


class TestIdentity:
    def test_identity_properties(self, user_bsm: BotoSesManager, aws_target: AwsTarget) -> None:
        """Account id, user id and ARN are the test user's, and their masks hide the account."""
        assert user_bsm.aws_account_id == aws_target.account_id
        assert user_bsm.principal_arn == (
            f"arn:aws:iam::{aws_target.account_id}:user/{aws_target.test_user_name}"
        )
        assert user_bsm.aws_account_user_id.startswith("AIDA")
        assert user_bsm.masked_aws_account_id == mask_aws_account_id(aws_target.account_id)
        assert aws_target.account_id not in user_bsm.masked_principal_arn
        assert user_bsm.masked_principal_arn.endswith(f":user/{aws_target.test_user_name}")
        assert user_bsm.aws_region == aws_target.region

    def test_account_alias(self, user_bsm: BotoSesManager) -> None:
        """The alias call is allowed and answers a string or None."""
        alias = user_bsm.aws_account_alias
        assert alias is None or (isinstance(alias, str) and alias)

    def test_access_key_info(self, user_bsm: BotoSesManager, aws_target: AwsTarget) -> None:
        """sts:GetAccessKeyInfo on the user's own key names the account."""
        key_id = user_bsm.aws_access_key_id
        assert key_id is not None
        assert user_bsm.sts_client.get_access_key_info(AccessKeyId=key_id)["Account"] == (
            aws_target.account_id
        )

    def test_forbidden_action_is_access_denied(self, user_bsm: BotoSesManager) -> None:
        """An action outside the user's policy is refused by the endpoint."""
        with pytest.raises(ClientError) as info:
            user_bsm.iam_client.list_users()
        assert info.value.response["Error"]["Code"] == "AccessDenied"


class TestClientCache:
    def test_clients_and_resources_are_cached(self, user_bsm: BotoSesManager) -> None:
        """Clients and resources are reused per argument set and work against the endpoint."""
        sts = user_bsm.get_client("sts")
        assert sts is user_bsm.sts_client is user_bsm.get_client("sts")
        other = user_bsm.get_client("sts", region_name="us-west-2")
        assert other is not sts and other.meta.region_name == "us-west-2"
        iam = user_bsm.get_resource("iam")
        assert iam is user_bsm.get_resource("iam")
        assert sts.get_caller_identity()["Account"] == user_bsm.aws_account_id


class TestAssumeRole:
    def test_assume_test_role(self, user_bsm: BotoSesManager, aws_target: AwsTarget) -> None:
        """The test user assumes the test role and gets working temporary credentials."""
        role = user_bsm.assume_role(aws_target.test_role_arn, role_session_name="it-plain")
        role_name = aws_target.test_role_arn.split("/")[-1]
        assert role.principal_arn == (
            f"arn:aws:sts::{aws_target.account_id}:assumed-role/{role_name}/it-plain"
        )
        assert role.expiration_time is not None and not role.is_expired()
        assert role.aws_session_token

    def test_assume_test_role_auto_refresh(
        self, user_bsm: BotoSesManager, aws_target: AwsTarget
    ) -> None:
        """With auto_refresh the role credentials come from a refreshing provider and work."""
        role = user_bsm.assume_role(
            aws_target.test_role_arn, role_session_name="it-refresh", auto_refresh=True
        )
        assert role.principal_arn.endswith("/it-refresh")
        assert role.credential_provider is not None and role.credential_provider.fetches == 1
        assert role.expiration_time is not None and not role.is_expired()

    def test_user_cannot_assume_the_ci_role(
        self, user_bsm: BotoSesManager, aws_target: AwsTarget
    ) -> None:
        """The CI role trusts only GitHub's web identity: the test user is refused."""
        with pytest.raises(ClientError) as info:
            user_bsm.assume_role(aws_target.ci_role_arn)
        assert info.value.response["Error"]["Code"] == "AccessDenied"


class TestHandOff:
    def test_env_in_a_real_subprocess(self, user_bsm: BotoSesManager) -> None:
        """A child started with env() is the test user at the same endpoint."""
        out = subprocess.run(
            [sys.executable, "-c", WHOAMI],
            env=user_bsm.env(),
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert out.stdout.strip() == user_bsm.principal_arn

    def test_awscli_in_a_real_subprocess(
        self, user_bsm: BotoSesManager, aws_target: AwsTarget
    ) -> None:
        """Inside awscli() a child inheriting os.environ is the assumed role."""
        role = user_bsm.assume_role(aws_target.test_role_arn, role_session_name="it-cli")
        with role.awscli():
            out = subprocess.run(
                [sys.executable, "-c", WHOAMI],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
        assert out.stdout.strip().endswith("/it-cli")

    def test_snapshot_across_a_subprocess(
        self, user_bsm: BotoSesManager, aws_target: AwsTarget
    ) -> None:
        """A child rebuilds the role's session from a snapshot file and calls STS with it."""
        role = user_bsm.assume_role(aws_target.test_role_arn, role_session_name="it-snap")
        code = (
            "import sys; from boto_session_manager import BotoSesManager as B; "
            "b = B.from_snapshot_file(sys.argv[1]); "
            "print(b.sts_client.get_caller_identity()['Arn'])"
        )
        with role.temp_snapshot() as path:
            assert json.loads(Path(path).read_text())["expiration_time"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            out = subprocess.run(
                [sys.executable, "-c", code, str(path)],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
                env=env,
            )
        assert out.stdout.strip().endswith("/it-snap")
        assert not Path(path).exists()


class TestBsmCommand:
    def _run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GITHUB_"))}
        return subprocess.run(
            [sys.executable, "-m", "boto_session_manager.cli", *args],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def test_whoami_is_masked(self, aws_target: AwsTarget, user_bsm: BotoSesManager) -> None:
        """`bsm whoami` with the .env prints the test user with the account id masked."""
        assert aws_target.dotenv_path is not None
        result = self._run("--dotenv", str(aws_target.dotenv_path), "whoami", cwd=Path.cwd())
        assert result.returncode == 0, result.stderr
        assert f":user/{aws_target.test_user_name}" in result.stdout
        assert aws_target.account_id not in result.stdout
        assert "credential source: dotenv" in result.stderr
        from boto_session_manager.testing import assert_no_secrets

        assert_no_secrets(
            {"secret key": user_bsm.aws_secret_access_key},
            {"stdout": result.stdout, "stderr": result.stderr},
        )

    def test_exec_runs_a_command_as_the_test_user(
        self, aws_target: AwsTarget, user_bsm: BotoSesManager
    ) -> None:
        """`bsm exec -- CMD` gives CMD the .env credentials and endpoint."""
        assert aws_target.dotenv_path is not None
        result = self._run(
            "-q",
            "--dotenv",
            str(aws_target.dotenv_path),
            "exec",
            "--",
            sys.executable,
            "-c",
            WHOAMI,
            cwd=Path.cwd(),
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == user_bsm.principal_arn
