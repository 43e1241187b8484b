"""Unit tests of the loopback container-credentials endpoint ``bsm exec`` serves.

The client is botocore's own container provider (what every child's SDK uses); the
credentials come from a refreshing manager on the local STS endpoint, under an injected clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import botocore.session
import pytest
import requests
from botocore.credentials import RefreshableCredentials

from boto_session_manager import BotoSesManager
from boto_session_manager.container_credentials import (
    AUTHORIZATION_TOKEN_VAR,
    FULL_URI_VAR,
    ContainerCredentialsServer,
)
from boto_session_manager.expiring_credentials import ExpiringCredentials
from boto_session_manager.testing import GitHubOidcIssuer, assert_no_secrets
from tests.clock import Clock

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"


def serving(bsm: BotoSesManager) -> ExpiringCredentials:
    """What ``bsm exec`` serves: the manager's credentials with their expiry."""
    frozen = bsm.get_frozen_credentials()
    assert bsm.credential_provider is not None and bsm.credential_provider.latest_expiry
    assert frozen.access_key and frozen.secret_key
    return ExpiringCredentials(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token,
        expiration=bsm.credential_provider.latest_expiry,
    )


def child_credentials(
    server: ContainerCredentialsServer, monkeypatch: pytest.MonkeyPatch
) -> RefreshableCredentials:
    """The credentials a child's botocore resolves from the environment ``bsm exec`` gives."""
    for name, value in server.child_environ({}).items():
        monkeypatch.setenv(name, value)
    credentials = botocore.session.Session().get_credentials()
    assert isinstance(credentials, RefreshableCredentials)
    return credentials


@pytest.fixture
def oidc_bsm(github_oidc_issuer: GitHubOidcIssuer, local_sts: Any) -> tuple[BotoSesManager, Clock]:
    """A refreshing OIDC manager on the local STS endpoint, with an injected clock."""
    clock = Clock(dt.datetime.now(dt.timezone.utc))
    local_sts.clock = clock
    bsm = BotoSesManager.from_github_oidc(
        ROLE_ARN,
        environ=github_oidc_issuer.environ(),
        region_name="us-east-1",
        default_client_kwargs={"endpoint_url": local_sts.url},
        time_fetcher=clock,
        credential_cache=False,
    )
    return bsm, clock


def test_botocore_child_gets_the_parents_credentials(
    oidc_bsm: tuple[BotoSesManager, Clock], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child's botocore resolves refreshable container credentials equal to the parent's."""
    bsm, _clock = oidc_bsm
    with ContainerCredentialsServer(lambda: serving(bsm)) as server:
        credentials = child_credentials(server, monkeypatch)
        assert credentials.method == "container-role"
        frozen, parent = credentials.get_frozen_credentials(), bsm.get_frozen_credentials()
        assert (frozen.access_key, frozen.secret_key, frozen.token) == (
            parent.access_key,
            parent.secret_key,
            parent.token,
        )
        assert server.served == 1


def test_a_long_child_gets_refreshed_credentials(
    oidc_bsm: tuple[BotoSesManager, Clock], local_sts: Any
) -> None:
    """Hours later the endpoint serves the parent's refreshed credentials, never expired ones."""
    bsm, clock = oidc_bsm
    with ContainerCredentialsServer(lambda: serving(bsm)) as server:
        headers = {"Authorization": server.authorization_token}
        seen = []
        for _hour in range(3):
            answer = requests.get(server.full_uri, headers=headers, timeout=5).json()
            expiry = dt.datetime.fromisoformat(answer["Expiration"].replace("Z", "+00:00"))
            assert expiry - clock.now > dt.timedelta(minutes=14)
            seen.append(answer["AccessKeyId"])
            clock.now += dt.timedelta(minutes=50)  # past the 15-minute refresh margin
        assert len(set(seen)) == 3 and local_sts.calls["AssumeRoleWithWebIdentity"] == 3


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [("/other", True, 404), (None, False, 403), (None, "wrong", 403)],
    ids=["wrong-path", "no-token", "wrong-token"],
)
def test_refusals(path: str | None, token: object, status: int) -> None:
    """Only GET of the endpoint's path with its token gets credentials."""
    fetched: list[int] = []

    def fetch() -> ExpiringCredentials:  # pragma: no cover - must not be reached
        fetched.append(1)
        raise AssertionError("fetched")

    with ContainerCredentialsServer(fetch) as server:
        url = server.full_uri if path is None else server.full_uri.rsplit("/", 2)[0] + path
        headers = {}
        if token is True:
            headers["Authorization"] = server.authorization_token
        elif token:
            headers["Authorization"] = str(token)
        answer = requests.get(url, headers=headers, timeout=5)
        assert answer.status_code == status and fetched == [] and server.refused == 1
        assert requests.post(server.full_uri, timeout=5).status_code == 404


def test_a_failing_fetch_is_a_500_naming_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """When the parent cannot get credentials, the child hears 500 and the parent logs why."""

    def fetch() -> ExpiringCredentials:
        raise RuntimeError("STS is down")

    with ContainerCredentialsServer(fetch) as server, caplog.at_level(logging.WARNING):
        answer = requests.get(
            server.full_uri, headers={"Authorization": server.authorization_token}, timeout=5
        )
    assert answer.status_code == 500 and answer.json()["code"] == "CredentialsUnavailable"
    assert "STS is down" in caplog.text
    assert_no_secrets({"token": server.authorization_token}, {"log": caplog.text})


def test_child_environment_drops_what_would_win() -> None:
    """Static keys, profiles, token files and other endpoints are removed; the rest is kept."""
    base = {
        "AWS_ACCESS_KEY_ID": "AKIA",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "t",
        "AWS_PROFILE": "p",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/f",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
        "AWS_REGION": "us-east-1",
        "PATH": "/bin",
    }
    with ContainerCredentialsServer(lambda: None) as server:  # type: ignore[arg-type,return-value]
        env = server.child_environ(base)
        assert set(env) == {"AWS_REGION", "PATH", FULL_URI_VAR, AUTHORIZATION_TOKEN_VAR}
        assert env[FULL_URI_VAR].startswith("http://127.0.0.1:")
        uri = server.full_uri
    with pytest.raises(requests.ConnectionError):
        requests.get(uri, timeout=2)
    assert "running=False" in repr(server)
