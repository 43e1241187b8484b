"""Through GitHub Actions OIDC: the CI role, role chaining, `bsm github-env`, the trust boundary."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.exceptions import RoleTrustError
from boto_session_manager.testing import (
    GitHubOidcIssuer,
    GitHubRunContext,
    assert_no_secrets,
    fingerprint,
    redact,
)
from boto_session_manager.testing.local_aws import LocalAws
from boto_session_manager.testing.web_identity_roles import github_provider_arn, web_identity_role

from .conftest import OWNER, REPOSITORY, REPOSITORY_NAME, AwsTarget

WHOAMI = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


def ci_role_name(target: AwsTarget) -> str:
    """The CI role's name from its ARN."""
    return target.ci_role_arn.split("/")[-1]


class TestCiRole:
    def test_ci_role_through_oidc(self, ci_bsm: BotoSesManager, aws_target: AwsTarget) -> None:
        """The token is exchanged for the CI role's credentials."""
        assert ci_bsm.principal_arn.startswith(
            f"arn:aws:sts::{aws_target.account_id}:assumed-role/{ci_role_name(aws_target)}/"
        )
        expiry = ci_bsm.expiration_time
        assert expiry is not None and not ci_bsm.is_expired()

    def test_ci_role_then_test_role(self, ci_bsm: BotoSesManager, aws_target: AwsTarget) -> None:
        """From the CI role, the test role is assumed, plain and with auto-refresh."""
        role_name = aws_target.test_role_arn.split("/")[-1]
        plain = ci_bsm.assume_role(aws_target.test_role_arn, role_session_name="it-from-ci")
        assert plain.principal_arn.endswith(f":assumed-role/{role_name}/it-from-ci")
        refreshing = ci_bsm.assume_role(
            aws_target.test_role_arn, role_session_name="it-from-ci-r", auto_refresh=True
        )
        assert refreshing.principal_arn.endswith(f":assumed-role/{role_name}/it-from-ci-r")

    def test_github_env_hands_credentials_to_the_next_step(
        self, aws_target: AwsTarget, oidc_environ: Mapping[str, str], scratch_dir: Path
    ) -> None:
        """`bsm github-env` masks and exports the CI role's credentials; a next step uses them."""
        github_env = scratch_dir / "github_env"
        github_env.write_text("")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACTIONS_"))}
        step_env = {
            **base,
            **oidc_environ,
            **aws_target.endpoint_env(),
            "GITHUB_ENV": str(github_env),
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "boto_session_manager.cli",
                "--role-arn",
                aws_target.ci_role_arn,
                "github-env",
            ],
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=scratch_dir,
        )
        exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines())
        assert result.returncode == 0, redact(result.stderr, exported.values())
        masked = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        masks = [line.removeprefix("::add-mask::") for line in result.stdout.splitlines()]
        assert [fingerprint(m) for m in masks] == [fingerprint(exported[n]) for n in masked]
        assert_no_secrets({name: exported[name] for name in masked[1:]}, {"stderr": result.stderr})
        assert "these keys expire at " in result.stderr  # and how to outlive them:
        assert "`bsm github-env --profile NAME`" in result.stderr
        next_step = {**base, **aws_target.endpoint_env(), **exported, "GITHUB_ACTIONS": "true"}
        out = subprocess.run(
            [sys.executable, "-c", WHOAMI],
            env=next_step,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert f":assumed-role/{ci_role_name(aws_target)}/" in out.stdout


def _refused(
    issuer: GitHubOidcIssuer,
    target: AwsTarget,
    role_arn: str,
    context: GitHubRunContext,
    audience: str = "sts.amazonaws.com",
) -> RoleTrustError:
    issuer.context = context
    bsm = BotoSesManager.from_github_oidc(
        role_arn,
        audience=audience,
        environ=issuer.environ(),
        region_name=target.region,
        default_client_kwargs=target.client_kwargs(),
    )
    with pytest.raises(RoleTrustError) as info:
        bsm.get_frozen_credentials()
    return info.value


class TestTrustBoundary:
    @pytest.mark.parametrize(
        "repository",
        [
            f"{OWNER}/another-repository",
            f"{REPOSITORY}-evil",
            f"someone-else/{REPOSITORY_NAME}",
        ],
        ids=["other-repository", "repo-evil", "other-owner"],
    )
    def test_token_for_another_repository(
        self, forging_issuer: GitHubOidcIssuer, aws_target: AwsTarget, repository: str
    ) -> None:
        """A token of any other repository is refused with the clear trust error."""
        error = _refused(
            forging_issuer,
            aws_target,
            aws_target.ci_role_arn,
            GitHubRunContext(repository=repository),
        )
        assert aws_target.ci_role_arn in str(error)
        assert f"repository='{repository}'" in str(error)

    def test_wrong_audience(self, forging_issuer: GitHubOidcIssuer, aws_target: AwsTarget) -> None:
        """A token of the right repository for another audience is refused."""
        error = _refused(
            forging_issuer,
            aws_target,
            aws_target.ci_role_arn,
            GitHubRunContext(repository=REPOSITORY),
            audience="https://github.com/someone",
        )
        assert "aud='https://github.com/someone'" in str(error)


@pytest.fixture(scope="module")
def narrowed_role(local_emulator: LocalAws) -> Iterator[str]:
    """A role whose sub is narrowed to branch main and environment prod (local only)."""
    from cdk.github_oidc import GitHubSubjectFilter

    iam = local_emulator.boto3_session().client("iam", **local_emulator.client_kwargs())
    provider_arn, _ = github_provider_arn(iam)
    subject = GitHubSubjectFilter(
        owner=OWNER,
        repository=REPOSITORY_NAME,
        branches=("main",),
        environments=("prod",),
    )
    with web_identity_role(
        iam, provider_arn=provider_arn, sub_patterns=subject.sub_patterns(), prefix="bsm-narrowed"
    ) as arn:
        yield arn


class TestNarrowedSub:
    @pytest.mark.parametrize(
        "context",
        [
            GitHubRunContext(repository=REPOSITORY, ref="refs/heads/main"),
            GitHubRunContext(repository=REPOSITORY, ref="refs/heads/dev", environment="prod"),
        ],
        ids=["branch-main", "environment-prod"],
    )
    def test_inside_the_narrowed_sub(
        self,
        forging_issuer: GitHubOidcIssuer,
        aws_target: AwsTarget,
        narrowed_role: str,
        context: GitHubRunContext,
    ) -> None:
        """The named branch and the named environment are accepted."""
        forging_issuer.context = context
        bsm = BotoSesManager.from_github_oidc(
            narrowed_role,
            environ=forging_issuer.environ(),
            region_name=aws_target.region,
            default_client_kwargs=aws_target.client_kwargs(),
        )
        assert f":assumed-role/{narrowed_role.split('/')[-1]}/" in bsm.principal_arn

    @pytest.mark.parametrize(
        "context",
        [
            GitHubRunContext(repository=REPOSITORY, ref="refs/heads/dev"),
            GitHubRunContext(repository=REPOSITORY, ref="refs/heads/main", environment="staging"),
            GitHubRunContext(repository=REPOSITORY, ref="refs/tags/v1.0.0"),
            GitHubRunContext(
                repository=REPOSITORY, event_name="pull_request", ref="refs/pull/1/merge"
            ),
        ],
        ids=["branch-dev", "environment-staging", "tag", "pull-request"],
    )
    def test_outside_the_narrowed_sub(
        self,
        forging_issuer: GitHubOidcIssuer,
        aws_target: AwsTarget,
        narrowed_role: str,
        context: GitHubRunContext,
    ) -> None:
        """Another branch, environment, a tag or a pull request is refused with the trust error."""
        error = _refused(forging_issuer, aws_target, narrowed_role, context)
        assert narrowed_role in str(error)
