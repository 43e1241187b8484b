"""Where the integration suite runs, and with which credentials.

``nox -s tests`` decides once (``cdk/integration_target.py``) and hands the choice over as
one JSON value, ``BSM_TEST_TARGET``; these fixtures only read it (run by hand without it,
pytest decides by the same rules). Nothing here loads credentials at import time.

- ``fresh-emulator``: a local AWS emulator, started, deployed into (``cdk.deploy.deploy``
  with a :class:`~cdk.targets.LocalEmulatorTarget`) and torn down by this test run: the run's
  one fresh stack (``tests/shared_setup.py``), which the CDK deploy tests check too.
- ``deployed``: the stack ``nox -s deploy`` made, wherever it runs, reached through the test
  user's ``.env`` key or, inside GitHub Actions, the CI role through OIDC.

Locally the OIDC tokens are minted by the local GitHub OIDC issuer; against real AWS they come
from the runner, and the tests that need forged tokens (another repository, a wrong audience)
step aside with their reason.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.testing.web_identity_roles import github_provider_arn, web_identity_role
from cdk import settings
from cdk.deployment import (
    OUTPUT_CI_ROLE_ARN,
    OUTPUT_GITHUB_REPOSITORY,
    OUTPUT_TEST_ROLE_ARN,
    OUTPUT_TEST_USER_NAME,
    Deployment,
)
from cdk.integration_target import FRESH_EMULATOR, SKIP, TestTarget, current_test_target
from tests.shared_setup import repository

if TYPE_CHECKING:
    from boto_session_manager.testing import GitHubOidcIssuer
    from boto_session_manager.testing.local_aws import LocalAws
    from tests.shared_setup import FreshStack

PROJECT_DIR = Path(__file__).resolve().parents[2]


#: ``OWNER/REPO`` whose jobs the CI role under test trusts.
REPOSITORY = repository()
OWNER, REPOSITORY_NAME = REPOSITORY.split("/")
#: ``OWNER/REPO`` whose jobs :func:`oidc_role` trusts (a role made here, not the CI role).
ROLE_REPOSITORY = "octo-org/octo-repo"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as an integration test."""
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True, kw_only=True)
class AwsTarget(Deployment):
    """The deployment under test, and how this suite reaches it."""

    #: ``dotenv`` (the test user's key) or ``oidc`` (the CI role).
    credentials: str
    #: Only for the local emulator: admin access, to build extra fixtures.
    emulator: LocalAws | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(
        cls, deployment: Deployment, *, credentials: str, emulator: LocalAws | None = None
    ) -> AwsTarget:
        """The deployment, with the suite's credentials and (locally) the admin handle."""
        fields = {f.name: getattr(deployment, f.name) for f in dataclasses.fields(Deployment)}
        return cls(**fields, credentials=credentials, emulator=emulator)


@pytest.fixture(scope="session")
def test_target() -> TestTarget:
    """Where ``nox -s tests`` said to run (``BSM_TEST_TARGET``)."""
    return current_test_target()


@pytest.fixture(scope="session")
def aws_target(test_target: TestTarget, request: pytest.FixtureRequest) -> AwsTarget:
    """The endpoint under test, with the stack deployed; a fresh local emulator by default."""
    if test_target.stack == SKIP:
        pytest.skip(test_target.reason)
    credentials = test_target.credentials or "dotenv"
    if test_target.stack == FRESH_EMULATOR:  # asked for here only: no deploy for another target
        stack: FreshStack = request.getfixturevalue("fresh_stack")
        return AwsTarget.of(stack.deployment, credentials=credentials, emulator=stack.emulator)
    return _deployed_stack(test_target, credentials)


