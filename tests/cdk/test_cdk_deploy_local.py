"""The local target of deploy: what a deploy holds, checked through the AWS APIs; bad input.

What a deploy holds is checked on the run's one fresh stack (``tests/shared_setup.py``); deploy's
own background emulator and the aws target have their files (``test_cdk_deploy_background.py``,
``test_cdk_deploy_aws_target.py``), so pytest-xdist runs the three deploys side by side."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import jwt
import pytest
from botocore.exceptions import ClientError
from dotenv import dotenv_values

from boto_session_manager.testing.local_aws import LocalAws, start_local_aws
from boto_session_manager.testing.web_identity_roles import github_provider_arn, web_identity_role
from cdk import settings
from cdk.access_key import DOTENV_MARKER
from cdk.cdk_cli import ensure_cdk_cli
from cdk.deploy import PROJECT_DIR, choose_target, deploy, destroy, main
from cdk.errors import DeployError
from cdk.github_oidc import GitHubSubjectFilter
from cdk.targets import AwsAccountTarget, LocalEmulatorTarget
from tests.cdk.deploy_values import (
    ACCOUNT,
    CI_ROLE_ARN,
    IMMUTABLE,
    NAME,
    OWNER,
    PINNED,
    PROVIDER_ARN,
    REPOSITORY,
    TEST_ROLE_ARN,
    USER_ARN,
    quiet,
    sts_client,
)
from tests.shared_setup import OWNER_ID, REPOSITORY_ID

if TYPE_CHECKING:
    from tests.shared_setup import FreshStack

#: A job of the repository, with GitHub's API out of reach (the sub lookup falls back at once).
IN_ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": REPOSITORY,
              "GITHUB_API_URL": "http://127.0.0.1:9"}  # fmt: skip


def _token(sub: str, aud: str = settings.GITHUB_OIDC_AUDIENCE) -> str:
    """A token shaped like GitHub's (the emulator, unlike AWS, does not check its signature)."""
    now = int(time.time())
    claims = {
        "iss": settings.GITHUB_OIDC_PROVIDER_URL, "aud": aud, "sub": sub, "iat": now,
        "nbf": now, "exp": now + 300, "repository": REPOSITORY,
    }  # fmt: skip
    return jwt.encode(claims, "local-test-signing-key-0123456789abcdef", algorithm="HS256")


def _actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


#: Subs (formatted with the fresh stack's names) the CI role must refuse, then the same
#: repository's subs for an audience other than STS.
MAIN = ":ref:refs/heads/main"
REFUSED = {
    "repo-evil": "repo:{owner}/{name}-evil" + MAIN,
    "other-repo": "repo:{owner}/other" + MAIN,
    "other-owner": "repo:evil/{name}" + MAIN,
    "immutable-repo-evil": "repo:{owner}@{owner_id}/{name}-evil@{repository_id}" + MAIN,
    "immutable-repo-id-longer": "repo:{owner}@{owner_id}/{name}@{repository_id}1" + MAIN,
    "immutable-other-owner": "repo:evil@{owner_id}/{name}@{repository_id}" + MAIN,
    "immutable-other-owner-id": "repo:{owner}@9/{name}@{repository_id}" + MAIN,
}
OTHER_AUDIENCE = {
    "name-other-audience": "repo:{owner}/{name}" + MAIN,
    "immutable-other-audience": "repo:{owner}@{owner_id}/{name}@{repository_id}" + MAIN,
}


def _format(template: str, stack: FreshStack) -> str:
    return template.format(
        owner=stack.owner,
        name=stack.name,
        owner_id=stack.owner_id,
        repository_id=stack.repository_id,
    )


