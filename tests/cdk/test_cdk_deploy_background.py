"""Deploy's own emulator: without one, deploy starts one in the project's .local-aws/; destroy
through the given emulator leaves nothing; destroy through .local-aws/ stops it. One emulator
and one deployment, in that order.

A deploy reusing an emulator already running in .local-aws/ is checked on the run's fresh stack
(``test_cdk_deploy_local.py``) and key rotation by the aws target's second deploy
(``test_cdk_deploy_aws_target.py``), so this emulator sees one deploy: every deploy is a CDK
CLI run that synthesizes the app (about 5 s of CPU)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from boto_session_manager.testing.local_aws import LocalAws, find_local_aws
from cdk import settings
from cdk.access_key import read_dotenv_key_id
from cdk.deploy import deploy, destroy
from cdk.deployment import Deployment
from cdk.targets import LocalEmulatorTarget
from tests.cdk.deploy_values import PINNED, PROVIDER_ARN, proc_state, quiet
from tests.shared_setup import project_copy


@dataclass(frozen=True)
class Background:
    """The stack deployed with no emulator running before: deploy started one."""

    project: Path
    state_dir: Path
    deployment: Deployment
    #: The emulator found through the state folder after the deploy.
    running: LocalAws | None

    @property
    def dotenv(self) -> Path:
        """The project's .env, where deploy wrote the key."""
        return self.project / settings.DOTENV_PATH

    @property
    def emulator(self) -> LocalAws:
        """The emulator the deploy started."""
        assert self.running is not None, f"the deploy started no emulator in {self.state_dir}"
        return self.running

    def client(self, service: str) -> Any:
        """An admin client of the emulator."""
        return self.emulator.boto3_session().client(service, **self.emulator.client_kwargs())


@pytest.fixture(scope="class")
def background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Background]:
    """Deploy into a project with no emulator running (deploy starts one in its .local-aws/);
    destroy after, which stops the emulator if it is still up."""
    project = project_copy(tmp_path_factory.mktemp("project"))
    state_dir = project / settings.LOCAL_AWS_STATE_DIR
    try:
        deployment = deploy(
            LocalEmulatorTarget(state_dir), project_dir=project, context=PINNED, log=quiet
        )
        yield Background(project, state_dir, deployment, find_local_aws(state_dir))
    finally:
        destroy(LocalEmulatorTarget(state_dir), project_dir=project, log=quiet)


class TestBackgroundEmulator:
    """Deploy's own emulator, from its start to its stop; the tests run in this order (the last
    two destroy), on one emulator and one deployment."""

    def test_deploy_starts_one_in_local_aws(self, background: Background) -> None:
        """Without an emulator, deploy starts one in .local-aws/ and records its pid there."""
        deployment, running = background.deployment, background.running
        assert running is not None and running.endpoint_url == deployment.endpoint_url
        assert (background.state_dir / "pid").read_text().strip() == str(running.pid)
        assert deployment.dotenv_path == background.dotenv

    def test_destroy_leaves_nothing(self, background: Background) -> None:
        """Destroy removes key, .env, stack, user, roles and the provider deploy made; the given
        emulator keeps running; again: nothing to do."""
        key_id = read_dotenv_key_id(background.dotenv)
        target = LocalEmulatorTarget(emulator=background.emulator)
        result = destroy(target, dotenv_path=background.dotenv, log=quiet)
        assert result.stack_deleted and not result.nothing_to_destroy
        assert not result.emulator_stopped and background.emulator.is_healthy()
        assert result.deleted_key_ids == (key_id,)
        assert result.deleted_oidc_provider_arn == PROVIDER_ARN
        assert not background.dotenv.exists()
        iam, cfn = background.client("iam"), background.client("cloudformation")
        for call in (
            lambda: iam.get_user(UserName=settings.TEST_IAM_USER_NAME),
            lambda: iam.get_role(RoleName=settings.TEST_IAM_ROLE_NAME),
            lambda: iam.get_role(RoleName=settings.CI_IAM_ROLE_NAME),
            lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=PROVIDER_ARN),
        ):
            with pytest.raises(ClientError, match="NoSuchEntity"):
                call()
        with pytest.raises(ClientError, match="does not exist"):
            cfn.describe_stacks(StackName=settings.CFN_STACK_NAME)
        roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
        assert all(name.startswith("cdk-") for name in roles), roles  # only CDK bootstrap's
        assert iam.list_users()["Users"] == []
        again = destroy(target, dotenv_path=background.dotenv, log=quiet)
        assert again.nothing_to_destroy and not again.stack_deleted

    def test_destroy_stops_the_emulator_deploy_started(self, background: Background) -> None:
        """Destroy through .local-aws/ stops the emulator found there, its TLS key with it, and
        cleans .env; again: nothing to destroy."""
        running, state_dir = background.emulator, background.state_dir
        target = LocalEmulatorTarget(state_dir)
        result = destroy(target, project_dir=background.project, log=quiet)
        assert result.emulator_stopped and not result.nothing_to_destroy
        assert find_local_aws(state_dir) is None
        assert not os.path.exists(f"/proc/{running.pid}") or "Z" in proc_state(running.pid)
        assert not background.dotenv.exists()
        assert not (state_dir / "server.key").exists()  # the TLS key went with the emulator
        assert destroy(target, project_dir=background.project, log=quiet).nothing_to_destroy