def _deployed_stack(target: TestTarget, credentials: str) -> AwsTarget:
    """The stack that ``nox -s deploy`` made, reached through the .env key or OIDC."""
    dotenv = Path(target.dotenv_path) if target.dotenv_path else None
    ci_role_arn = os.environ.get(settings.GITHUB_REPO_VAR_ROLE_ARN, "")
    if credentials == "dotenv":
        bsm = BotoSesManager.from_dotenv(dotenv or PROJECT_DIR / settings.DOTENV_PATH)
        endpoint = bsm.default_client_kwargs.get("endpoint_url")
        ca_bundle = bsm.default_client_kwargs.get("verify")
    else:
        bsm = BotoSesManager.from_github_oidc(
            ci_role_arn, region_name=os.environ.get("AWS_REGION", settings.AWS_REGION)
        )
        endpoint, ca_bundle = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_CA_BUNDLE")
    # the test principals may not read CloudFormation: the outputs follow the project's names
    role = f"arn:aws:iam::{bsm.aws_account_id}:role/"
    outputs = {
        OUTPUT_TEST_USER_NAME: settings.TEST_IAM_USER_NAME,
        OUTPUT_TEST_ROLE_ARN: role + settings.TEST_IAM_ROLE_NAME,
        OUTPUT_CI_ROLE_ARN: (ci_role_arn if credentials == "oidc" else "")
        or role + settings.CI_IAM_ROLE_NAME,
    }
    deployment = Deployment.from_outputs(
        outputs,
        stack_name=settings.CFN_STACK_NAME,
        region=bsm.aws_region or settings.AWS_REGION,
        endpoint_url=endpoint,
        ca_bundle=ca_bundle if isinstance(ca_bundle, str) else None,
        dotenv_path=dotenv if credentials == "dotenv" else None,
    )
    emulator = None
    if deployment.is_emulator:  # the emulator `nox -s deploy` started: admin access too
        from boto_session_manager.testing.local_aws import find_local_aws

        found = find_local_aws(PROJECT_DIR / settings.LOCAL_AWS_STATE_DIR)
        emulator = found if found is not None and found.endpoint_url == endpoint else None
    if emulator is not None:  # admin access reads the real outputs (the trusted repository)
        from cdk.cloudformation import stack_outputs

        cfn = emulator.boto3_session().client("cloudformation", **emulator.client_kwargs())
        deployment = dataclasses.replace(
            deployment,
            github_repository=(stack_outputs(cfn, settings.CFN_STACK_NAME) or {}).get(
                OUTPUT_GITHUB_REPOSITORY, ""
            ),
        )
    return AwsTarget.of(deployment, credentials=credentials, emulator=emulator)


@pytest.fixture(scope="session")
def local_emulator(aws_target: AwsTarget) -> LocalAws:
    """Admin access to the local emulator; steps aside on a real endpoint."""
    if aws_target.emulator is None:
        pytest.skip("needs admin access to a local emulator; the endpoint under test is not one")
    return aws_target.emulator


@pytest.fixture
def user_bsm(aws_target: AwsTarget) -> BotoSesManager:
    """The test IAM user, through its .env key (skipped when testing through OIDC only)."""
    if aws_target.dotenv_path is None:
        pytest.skip("the test user's .env key is not available with --credentials oidc")
    return BotoSesManager.from_dotenv(aws_target.dotenv_path)


@pytest.fixture
def oidc_environ(aws_target: AwsTarget, github_oidc_issuer: GitHubOidcIssuer) -> Mapping[str, str]:
    """Runner variables for an OIDC job of this repository (local issuer, or the real runner)."""
    if aws_target.is_emulator:
        from boto_session_manager.testing import GitHubRunContext

        github_oidc_issuer.context = GitHubRunContext(repository=REPOSITORY)
        return github_oidc_issuer.environ()
    if not os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"):
        pytest.skip("a real endpoint needs a real GitHub Actions ID token (id-token: write)")
    return dict(os.environ)


@pytest.fixture
def ci_bsm(aws_target: AwsTarget, oidc_environ: Mapping[str, str]) -> BotoSesManager:
    """The CI role through GitHub Actions OIDC."""
    return BotoSesManager.from_github_oidc(
        aws_target.ci_role_arn,
        environ=oidc_environ,
        region_name=aws_target.region,
        default_client_kwargs=aws_target.client_kwargs(),
    )


@pytest.fixture
def forging_issuer(aws_target: AwsTarget, github_oidc_issuer: GitHubOidcIssuer) -> GitHubOidcIssuer:
    """The local issuer, for tokens the trust policy must refuse (local emulator only)."""
    if not aws_target.is_emulator:
        pytest.skip("forged tokens are only judged by the local emulator; AWS checks signatures")
    if aws_target.github_repository not in ("", REPOSITORY):
        pytest.skip(
            f"the deployed CI role trusts {aws_target.github_repository}, this clone is "
            f"{REPOSITORY}: deploy again here, or run `nox -s tests -- --aws local`"
        )
    return github_oidc_issuer


@dataclass(frozen=True)
class OidcRole:
    """A role in the emulator trusted through web identity for one repository."""

    arn: str
    #: The emulator's endpoint (and CA bundle), for ``default_client_kwargs``.
    client_kwargs: dict[str, Any]


@pytest.fixture(scope="module")
def oidc_role(local_emulator: LocalAws) -> Iterator[OidcRole]:
    """A web-identity role pinned to ``repo:octo-org/octo-repo:*``, one per test module
    (created and deleted here; a module may change its policy)."""
    iam = local_emulator.boto3_session().client("iam", **local_emulator.client_kwargs())
    provider_arn, created = github_provider_arn(iam)
    with web_identity_role(
        iam,
        provider_arn=provider_arn,
        sub_patterns=[f"repo:{ROLE_REPOSITORY}:*"],
        prefix="bsm-oidc",
    ) as arn:
        yield OidcRole(
            arn=arn,
            client_kwargs={
                k: v for k, v in local_emulator.client_kwargs().items() if k != "region_name"
            },
        )
    if created:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bsm-it-") as name:
        yield Path(name)
