"""Reliability: no secret leaks, recovery from faults, and one token for a loaded manager."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.credentials.github_token import GitHubOidcTokenLoader
from boto_session_manager.exceptions import BotoSesManagerError
from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext, assert_no_secrets
from boto_session_manager.testing.local_aws import LocalAws, start_local_aws
from boto_session_manager.testing.web_identity_roles import github_provider_arn, web_identity_role

from .conftest import REPOSITORY, AwsTarget


class TestSecretScan:
    def test_no_secret_in_logs_output_errors_or_reprs(
        self,
        aws_target: AwsTarget,
        oidc_environ: Mapping[str, str],
        github_oidc_issuer: GitHubOidcIssuer,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Known secrets never show in logs, stdout/stderr, exception messages or reprs.

        Every run scans the OIDC path (request token, each ID token fetched, the CI role's and
        the test role's session credentials), as in a GitHub Actions job with no .env; the
        .env key too when there is one; refusals and a retry when the local issuer answers.
        """
        caplog.set_level(logging.DEBUG, logger="boto_session_manager")
        caplog.set_level(logging.INFO)
        local_issuer = aws_target.is_emulator  # then oidc_environ points at github_oidc_issuer
        id_tokens: list[str] = []
        endpoint = GitHubOidcTokenLoader.from_environ(oidc_environ)

        def recording_loader() -> str:
            id_tokens.append(endpoint())
            return id_tokens[-1]

        if local_issuer:
            github_oidc_issuer.fail_next(1, status=503)  # a retry: its log line is scanned too
        ci = BotoSesManager.from_github_oidc(
            aws_target.ci_role_arn,
            environ=oidc_environ,
            token_loader=recording_loader,
            region_name=aws_target.region,
            default_client_kwargs=aws_target.client_kwargs(),
        )
        role = ci.assume_role(aws_target.test_role_arn, auto_refresh=True)
        ci.print_who_am_i()
        role.print_who_am_i(masked=False)
        ci_creds, role_creds = ci.get_frozen_credentials(), role.get_frozen_credentials()
        shown: list[object] = [ci, role, ci.web_identity_exchange, endpoint]
        secrets: dict[str, str | None] = {
            "request token": oidc_environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
            "ci secret key": ci_creds.secret_key,
            "ci session token": ci_creds.token,
            "role secret key": role_creds.secret_key,
            "role session token": role_creds.token,
        }
        for number, token in enumerate(id_tokens, 1):
            secrets[f"ID token {number}"] = token
            secrets[f"ID token {number} signature"] = token.split(".")[2]
        if aws_target.dotenv_path is not None:
            user = BotoSesManager.from_dotenv(aws_target.dotenv_path)
            secrets["user secret key"] = user.aws_secret_access_key
            shown.append(user)
        messages = self._refusals(aws_target, github_oidc_issuer, shown) if local_issuer else []

        out, err = capsys.readouterr()
        assert "assumed-role" in out and id_tokens  # the scan saw real content
        if local_issuer:
            assert "retry" in caplog.text and len(messages) == 2
        assert_no_secrets(
            secrets,
            {
                "logs": caplog.text,
                "stdout": out,
                "stderr": err,
                "errors": "\n".join(messages),
                "reprs": "\n".join(repr(x) for x in shown),
            },
        )

    @staticmethod
    def _refusals(
        aws_target: AwsTarget, issuer: GitHubOidcIssuer, shown: list[object]
    ) -> list[str]:
        """Messages of a token the trust policy refuses and of a refused request token."""
        messages = []
        issuer.context = GitHubRunContext(repository=f"{REPOSITORY}-evil")
        denied = BotoSesManager.from_github_oidc(
            aws_target.ci_role_arn,
            environ=issuer.environ(),
            region_name=aws_target.region,
            default_client_kwargs=aws_target.client_kwargs(),
        )
        shown.append(denied)
        with pytest.raises(BotoSesManagerError) as info:
            denied.get_frozen_credentials()
        messages.append(str(info.value))
        issuer.fail_next(1, status=401)
        with pytest.raises(BotoSesManagerError) as info:
            BotoSesManager.from_github_oidc(
                aws_target.ci_role_arn,
                environ=issuer.environ(),
                region_name=aws_target.region,
                default_client_kwargs=aws_target.client_kwargs(),
            ).get_frozen_credentials()
        messages.append(str(info.value))
        return messages


