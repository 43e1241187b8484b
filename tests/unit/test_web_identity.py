"""Unit tests of the token loaders against the local GitHub OIDC issuer over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from boto_session_manager import BotoSesManager
from boto_session_manager.credentials.web_identity import (
    FileTokenLoader,
    GitHubOidcTokenLoader,
    WebIdentityExchange,
    default_role_session_name,
    public_claims,
    token_claims,
)
from boto_session_manager.exceptions import (
    ExpiredWebIdentityTokenError,
    GitHubOidcNotAvailableError,
    RoleTrustError,
    TokenEndpointError,
    WebIdentityTokenFileError,
)
from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]

pytestmark = pytest.mark.usefixtures("isolated_aws_env")


def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


def loader_for(issuer: GitHubOidcIssuer, **kwargs: object) -> GitHubOidcTokenLoader:
    """A loader for the issuer's endpoint with instant backoff."""
    loader = GitHubOidcTokenLoader.from_environ(issuer.environ())
    for name, value in {"sleep": no_sleep, **kwargs}.items():
        setattr(loader, name, value)
    return loader


class TestGitHubOidcTokenLoader:
    def test_fetches_a_token_for_the_audience(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """The loader appends the audience to the runner URL and returns the JWT."""
        token = loader_for(github_oidc_issuer)()
        claims = token_claims(token)
        assert claims["aud"] == "sts.amazonaws.com"
        assert claims["iss"] == "https://token.actions.githubusercontent.com"
        assert claims["sub"] == "repo:octo-org/octo-repo:ref:refs/heads/main"
        assert github_oidc_issuer.tokens_served == 1

    def test_custom_audience(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """A custom audience reaches the endpoint and ends up in ``aud``."""
        loader = GitHubOidcTokenLoader.from_environ(github_oidc_issuer.environ(), audience="my-aud")
        assert token_claims(loader())["aud"] == "my-aud"

    def test_missing_permission_names_the_fix(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """Without the token variables the error says to add id-token: write, and about forks."""
        with pytest.raises(GitHubOidcNotAvailableError) as info:
            GitHubOidcTokenLoader.from_environ(github_oidc_issuer.environ(id_token=False))
        message = str(info.value)
        assert "permissions: id-token: write" in message
        assert "forks" in message
        assert github_oidc_issuer.requests_received == 0

    @pytest.mark.parametrize("status", [500, 502, 503, 429])
    def test_retries_transient_statuses(
        self, github_oidc_issuer: GitHubOidcIssuer, status: int
    ) -> None:
        """429 and 5xx are retried until the endpoint answers."""
        github_oidc_issuer.fail_next(2, status=status)
        assert token_claims(loader_for(github_oidc_issuer)())["aud"] == "sts.amazonaws.com"
        assert github_oidc_issuer.requests_received == 3

    @pytest.mark.parametrize("status", [401, 403, 404])
    def test_does_not_retry_client_errors(
        self, github_oidc_issuer: GitHubOidcIssuer, status: int
    ) -> None:
        """401, 403 and 404 fail at once with the host and status, never the request token."""
        github_oidc_issuer.fail_next(1, status=status)
        loader = loader_for(github_oidc_issuer)
        with pytest.raises(TokenEndpointError) as info:
            loader()
        message = str(info.value)
        assert f"HTTP status {status}" in message
        assert "127.0.0.1" in message
        assert loader.request_token not in message
        assert github_oidc_issuer.requests_received == 1

    def test_gives_up_after_max_attempts(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """Persistent 503s end in an error naming the attempts."""
        github_oidc_issuer.fail_next(10, status=503)
        with pytest.raises(TokenEndpointError, match="after 3 attempt"):
            loader_for(github_oidc_issuer, max_attempts=3)()
        assert github_oidc_issuer.requests_received == 3

    def test_malformed_json(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """A 200 whose body is not JSON is an error that says so."""
        github_oidc_issuer.malformed_next()
        with pytest.raises(TokenEndpointError, match="not JSON"):
            loader_for(github_oidc_issuer)()

    def test_missing_value(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """A 200 without ``value`` is an error that says so."""
        github_oidc_issuer.missing_value_next()
        with pytest.raises(TokenEndpointError, match="without a 'value'"):
            loader_for(github_oidc_issuer)()

    def test_timeout_is_retried_then_reported(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """A slow endpoint times out; once it answers in time the token arrives."""
        github_oidc_issuer.delay_next(1.0, count=1)
        loader = loader_for(github_oidc_issuer, read_timeout=0.2)
        assert token_claims(loader())["aud"] == "sts.amazonaws.com"
        github_oidc_issuer.delay_next(1.0, count=2)
        with pytest.raises(TokenEndpointError, match="timed out"):
            loader_for(github_oidc_issuer, read_timeout=0.2, max_attempts=2)()

    def test_connection_refused(self) -> None:
        """A dead endpoint is reported as a connection failure with its host."""
        loader = GitHubOidcTokenLoader(
            request_url="http://127.0.0.1:9/token?api-version=2.0",
            request_token="request-token-secret",
            max_attempts=2,
            sleep=no_sleep,
        )
        with pytest.raises(TokenEndpointError, match=r"127\.0\.0\.1:9 after 2 attempt.*connection"):
            loader()

    def test_repr_and_logs_hold_no_secret(
        self, github_oidc_issuer: GitHubOidcIssuer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Neither repr nor the retry log lines show the request token or the JWT."""
        caplog.set_level(logging.DEBUG)
        github_oidc_issuer.fail_next(1, status=500)
        loader = loader_for(github_oidc_issuer)
        token = loader()
        assert "retry" in caplog.text
        for secret in (loader.request_token, token):
            assert secret not in repr(loader)
            assert secret not in caplog.text


class TestFileTokenLoader:
    def test_reads_the_token_file(self, tmp_path: Path) -> None:
        """The file's content (stripped) is the token, read afresh each call."""
        path = tmp_path / "token"
        path.write_text("first\n")
        loader = FileTokenLoader.from_environ({"AWS_WEB_IDENTITY_TOKEN_FILE": str(path)})
        assert loader() == "first"
        path.write_text("second")
        assert loader() == "second"

    def test_missing_and_empty_files(self, tmp_path: Path) -> None:
        """A missing or empty file gives an error naming the file and the variable."""
        with pytest.raises(WebIdentityTokenFileError, match="AWS_WEB_IDENTITY_TOKEN_FILE"):
            FileTokenLoader(tmp_path / "nope")()
        (tmp_path / "empty").write_text("")
        with pytest.raises(WebIdentityTokenFileError, match="empty"):
            FileTokenLoader(tmp_path / "empty")()
        with pytest.raises(WebIdentityTokenFileError, match="not set"):
            FileTokenLoader.from_environ({})


class TestRoleSessionName:
    def test_derived_from_the_run(self) -> None:
        """The default name carries repository, run id and attempt, STS-safe."""
        name = default_role_session_name(
            {
                "GITHUB_REPOSITORY": "octo-org/octo repo",
                "GITHUB_RUN_ID": "42",
                "GITHUB_RUN_ATTEMPT": "3",
            }
        )
        assert name == "gh-octo-org+octo-repo-42-3"

    def test_long_names_keep_run_id_and_attempt(self) -> None:
        """A long repository name is cut so the run id and attempt survive within 64 chars."""
        name = default_role_session_name(
            {
                "GITHUB_REPOSITORY": "o/" + "r" * 100,
                "GITHUB_RUN_ID": "123456789",
                "GITHUB_RUN_ATTEMPT": "2",
            }
        )
        assert len(name) == 64 and name.endswith("-123456789-2")


class TestExchangeErrors:
    def _exchange(self, token: str) -> tuple[WebIdentityExchange, Stubber]:
        """An exchange whose STS client is stubbed to shape one exact answer."""
        import botocore.session

        client = botocore.session.Session().create_client(
            "sts", region_name="us-east-1", endpoint_url="http://127.0.0.1:9"
        )
        stubber = Stubber(client)
        exchange = WebIdentityExchange(
            role_arn=ROLE_ARN,
            token_loader=lambda: token,
            client_creator=lambda *_a, **_k: client,
            role_session_name="test",
            duration_seconds=3600,
            sleep=no_sleep,
        )
        return exchange, stubber

    def test_access_denied_quotes_role_and_public_claims(
        self, github_oidc_issuer: GitHubOidcIssuer
    ) -> None:
        """AccessDenied names the role and the token's sub/aud/repository/ref, not the token."""
        context = GitHubRunContext(repository="octo-org/octo-repo", environment="prod")
        token = github_oidc_issuer.mint("sts.amazonaws.com", context=context)
        exchange, stubber = self._exchange(token)
        stubber.add_client_error("assume_role_with_web_identity", "AccessDenied", "Not authorized")
        with stubber, pytest.raises(RoleTrustError) as info:
            exchange()
        message = str(info.value)
        assert ROLE_ARN in message
        assert "sub='repo:octo-org/octo-repo:environment:prod'" in message
        assert "environment='prod'" in message and "aud='sts.amazonaws.com'" in message
        assert "trust policy does not accept" in message
        assert token not in message and token.split(".")[2] not in message
        assert set(public_claims(token)) == {"sub", "aud", "repository", "ref", "environment"}

    def test_invalid_identity_token_is_retried(self, local_sts: Any) -> None:
        """One InvalidIdentityToken is retried with a fresh token; the second answer gives
        credentials (two requests at the wire)."""
        tokens: list[str] = []

        def token_loader() -> str:
            tokens.append(f"header.payload-{len(tokens) + 1}.sig")
            return tokens[-1]

        bsm = BotoSesManager.from_web_identity(
            ROLE_ARN,
            token_loader=token_loader,
            region_name="us-east-1",
            default_client_kwargs={"endpoint_url": local_sts.url},
        )
        local_sts.refuse("AssumeRoleWithWebIdentity", "InvalidIdentityToken", count=1)
        assert bsm.get_frozen_credentials().access_key.startswith("ASIA")
        assert local_sts.calls["AssumeRoleWithWebIdentity"] == 2
        sent = [r["WebIdentityToken"] for r in local_sts.requests if "WebIdentityToken" in r]
        assert sent == ["header.payload-1.sig", "header.payload-2.sig"]

    def test_sts_calls_diagnostic_sees_botocore_retries(self, local_sts: Any) -> None:
        """Two 503s retried by botocore itself: three requests at the wire, three counted."""
        bsm = BotoSesManager.from_web_identity(
            ROLE_ARN,
            token_loader=lambda: "header.payload.sig",
            region_name="us-east-1",
            default_client_kwargs={"endpoint_url": local_sts.url},
        )
        local_sts.fail("AssumeRoleWithWebIdentity", 503, count=2)
        bsm.get_frozen_credentials()
        assert local_sts.calls["AssumeRoleWithWebIdentity"] == 3
        assert bsm.web_identity_exchange is not None
        assert bsm.web_identity_exchange.sts_calls == 3

    def test_expired_token(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """ExpiredTokenException becomes an error that explains the 5-minute lifetime."""
        exchange, stubber = self._exchange(github_oidc_issuer.mint("sts.amazonaws.com"))
        stubber.add_client_error(
            "assume_role_with_web_identity", "ExpiredTokenException", "expired"
        )
        with stubber, pytest.raises(ExpiredWebIdentityTokenError, match="5 minutes"):
            exchange()


class TestFromGithubOidc:
    def test_checks_permission_before_any_request(
        self, github_oidc_issuer: GitHubOidcIssuer
    ) -> None:
        """from_github_oidc without the token variables fails before any network call."""
        with pytest.raises(GitHubOidcNotAvailableError):
            BotoSesManager.from_github_oidc(
                ROLE_ARN, environ=github_oidc_issuer.environ(id_token=False)
            )
        assert github_oidc_issuer.requests_received == 0

    def test_is_lazy(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """Building the manager fetches nothing; the first use does."""
        bsm = BotoSesManager.from_github_oidc(
            ROLE_ARN, environ=github_oidc_issuer.environ(), region_name="us-east-1"
        )
        assert github_oidc_issuer.requests_received == 0
        assert bsm.credential_provider is not None
        assert bsm.credential_provider.method == "assume-role-with-web-identity"
        assert bsm.credential_provider.fetches == 0

    def test_sixty_four_threads_share_one_fetch(
        self, github_oidc_issuer: GitHubOidcIssuer, local_sts: Any, run_at_once: RunAtOnce
    ) -> None:
        """64 threads making their first call at once cause one token fetch and one exchange."""
        bsm = BotoSesManager.from_github_oidc(
            ROLE_ARN,
            environ=github_oidc_issuer.environ(),
            region_name="us-east-1",
            default_client_kwargs={"endpoint_url": local_sts.url},
        )
        results, errors = run_at_once(lambda: bsm.sts_client.get_caller_identity()["Account"])
        assert errors == []
        assert results == ["123456789012"] * 64
        assert github_oidc_issuer.tokens_served == 1
        assert local_sts.calls["AssumeRoleWithWebIdentity"] == 1
        assert bsm.credential_provider is not None and bsm.credential_provider.fetches == 1
