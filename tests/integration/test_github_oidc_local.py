"""GitHub OIDC end to end: the local issuer mints tokens, the local AWS emulator judges them.

The role (``oidc_role``, made for this module) is created through the IAM API, with the same
kind of web-identity trust the CDK stack gives the CI role. These tests need an emulator they
can administer, so they run against the local one only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from boto_session_manager import BotoSesManager
from boto_session_manager.exceptions import RoleTrustError
from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext, assert_no_secrets

from .conftest import ROLE_REPOSITORY, OidcRole

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws


def manager(issuer: GitHubOidcIssuer, role: OidcRole, **kwargs: Any) -> BotoSesManager:
    """An OIDC manager for ``role`` whose runner variables point at ``issuer``."""
    return BotoSesManager.from_github_oidc(
        role.arn,
        environ=issuer.environ(),
        region_name="us-east-1",
        default_client_kwargs=role.client_kwargs,
        **kwargs,
    )


def test_right_repository_gets_credentials(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole
) -> None:
    """A token for the pinned repository is exchanged for working role credentials."""
    github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
    bsm = manager(github_oidc_issuer, oidc_role)
    assert bsm.principal_arn.startswith(
        f"arn:aws:sts::000000000000:assumed-role/{oidc_role.arn.split('/')[-1]}/"
    )
    assert bsm.principal_arn.endswith("/gh-octo-org+octo-repo-4242424242-1")
    assert bsm.expiration_time is not None and not bsm.is_expired()
    assert github_oidc_issuer.tokens_served == 1
    assert bsm.web_identity_exchange is not None and bsm.web_identity_exchange.sts_calls == 1


@pytest.mark.parametrize(
    ("repository", "audience"),
    [
        ("octo-org/other-repo", "sts.amazonaws.com"),
        ("octo-org/octo-repo-evil", "sts.amazonaws.com"),
        (ROLE_REPOSITORY, "not-sts"),
    ],
    ids=["other-repository", "repo-evil-prefix", "wrong-audience"],
)
def test_trust_policy_refusal_is_explained(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole, repository: str, audience: str
) -> None:
    """A token the trust policy rejects gives RoleTrustError quoting the role and claims."""
    github_oidc_issuer.context = GitHubRunContext(repository=repository)
    bsm = manager(github_oidc_issuer, oidc_role, audience=audience)
    with pytest.raises(RoleTrustError) as info:
        bsm.get_frozen_credentials()
    message = str(info.value)
    assert oidc_role.arn in message
    assert f"repository='{repository}'" in message and f"aud='{audience}'" in message
    assert_no_secrets({"request token": github_oidc_issuer.request_token}, {"error": message})


def test_token_endpoint_failing_twice_then_answering(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole
) -> None:
    """Two 503s from the token endpoint are retried; the caller sees credentials, no error."""
    github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
    github_oidc_issuer.fail_next(2, status=503)
    bsm = manager(github_oidc_issuer, oidc_role)
    assert bsm.aws_account_id == "000000000000"
    assert github_oidc_issuer.requests_received == 3


def test_sixty_four_threads_one_token_one_sts_call(
    github_oidc_issuer: GitHubOidcIssuer,
    oidc_role: OidcRole,
    sts_proxy: Callable[..., Any],
    run_at_once: Callable[..., tuple[list[Any], list[BaseException]]],
) -> None:
    """64 threads making their first call at once cause one token fetch and one STS call
    (counted at the wire, by a proxy in front of the emulator)."""
    github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
    proxy = sts_proxy(
        oidc_role.client_kwargs["endpoint_url"], oidc_role.client_kwargs.get("verify")
    )
    bsm = BotoSesManager.from_github_oidc(
        oidc_role.arn,
        environ=github_oidc_issuer.environ(),
        region_name="us-east-1",
        default_client_kwargs={"endpoint_url": proxy.url},
    )
    sts = bsm.sts_client
    arns, errors = run_at_once(lambda: sts.get_caller_identity()["Arn"])
    assert errors == []
    assert len(arns) == 64 and len(set(arns)) == 1
    assert github_oidc_issuer.tokens_served == 1
    assert proxy.calls["AssumeRoleWithWebIdentity"] == 1


def test_refresh_fetches_a_new_token(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole
) -> None:
    """When the clock reaches the mandatory window, a new token is fetched and exchanged."""
    import datetime as dt

    github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
    now = [dt.datetime.now(dt.timezone.utc)]
    bsm = manager(github_oidc_issuer, oidc_role, time_fetcher=lambda: now[0])
    first = bsm.get_frozen_credentials()
    expiry = bsm.expiration_time
    assert expiry is not None
    now[0] = expiry - dt.timedelta(minutes=5)  # inside the mandatory window
    second = bsm.get_frozen_credentials()
    assert second.access_key != first.access_key
    assert github_oidc_issuer.tokens_served == 2
    assert bsm.sts_client.get_caller_identity()["Account"] == "000000000000"


def test_role_chaining_from_oidc(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole, local_emulator: LocalAws
) -> None:
    """An OIDC manager can assume another role that trusts it (auto-refresh)."""
    iam = local_emulator.boto3_session().client("iam", **local_emulator.client_kwargs())
    name = f"bsm-chained-{uuid.uuid4().hex[:8]}"
    arn = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": oidc_role.arn},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=oidc_role.arn.split("/")[-1],
        PolicyName="chain",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}],
            }
        ),
    )
    try:
        github_oidc_issuer.context = GitHubRunContext(repository=ROLE_REPOSITORY)
        ci = manager(github_oidc_issuer, oidc_role)
        chained = ci.assume_role(arn, auto_refresh=True, duration_seconds=900)
        assert f":assumed-role/{name}/" in chained.principal_arn
        plain = ci.assume_role(arn)
        assert f":assumed-role/{name}/" in plain.principal_arn
    finally:
        iam.delete_role_policy(RoleName=oidc_role.arn.split("/")[-1], PolicyName="chain")
        iam.delete_role(RoleName=name)


def test_token_file_goes_through_the_same_exchange(
    github_oidc_issuer: GitHubOidcIssuer, oidc_role: OidcRole, tmp_path: Path
) -> None:
    """A token file (AWS_WEB_IDENTITY_TOKEN_FILE) is just another token loader."""
    from boto_session_manager.credentials.web_identity import FileTokenLoader

    token_file = tmp_path / "token"
    token_file.write_text(
        github_oidc_issuer.mint(
            "sts.amazonaws.com", context=GitHubRunContext(repository=ROLE_REPOSITORY)
        )
    )
    bsm = BotoSesManager.from_web_identity(
        oidc_role.arn,
        token_loader=FileTokenLoader.from_environ({"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file)}),
        role_session_name="from-token-file",
        region_name="us-east-1",
        default_client_kwargs=oidc_role.client_kwargs,
    )
    assert bsm.principal_arn.endswith("/from-token-file")
    assert github_oidc_issuer.requests_received == 0  # no HTTP: the file was the source
