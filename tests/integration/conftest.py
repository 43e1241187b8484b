"""Where the integration suite runs, and with which credentials.

Nothing here loads credentials at import time: every decision happens in session fixtures.

Target (``BSM_TEST_AWS``, set by ``nox -s tests -- --aws local|real``):

- ``local`` (default): a fresh local AWS emulator, started, deployed into (the project's CDK
  stack, through ``cdk.deploy.deploy_local``) and torn down by this test session. When a
  ``.env`` from ``nox -s deploy`` exists and ``BSM_TEST_AWS`` is unset, that ``.env`` (and the
  endpoint it names) is used instead.
- ``real``: whatever endpoint the credentials point at: real AWS with the stack deployed by
  ``nox -s deploy``.

Credentials (``BSM_TEST_CREDENTIALS``: ``dotenv`` or ``oidc``): the test user's ``.env`` key,
or the CI role through GitHub Actions OIDC. Locally the OIDC tokens are minted by the local
GitHub OIDC issuer; against real AWS they come from the runner, and the tests that need
forged tokens (another repository, a wrong audience) step aside with their reason.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.tests import settings

if TYPE_CHECKING:
    from boto_session_manager.testing import GitHubOidcIssuer
    from boto_session_manager.testing.local_aws import LocalAws

PROJECT_DIR = Path(__file__).resolve().parents[2]
AWS_VAR = "BSM_TEST_AWS"
CREDENTIALS_VAR = "BSM_TEST_CREDENTIALS"
SKIP_VAR = "BSM_TEST_SKIP_INTEGRATION"
REPOSITORY = f"{settings.GITHUB_OWNER}/{settings.GITHUB_REPOSITORY}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/integration as an integration test."""
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


@dataclass(frozen=True)
class AwsTarget:
    """The AWS endpoint under test and how to reach the project's stack there."""

    kind: str  # "local" or "real"
    credentials: str  # "dotenv" or "oidc"
    region: str
    account_id: str
    test_user_name: str
    test_role_arn: str
    ci_role_arn: str
    dotenv_path: Path | None = None
    endpoint_url: str | None = None
    ca_bundle: str | None = None
    #: Only for the local emulator: admin access, to build extra fixtures.
    emulator: LocalAws | None = field(default=None, repr=False)

    @property
    def is_local(self) -> bool:
        """Whether the endpoint is the local emulator, which takes locally minted tokens."""
        return self.kind == "local"

    def client_kwargs(self) -> dict[str, Any]:
        """Default client arguments that reach this endpoint."""
        kwargs: dict[str, Any] = {}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.ca_bundle:
            kwargs["verify"] = self.ca_bundle
        return kwargs

    def endpoint_env(self) -> dict[str, str]:
        """Environment variables that point a subprocess at this endpoint (no credentials)."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        if self.ca_bundle:
            env["AWS_CA_BUNDLE"] = self.ca_bundle
        return env


def _role_arn(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def _is_loopback(url: str | None) -> bool:
    return (
        bool(url)
        and re.match(r"https?://(127\.\d+\.\d+\.\d+|localhost|\[::1\])", url or "") is not None
    )


@pytest.fixture(scope="session")
def aws_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsTarget]:
    """The endpoint under test, with the stack deployed; a fresh local emulator by default."""
    reason = os.environ.get(SKIP_VAR)
    if reason:
        pytest.skip(reason)
    kind = os.environ.get(AWS_VAR, "")
    credentials = os.environ.get(CREDENTIALS_VAR) or (
        "oidc" if os.environ.get("GITHUB_ACTIONS") == "true" and kind == "real" else "dotenv"
    )
    dotenv = PROJECT_DIR / settings.DOTENV_PATH
    if kind in ("", "local") and not (kind == "" and dotenv.is_file()):
        yield from _fresh_local_stack(tmp_path_factory, credentials)
        return
    yield _existing_stack(kind or "auto", credentials, dotenv)


def _fresh_local_stack(
    tmp_path_factory: pytest.TempPathFactory, credentials: str
) -> Iterator[AwsTarget]:
    from boto_session_manager.testing.local_aws import start_local_aws
    from cdk.deploy import deploy_local, destroy_local

    state_dir = tmp_path_factory.mktemp("local-aws")
    dotenv = state_dir / ".env"
    with start_local_aws(tls=True, state_dir=state_dir) as emulator:
        result = deploy_local(emulator=emulator, dotenv_path=dotenv, log=lambda _m: None)
        try:
            yield AwsTarget(
                kind="local",
                credentials=credentials,
                region=result.region,
                account_id=emulator.account_id,
                test_user_name=result.test_user_name,
                test_role_arn=result.test_role_arn,
                ci_role_arn=result.ci_role_arn,
                dotenv_path=dotenv,
                endpoint_url=emulator.endpoint_url,
                ca_bundle=str(emulator.ca_bundle) if emulator.ca_bundle else None,
                emulator=emulator,
            )
        finally:
            destroy_local(
                emulator=emulator, dotenv_path=dotenv, stop_emulator=False, log=lambda _m: None
            )


def _existing_stack(kind: str, credentials: str, dotenv: Path) -> AwsTarget:
    """The stack that ``nox -s deploy`` made, reached through the .env key or OIDC."""
    if credentials == "dotenv":
        bsm = BotoSesManager.from_dotenv(dotenv)
        endpoint = bsm.default_client_kwargs.get("endpoint_url")
        ca_bundle = bsm.default_client_kwargs.get("verify")
    else:
        bsm = BotoSesManager.from_github_oidc(
            os.environ.get(settings.GITHUB_REPO_VAR_ROLE_ARN, ""),
            region_name=os.environ.get("AWS_REGION", settings.AWS_REGION),
        )
        endpoint, ca_bundle = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_CA_BUNDLE")
    account_id = bsm.aws_account_id
    emulator = None
    if _is_loopback(endpoint):  # the emulator `nox -s deploy` started: admin access too
        from boto_session_manager.testing.local_aws import find_local_aws

        found = find_local_aws(PROJECT_DIR / settings.LOCAL_AWS_STATE_DIR)
        emulator = found if found is not None and found.endpoint_url == endpoint else None
    return AwsTarget(
        kind="local" if _is_loopback(endpoint) else "real",
        credentials=credentials,
        region=bsm.aws_region or settings.AWS_REGION,
        account_id=account_id,
        test_user_name=settings.TEST_IAM_USER_NAME,
        test_role_arn=_role_arn(account_id, settings.TEST_IAM_ROLE_NAME),
        ci_role_arn=_role_arn(account_id, settings.CI_IAM_ROLE_NAME),
        dotenv_path=dotenv if credentials == "dotenv" else None,
        endpoint_url=endpoint,
        ca_bundle=ca_bundle,
        emulator=emulator,
    )


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
    if aws_target.is_local:
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
    if not aws_target.is_local:
        pytest.skip("forged tokens are only judged by the local emulator; AWS checks signatures")
    return github_oidc_issuer


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bsm-it-") as name:
        yield Path(name)