class TestFaults:
    def test_token_endpoint_fails_twice_then_answers(
        self, aws_target: AwsTarget, forging_issuer: GitHubOidcIssuer
    ) -> None:
        """Two 5xx from the token endpoint: the caller still gets the CI role, no error."""
        forging_issuer.context = GitHubRunContext(repository=REPOSITORY)
        forging_issuer.fail_next(2, status=502)
        ci = BotoSesManager.from_github_oidc(
            aws_target.ci_role_arn,
            environ=forging_issuer.environ(),
            region_name=aws_target.region,
            default_client_kwargs=aws_target.client_kwargs(),
        )
        assert ":assumed-role/" in ci.principal_arn
        assert forging_issuer.requests_received == 3 and forging_issuer.tokens_served == 1

    def test_sts_invalid_identity_token_once(
        self, aws_target: AwsTarget, forging_issuer: GitHubOidcIssuer, sts_proxy: Any
    ) -> None:
        """STS answering InvalidIdentityToken once is retried with a fresh token."""
        proxy = sts_proxy(aws_target.endpoint_url or "", aws_target.ca_bundle)
        proxy.refuse("AssumeRoleWithWebIdentity", "InvalidIdentityToken", count=1)
        forging_issuer.context = GitHubRunContext(repository=REPOSITORY)
        ci = BotoSesManager.from_github_oidc(
            aws_target.ci_role_arn,
            environ=forging_issuer.environ(),
            region_name=aws_target.region,
            default_client_kwargs={"endpoint_url": proxy.url},
        )
        assert ":assumed-role/" in ci.principal_arn
        assert proxy.calls["AssumeRoleWithWebIdentity"] == 2
        assert forging_issuer.tokens_served == 2


@pytest.fixture
def restartable_emulator(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A private emulator that keeps its state across restarts, with a web-identity role."""
    state = tmp_path / "state"
    emulator = start_local_aws(state_dir=state, persist_state=True)
    handle: dict[str, Any] = {"emulator": emulator, "state": state}
    try:
        iam = emulator.boto3_session().client("iam", **emulator.client_kwargs())
        provider_arn, _ = github_provider_arn(iam)
        with web_identity_role(
            iam,
            provider_arn=provider_arn,
            sub_patterns=[f"repo:{REPOSITORY}:*"],
            prefix="bsm-restart",
        ) as arn:
            handle["role_arn"] = arn
            yield handle
    finally:
        handle["emulator"].stop()


def test_emulator_restart_between_calls_of_a_refreshing_manager(
    restartable_emulator: dict[str, Any], github_oidc_issuer: GitHubOidcIssuer
) -> None:
    """A refreshing manager's caller sees no error when the emulator restarts between calls."""
    emulator: LocalAws = restartable_emulator["emulator"]
    github_oidc_issuer.context = GitHubRunContext(repository=REPOSITORY)
    now = [dt.datetime.now(dt.timezone.utc)]
    bsm = BotoSesManager.from_github_oidc(
        restartable_emulator["role_arn"],
        environ=github_oidc_issuer.environ(),
        region_name="us-east-1",
        time_fetcher=lambda: now[0],
        default_client_kwargs={"endpoint_url": emulator.endpoint_url},
    )
    sts = bsm.sts_client
    first = sts.get_caller_identity()["Arn"]
    emulator.stop()
    restarted = start_local_aws(
        port=emulator.port, state_dir=restartable_emulator["state"], persist_state=True
    )
    restartable_emulator["emulator"] = restarted
    # The new process keeps roles but not sessions: it refuses the old credentials, the
    # manager refreshes them (a new token, a new exchange) and the call succeeds.
    assert sts.get_caller_identity()["Arn"] == first
    assert github_oidc_issuer.tokens_served == 2
    expiry = bsm.expiration_time
    assert expiry is not None
    now[0] = expiry - dt.timedelta(minutes=5)  # and the ordinary mandatory refresh still works
    assert sts.get_caller_identity()["Arn"] == first
    assert github_oidc_issuer.tokens_served == 3


#: The load smoke: 64 threads released together, each making this many calls.
SMOKE_THREADS, SMOKE_CALLS = 64, 16


class TestLoad:
    def test_64_threads_many_calls_one_token_one_sts_call(
        self,
        aws_target: AwsTarget,
        forging_issuer: GitHubOidcIssuer,
        sts_proxy: Any,
        run_at_once: Any,
    ) -> None:
        """64 threads x 16 calls through one OIDC manager: no error, one token, one STS call
        (counted at the wire: the manager's credential exchange goes through a counting proxy,
        the calls straight to the endpoint).

        The full 64 x 1,000 run, with its calls per second against a raw boto3 client, is the
        ``load`` section of ``nox -s bench``.
        """
        proxy = sts_proxy(aws_target.endpoint_url or "", aws_target.ca_bundle)
        forging_issuer.context = GitHubRunContext(repository=REPOSITORY)
        ci = BotoSesManager.from_github_oidc(
            aws_target.ci_role_arn,
            environ=forging_issuer.environ(),
            region_name=aws_target.region,
            default_client_kwargs={"endpoint_url": proxy.url},
        )
        from botocore.config import Config

        config = Config(max_pool_connections=SMOKE_THREADS)
        direct = aws_target.client_kwargs()  # the calls skip the proxy
        clients = [ci.get_client("sts", config=config, **direct) for _ in range(SMOKE_THREADS)]
        assert len({id(client) for client in clients}) == 1

        def calls() -> int:
            for _ in range(SMOKE_CALLS):
                clients[0].get_caller_identity()
            return SMOKE_CALLS

        done, errors = run_at_once(calls, SMOKE_THREADS)
        assert errors == []
        assert sum(done) == SMOKE_THREADS * SMOKE_CALLS
        assert forging_issuer.tokens_served == 1
        assert ci.web_identity_exchange is not None and ci.web_identity_exchange.sts_calls == 1
        assert proxy.calls == {"AssumeRoleWithWebIdentity": 1}
