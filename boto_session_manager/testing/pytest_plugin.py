"""pytest fixtures for the local stand-ins in :mod:`boto_session_manager.testing`.

Enable in a ``conftest.py`` with::

    pytest_plugins = ["boto_session_manager.testing.pytest_plugin"]

Each fixture imports what it needs when it runs, so loading the plugin is free.

GitHub Actions OIDC
    ``github_oidc_issuer``: a fresh :class:`~boto_session_manager.testing.GitHubOidcIssuer`
    per test (own port, request token, context, faults and counters). It is function-scoped
    because that is cheap: start takes under 2 ms and stop about 5 ms; the RSA key (10-90 ms to
    generate) is made once per process and shared.
    ``github_actions_env``: sets the variables a GitHub runner sets for a job with
    ``permissions: id-token: write`` (pointing at ``github_oidc_issuer``) through
    ``monkeypatch``, and returns them.

Local AWS emulator
    ``local_aws``: one :class:`~boto_session_manager.testing.local_aws.LocalAws` (ministack
    with ``AUTH=true`` over HTTPS with a local CA, on a free loopback port) for the whole test
    session, stopped at its end. Talk to it with ``local_aws.boto3_session()`` and
    ``local_aws.client_kwargs()``; ``local_aws.client_env()`` points subprocesses at it. Its
    state is shared by the session's tests: create uniquely named resources.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from boto_session_manager.testing.github_oidc_issuer import GitHubOidcIssuer
    from boto_session_manager.testing.local_aws import LocalAws

__all__ = [
    "github_actions_env",
    "github_oidc_issuer",
    "local_aws",
]


# -- GitHub Actions OIDC ----------------------------------------------------------------------


@pytest.fixture
def github_oidc_issuer() -> Iterator[GitHubOidcIssuer]:
    """A started local GitHub OIDC token endpoint, stopped after the test."""
    from boto_session_manager.testing.github_oidc_issuer import GitHubOidcIssuer

    with GitHubOidcIssuer() as issuer:
        yield issuer


@pytest.fixture
def github_actions_env(
    github_oidc_issuer: GitHubOidcIssuer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> dict[str, str]:
    """``os.environ`` as inside a GitHub Actions job that may request an ID token."""
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env = github_oidc_issuer.environ(runner_temp=runner_temp)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


# -- Local AWS emulator -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    """A local AWS emulator (ministack, AUTH on, HTTPS) shared by the test session."""
    from boto_session_manager.testing.local_aws import start_local_aws

    with start_local_aws(tls=True, state_dir=tmp_path_factory.mktemp("local-aws")) as emulator:
        yield emulator