class TestFreshDeploy:
    """What the session's fresh stack holds (``tests/shared_setup.py``: deployed once into a
    fresh emulator, and read by the integration suite too, which changes none of it)."""

    def test_result_and_outputs(self, fresh_stack: FreshStack) -> None:
        """deploy returns the Deployment read from the stack's outputs, endpoint and .env."""
        result = fresh_stack.deployment
        assert (result.test_user_name, result.test_role_arn, result.ci_role_arn) == (
            settings.TEST_IAM_USER_NAME, TEST_ROLE_ARN, CI_ROLE_ARN,
        )  # fmt: skip
        assert (result.account_id, result.github_repository) == (ACCOUNT, fresh_stack.repository)
        assert result.endpoint_url == fresh_stack.emulator.endpoint_url
        assert result.is_emulator
        assert result.dotenv_path == fresh_stack.dotenv
        stack = fresh_stack.client("cloudformation").describe_stacks(
            StackName=settings.CFN_STACK_NAME
        )["Stacks"][0]
        assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert outputs["CiRoleArn"] == CI_ROLE_ARN
        assert outputs["GitHubOidcProviderArn"] == PROVIDER_ARN

    def test_the_app_is_synthesized_once(self, fresh_stack: FreshStack) -> None:
        """deploy synthesizes once and the CLI deploys that assembly: no ``-c``
        arguments, so the CLI does not run the app again, nor does bootstrap."""
        messages = fresh_stack.deploy_messages
        synthesized = [m for m in messages if m.startswith("synthesized ")]
        assert len(synthesized) == 1, messages
        commands = [m for m in messages if m.startswith("cdk ") and " done in " not in m]
        assert [c.split()[1] for c in commands] == ["bootstrap", "deploy"], commands
        assert not any(" -c " in c for c in commands), commands

    def test_deploy_reuses_the_emulator_running_in_local_aws(self, fresh_stack: FreshStack) -> None:
        """An emulator already running in the project's .local-aws/ is found and deployed into,
        not a second one started."""
        emulator = fresh_stack.emulator
        assert fresh_stack.deployment.endpoint_url == emulator.endpoint_url
        reused = f"reusing the local AWS emulator at {emulator.endpoint_url} (pid {emulator.pid})"
        assert reused in fresh_stack.deploy_messages
        assert not any("started the local AWS emulator" in m for m in fresh_stack.deploy_messages)

    def test_oidc_provider(self, fresh_stack: FreshStack) -> None:
        """The GitHub provider exists with client id sts.amazonaws.com."""
        provider = fresh_stack.client("iam").get_open_id_connect_provider(
            OpenIDConnectProviderArn=PROVIDER_ARN
        )
        assert provider["ClientIDList"] == [settings.GITHUB_OIDC_AUDIENCE]
        assert settings.GITHUB_OIDC_PROVIDER_HOST in provider["Url"]

    def test_user_policy(self, fresh_stack: FreshStack) -> None:
        """The user's one inline policy allows the reads and AssumeRole on the test role only."""
        iam = fresh_stack.client("iam")
        [name] = iam.list_user_policies(UserName=settings.TEST_IAM_USER_NAME)["PolicyNames"]
        document = iam.get_user_policy(UserName=settings.TEST_IAM_USER_NAME, PolicyName=name)[
            "PolicyDocument"
        ]
        document = json.loads(document) if isinstance(document, str) else document
        assert _actions(document) == {*settings.TEST_USER_READ_ACTIONS, "sts:AssumeRole"}
        [assume] = [s for s in document["Statement"] if s["Action"] == "sts:AssumeRole"]
        assert assume["Resource"] == TEST_ROLE_ARN

    def test_roles(self, fresh_stack: FreshStack) -> None:
        """Test role trusts the user and CI role; CI role trusts the provider with aud and sub."""
        iam = fresh_stack.client("iam")
        test_role = iam.get_role(RoleName=settings.TEST_IAM_ROLE_NAME)["Role"]
        principals = {
            s["Principal"]["AWS"] for s in test_role["AssumeRolePolicyDocument"]["Statement"]
        }
        assert principals == {USER_ARN, CI_ROLE_ARN}
        ci_role = iam.get_role(RoleName=settings.CI_IAM_ROLE_NAME)["Role"]
        assert ci_role["MaxSessionDuration"] == settings.CI_ROLE_MAX_SESSION_SECONDS
        [trust] = ci_role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Federated": PROVIDER_ARN}
        host = settings.GITHUB_OIDC_PROVIDER_HOST
        assert trust["Condition"]["StringEquals"] == {f"{host}:aud": settings.GITHUB_OIDC_AUDIENCE}
        assert trust["Condition"]["StringLike"] == {
            f"{host}:sub": [f"repo:{fresh_stack.repository}:*", f"repo:{fresh_stack.immutable}:*"]
        }
        for role in (settings.TEST_IAM_ROLE_NAME, settings.CI_IAM_ROLE_NAME):
            names = iam.list_role_policies(RoleName=role)["PolicyNames"]
            documents = [
                iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"] for n in names
            ]
            actions = set().union(*(_actions(d) for d in documents))
            expected = set(settings.IDENTITY_READ_ACTIONS)
            if role == settings.CI_IAM_ROLE_NAME:
                expected.add("sts:AssumeRole")
            assert actions == expected

    def test_dotenv_key_works_and_reaches_the_test_role(self, fresh_stack: FreshStack) -> None:
        """The .env key is the user's; it may assume the test role; .env points at the emulator."""
        values = dotenv_values(fresh_stack.dotenv)
        assert fresh_stack.dotenv.read_text().splitlines()[0] == DOTENV_MARKER
        assert values[settings.DOTENV_ENDPOINT_URL_VAR] == fresh_stack.emulator.endpoint_url
        assert values[settings.DOTENV_CA_BUNDLE_VAR] == str(fresh_stack.emulator.ca_bundle)
        assert values[settings.DOTENV_REGION_VAR] == settings.AWS_REGION
        sts = sts_client(
            fresh_stack.emulator,
            values[settings.DOTENV_ACCESS_KEY_ID_VAR],
            values[settings.DOTENV_SECRET_ACCESS_KEY_VAR],
        )
        assert sts.get_caller_identity()["Arn"] == USER_ARN
        assumed = sts.assume_role(RoleArn=TEST_ROLE_ARN, RoleSessionName="deploy-test")
        assert assumed["AssumedRoleUser"]["Arn"].startswith(
            f"arn:aws:sts::{ACCOUNT}:assumed-role/{settings.TEST_IAM_ROLE_NAME}/"
        )
        with pytest.raises(ClientError, match="AccessDenied"):
            sts.assume_role(RoleArn=CI_ROLE_ARN, RoleSessionName="deploy-test")

    @pytest.mark.parametrize("form", ["name", "immutable"])
    def test_ci_role_through_web_identity(self, fresh_stack: FreshStack, form: str) -> None:
        """A token of this repository, in either sub form, gets the CI role (and the test role)."""
        repository = fresh_stack.repository if form == "name" else fresh_stack.immutable
        sts = sts_client(fresh_stack.emulator, "unused", "unused")
        creds = sts.assume_role_with_web_identity(
            RoleArn=CI_ROLE_ARN,
            RoleSessionName="gha",
            WebIdentityToken=_token(f"repo:{repository}:ref:refs/heads/main"),
        )["Credentials"]
        ci = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=fresh_stack.emulator.region,
        ).client("sts", **fresh_stack.emulator.client_kwargs())
        assert ci.get_caller_identity()["Arn"].startswith(
            f"arn:aws:sts::{ACCOUNT}:assumed-role/{settings.CI_IAM_ROLE_NAME}/"
        )
        assert ci.assume_role(RoleArn=TEST_ROLE_ARN, RoleSessionName="from-ci")["Credentials"]

    @pytest.mark.parametrize(
        ("sub", "aud"),
        [
            *[pytest.param(sub, settings.GITHUB_OIDC_AUDIENCE, id=k) for k, sub in REFUSED.items()],
            *[pytest.param(sub, "https://github.com/someone", id=k)
              for k, sub in OTHER_AUDIENCE.items()],
        ],
    )  # fmt: skip
    def test_ci_role_refuses_other_repositories_and_audiences(
        self, fresh_stack: FreshStack, sub: str, aud: str
    ) -> None:
        """Another repository (REPO-evil too) or another audience is refused by the trust policy."""
        sts = sts_client(fresh_stack.emulator, "unused", "unused")
        with pytest.raises(ClientError, match="AccessDenied"):
            sts.assume_role_with_web_identity(
                RoleArn=CI_ROLE_ARN,
                RoleSessionName="gha",
                WebIdentityToken=_token(_format(sub, fresh_stack), aud),
            )


