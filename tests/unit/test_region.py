"""The region order (argument, AWS_REGION, AWS_DEFAULT_REGION, profile) and its hand-off.

The tests set only ``AWS_REGION`` wherever that is what a GitHub workflow sets: botocore
reads only ``AWS_DEFAULT_REGION``, so the manager must do the rest itself.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.testing import GitHubOidcIssuer

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]
KEYS = {
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
CHILD_REGION = (
    "import botocore.session; print(botocore.session.Session().get_config_variable('region'))"
)


@pytest.fixture
def profile_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A default profile whose region is ap-south-1."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = ap-south-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return "ap-south-1"


class TestOrder:
    def test_argument_then_aws_region_then_aws_default_region_then_profile(
        self, monkeypatch: pytest.MonkeyPatch, profile_region: str
    ) -> None:
        """Each source of the region wins over the ones after it, for every manager built."""

        def region(**kwargs: Any) -> str | None:
            return BotoSesManager(**KEYS, **kwargs).aws_region

        assert region() == profile_region
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
        assert region() == "eu-central-1"
        monkeypatch.setenv("AWS_REGION", "eu-west-3")
        assert region() == "eu-west-3"
        assert region(region_name="us-west-2") == "us-west-2"

    def test_from_environment_reads_the_environ_it_is_given(self, tmp_path: Path) -> None:
        """from_environment(environ=...) takes AWS_REGION, else AWS_DEFAULT_REGION, from it."""

        def region(environ: dict[str, str], **kwargs: Any) -> str | None:
            bsm = BotoSesManager.from_environment(
                dotenv_path=tmp_path / "none.env", environ=environ, **kwargs
            )
            return bsm.aws_region

        assert region({"AWS_REGION": "eu-north-1"}) == "eu-north-1"
        assert region({"AWS_DEFAULT_REGION": "eu-south-1"}) == "eu-south-1"
        both = {"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "eu-south-1"}
        assert region(both) == "eu-north-1"
        assert region(both, region_name="sa-east-1") == "sa-east-1"


class TestOnlyAwsRegion:
    def test_every_constructor_gets_it(
        self,
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        local_sts: Any,
        github_oidc_issuer: GitHubOidcIssuer,
    ) -> None:
        """With only AWS_REGION set, every constructor's manager has that region."""
        monkeypatch.setenv("AWS_REGION", "eu-west-3")
        dotenv = tmp_path / ".env"
        dotenv.write_text(
            f"AWS_ACCESS_KEY_ID={KEYS['aws_access_key_id']}\nAWS_SECRET_ACCESS_KEY=s\n"
        )
        at_local_sts = {"endpoint_url": local_sts.url}
        oidc_environ = {**github_oidc_issuer.environ(), "AWS_ROLE_ARN": ROLE_ARN}
        oidc_environ["AWS_REGION"] = "eu-west-3"
        plain = BotoSesManager(**KEYS, default_client_kwargs=at_local_sts)
        managers = {
            "BotoSesManager()": plain,
            "from_dotenv": BotoSesManager.from_dotenv(dotenv),
            "from_environment, default chain": BotoSesManager.from_environment(
                source="default", dotenv_path=dotenv
            ),
            "from_environment, .env": BotoSesManager.from_environment(dotenv_path=dotenv),
            "from_environment, GitHub OIDC": BotoSesManager.from_environment(
                environ=oidc_environ, default_client_kwargs=at_local_sts
            ),
            "from_web_identity": BotoSesManager.from_web_identity(
                ROLE_ARN,
                token_loader=lambda: "header.payload.sig",
                default_client_kwargs=at_local_sts,
            ),
            "assume_role": plain.assume_role(ROLE_ARN),
            "assume_role(auto_refresh=True)": plain.assume_role(ROLE_ARN, auto_refresh=True),
        }
        regions = {name: bsm.aws_region for name, bsm in managers.items()}
        assert regions == dict.fromkeys(managers, "eu-west-3")

    def test_a_web_identity_manager_signs_calls_for_it(
        self, monkeypatch: pytest.MonkeyPatch, local_sts: Any
    ) -> None:
        """The exchange and the signed calls after it work with only AWS_REGION set."""
        monkeypatch.setenv("AWS_REGION", "eu-west-3")
        bsm = BotoSesManager.from_web_identity(
            ROLE_ARN,
            token_loader=lambda: "header.payload.sig",
            default_client_kwargs={"endpoint_url": local_sts.url},
        )
        assert bsm.sts_client.get_caller_identity()["Account"] == "123456789012"
        assert bsm.sts_client.meta.region_name == "eu-west-3"
        assert local_sts.calls["AssumeRoleWithWebIdentity"] == 1


class TestHandOff:
    def test_env_hands_on_both_variables(self, make_bsm: MakeBsm) -> None:
        """env() sets AWS_REGION and AWS_DEFAULT_REGION to the manager's region."""
        env = make_bsm(region_name="eu-west-3").env(base={"AWS_REGION": "us-east-2"})
        assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-west-3", "eu-west-3")

    def test_a_child_keeps_the_job_region_when_the_manager_has_none(
        self, make_bsm: MakeBsm
    ) -> None:
        """A manager without a region hands on the region of the base environment, both names."""
        bsm = make_bsm(region_name=None)
        assert bsm.aws_region is None
        env = bsm.env(base={"AWS_REGION": "eu-west-3", "PATH": "/usr/bin:/bin"})
        assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-west-3", "eu-west-3")
        env = bsm.env(base={"AWS_DEFAULT_REGION": "eu-south-1"})
        assert (env["AWS_REGION"], env["AWS_DEFAULT_REGION"]) == ("eu-south-1", "eu-south-1")

    def test_a_botocore_child_finds_the_region(
        self, make_bsm: MakeBsm, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A child process started with env() from a job with only AWS_REGION has that region."""
        monkeypatch.setenv("AWS_REGION", "eu-west-3")
        out = subprocess.run(
            [sys.executable, "-c", CHILD_REGION],
            env=make_bsm(region_name=None).env(),
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == "eu-west-3"
