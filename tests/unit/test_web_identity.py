"""Unit tests of the token-file loader, the web-identity exchange and the OIDC manager.

The GitHub token endpoint loader has its own module, ``test_github_token.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from boto_session_manager import BotoSesManager
from boto_session_manager.credentials.web_identity import (
    FileTokenLoader,
    WebIdentityExchange,
    default_role_session_name,
    public_claims,
)
from boto_session_manager.exceptions import (
    ExpiredWebIdentityTokenError,
    GitHubOidcNotAvailableError,
    RoleTrustError,
    WebIdentityTokenFileError,
)
from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext, assert_no_secrets

ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]

pytestmark = pytest.mark.usefixtures("isolated_aws_env")


def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


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
        assert_no_secrets({"JWT": token, "JWT signature": token.split(".")[2]}, {"error": message})
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