class TestBadInput:
    def test_unknown_target(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown target is one error line naming both valid targets."""
        assert main(["deploy", "mars"], environ={}) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "-- local" in err and "-- aws" in err

    def test_aws_without_profile(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Target aws without AWS_PROFILE_FOR_CDK says which variable to set."""
        assert main(["deploy", "aws"], environ={}) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK in err

    def test_unconfigured_profile(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """A profile missing from the AWS config is one line with the command that fixes it."""
        (tmp_path / "config").write_text("")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "config"))
        env = {settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK: "nope", **IN_ACTIONS}
        assert main(["deploy"], environ=env) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "aws configure --profile nope" in err

    def test_profile_refused_by_sts_client(
        self,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path,
        local_aws: LocalAws,
    ) -> None:
        """A profile whose key the endpoint refuses is one line, before anything is deployed."""
        unknown_key = "AKIA" + uuid.uuid4().hex[:16].upper()
        (tmp_path / "config").write_text(
            "[profile stale]\n"
            f"region = {settings.AWS_REGION}\n"
            f"endpoint_url = {local_aws.endpoint_url}\n"
            f"ca_bundle = {local_aws.ca_bundle}\n"
            f"aws_access_key_id = {unknown_key}\n"
            "aws_secret_access_key = not-a-real-secret\n"
        )
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_CA_BUNDLE",
        ):
            monkeypatch.delenv(name, raising=False)
        env = {settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK: "stale", **IN_ACTIONS}
        assert main(["deploy", "aws"], environ=env) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "'stale'" in err and "refused by STS" in err
        assert "not-a-real-secret" not in err

    def test_missing_node(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        """Without node and npm on PATH the error says to install Node.js."""
        monkeypatch.setenv("PATH", str(tmp_path))
        with pytest.raises(
            DeployError, match=r"node and npm not found .* Node\.js with npm, 22 or 24 preferred"
        ):
            ensure_cdk_cli(PROJECT_DIR / "cdk", log=quiet)

    def test_cli_installs_into_a_relative_cdk_dir(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Given a relative folder (the noxfile passes ``cdk``), npm installs into that folder."""
        import os
        import shutil
        import sys

        project = tmp_path / "clone"
        (project / "cdk").mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PROJECT_DIR / "cdk" / name, project / "cdk" / name)
        # a stand-in npm: records where it ran and with what, and makes the CLI there
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        record = tmp_path / "npm-calls.json"
        version = json.loads((project / "cdk" / "package.json").read_text())["devDependencies"]
        npm = bin_dir / "npm"
        npm.write_text(
            f"#!{sys.executable}\n"
            "import json, os, pathlib, sys\n"
            f"pathlib.Path({str(record)!r}).write_text(json.dumps([os.getcwd(), sys.argv[1:]]))\n"
            "root = pathlib.Path(os.getcwd())\n"
            "if '--prefix' in sys.argv: root = root / sys.argv[sys.argv.index('--prefix') + 1]\n"
            "(root / 'node_modules/.bin').mkdir(parents=True, exist_ok=True)\n"
            "(root / 'node_modules/.bin/cdk').write_text('')\n"
            "(root / 'node_modules/aws-cdk').mkdir(parents=True, exist_ok=True)\n"
            "(root / 'node_modules/aws-cdk/package.json').write_text(json.dumps("
            f"{{'version': {version['aws-cdk']!r}}}))\n"
        )
        npm.chmod(0o755)
        (bin_dir / "node").symlink_to(sys.executable)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.chdir(project)

        cli = ensure_cdk_cli(Path("cdk"), log=quiet)

        assert cli == project / "cdk" / "node_modules" / ".bin" / "cdk" and cli.exists()
        assert not (project / "cdk" / "cdk").exists()
        cwd, args = json.loads(record.read_text())
        assert Path(cwd) == project / "cdk" and args[0] == "ci"

    def test_default_target_is_local_and_said_loudly(self) -> None:
        """Without a profile the target is local, announced in capitals; with one it is aws."""
        messages: list[str] = []
        assert isinstance(choose_target(None, {}, log=messages.append), LocalEmulatorTarget)
        assert any("TARGETING THE LOCAL AWS EMULATOR" in m for m in messages)
        env = {settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK: "admin"}
        chosen = choose_target(None, env, log=messages.append)
        assert isinstance(chosen, AwsAccountTarget) and chosen.profile == "admin"

    def test_destroy_on_nothing_cleans_a_stale_local_dotenv(self, tmp_path: Path) -> None:
        """Destroy with no emulator running succeeds and removes .env left for a dead emulator."""
        dotenv = tmp_path / settings.DOTENV_PATH
        dotenv.write_text(
            f"{DOTENV_MARKER}\n{settings.DOTENV_ENDPOINT_URL_VAR}='https://127.0.0.1:1'\n"
        )
        messages: list[str] = []
        target = LocalEmulatorTarget(tmp_path / settings.LOCAL_AWS_STATE_DIR)
        result = destroy(target, project_dir=tmp_path, log=messages.append)
        assert result.nothing_to_destroy
        assert not dotenv.exists()
        assert any("nothing to destroy" in m for m in messages)

    def test_plain_http_emulator_is_refused(self, tmp_path: Path) -> None:
        """An emulator without TLS is refused up front: the CDK bootstrap bucket denies HTTP."""
        with start_local_aws(state_dir=tmp_path / "http") as plain:
            with pytest.raises(DeployError, match="needs the emulator over HTTPS"):
                deploy(
                    LocalEmulatorTarget(emulator=plain),
                    dotenv_path=tmp_path / ".env",
                    context=PINNED,
                    log=quiet,
                )
            iam = plain.boto3_session().client("iam", **plain.client_kwargs())
            assert iam.list_users()["Users"] == []
        assert not (tmp_path / ".env").exists()


#: (template, a sub GitHub would send for the repository, attacks that must be refused)
TEMPLATE_CASES = {
    "immutable-only": (
        {"owner_id": OWNER_ID, "repository_id": REPOSITORY_ID, "accept_name_form": False},
        f"repo:{IMMUTABLE}:ref:refs/heads/main",
        [f"repo:{REPOSITORY}:ref:refs/heads/main",  # the name form, no longer sent
         f"repo:{OWNER}@{OWNER_ID}/{NAME}-evil@{REPOSITORY_ID}:ref:refs/heads/main",
         f"repo:evil@{OWNER_ID}/{NAME}@{REPOSITORY_ID}:ref:refs/heads/main"],
    ),
    "custom-owner-then-repo": (
        {"claim_keys": ("repository_owner", "repo", "context")},
        f"repository_owner:{OWNER}:repo:{REPOSITORY}:ref:refs/heads/main",
        [f"repository_owner:{OWNER}:repo:{REPOSITORY}-evil:ref:refs/heads/main",
         f"repository_owner:evil:repo:evil/{NAME}:ref:refs/heads/main",
         f"repo:{REPOSITORY}:ref:refs/heads/main"],
    ),
    "custom-ids": (
        {"owner_id": OWNER_ID, "repository_id": REPOSITORY_ID,
         "claim_keys": ("repository_owner_id", "repository_id", "context")},
        f"repository_owner_id:{OWNER_ID}:repository_id:{REPOSITORY_ID}:environment:prod",
        [f"repository_owner_id:{OWNER_ID}:repository_id:{REPOSITORY_ID}1:environment:prod",
         f"repository_owner_id:9:repository_id:{REPOSITORY_ID}:environment:prod"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(TEMPLATE_CASES))
def test_emulator_sts_judges_every_sub_form(local_aws: LocalAws, case: str) -> None:
    """For each sub format the stack can write, STS accepts the repository and denies attacks."""
    options, good, attacks = TEMPLATE_CASES[case]
    subject = GitHubSubjectFilter(owner=OWNER, repository=NAME, **options)
    iam = local_aws.boto3_session().client("iam", **local_aws.client_kwargs())
    provider_arn, created = github_provider_arn(iam)
    sts = sts_client(local_aws, "unused", "unused")
    try:
        with web_identity_role(
            iam, provider_arn=provider_arn, sub_patterns=subject.sub_patterns(), prefix="bsm-form"
        ) as role_arn:
            accepted = sts.assume_role_with_web_identity(
                RoleArn=role_arn, RoleSessionName="gha", WebIdentityToken=_token(good)
            )
            assert accepted["Credentials"]["AccessKeyId"]
            for sub in attacks:
                with pytest.raises(ClientError, match="AccessDenied"):
                    sts.assume_role_with_web_identity(
                        RoleArn=role_arn, RoleSessionName="gha", WebIdentityToken=_token(sub)
                    )
    finally:
        if created:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
