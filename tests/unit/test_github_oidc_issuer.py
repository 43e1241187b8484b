"""Tests of the local GitHub Actions OIDC token endpoint, over real HTTP."""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext, assert_no_secrets
from boto_session_manager.testing.github_oidc_issuer import GITHUB_ISSUER

STS_AUDIENCE = "sts.amazonaws.com"


def get_token_response(
    issuer: GitHubOidcIssuer,
    audience: str | None = STS_AUDIENCE,
    *,
    token: str | None = None,
    timeout: float = 5.0,
) -> requests.Response:
    """GET the token endpoint the way a runner-side client does."""
    url = issuer.request_url
    if audience is not None:
        url += f"&audience={quote(audience, safe='')}"
    bearer = issuer.request_token if token is None else token
    return requests.get(url, headers={"Authorization": f"Bearer {bearer}"}, timeout=timeout)


def fetch_claims(issuer: GitHubOidcIssuer, audience: str | None = STS_AUDIENCE) -> dict[str, Any]:
    """Fetch a token over HTTP and return its claims, signature and all verified."""
    response = get_token_response(issuer, audience)
    assert response.status_code == 200
    return verify(issuer, response.json()["value"], audience)


def verify(issuer: GitHubOidcIssuer, token: str, audience: str | None) -> dict[str, Any]:
    """Verify a token against the JWKS fetched over HTTP and return its claims."""
    signing_key = jwt.PyJWKClient(issuer.jwks_url, cache_keys=False).get_signing_key_from_jwt(token)
    expected_audience = audience if audience is not None else issuer.context.default_audience
    claims: dict[str, Any] = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience=expected_audience,
        issuer=issuer.issuer,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
    )
    return claims


# -- token endpoint --------------------------------------------------------------------------


def test_token_response_has_githubs_shape(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """The token endpoint answers 200 JSON ``{"count": 1, "value": <three-part JWT>}``."""
    response = get_token_response(github_oidc_issuer)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"count", "value"}
    assert body["count"] == 1
    assert len(body["value"].split(".")) == 3


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer "],
    ids=["missing", "wrong-token", "basic-scheme", "empty-bearer"],
)
def test_token_endpoint_rejects_bad_bearer(
    github_oidc_issuer: GitHubOidcIssuer, authorization: str | None
) -> None:
    """Without the right bearer token the endpoint answers 401 JSON and serves no token."""
    headers = {} if authorization is None else {"Authorization": authorization}
    url = f"{github_oidc_issuer.request_url}&audience={STS_AUDIENCE}"

    response = requests.get(url, headers=headers, timeout=5)

    assert response.status_code == 401
    assert "value" not in response.json()
    assert "message" in response.json()
    assert github_oidc_issuer.requests_received == 1
    assert github_oidc_issuer.tokens_served == 0
    assert github_oidc_issuer.token_requests[0].authorized is False


def test_bearer_scheme_is_case_insensitive(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``bearer`` in lower case is accepted, as HTTP auth schemes are case-insensitive."""
    url = f"{github_oidc_issuer.request_url}&audience={STS_AUDIENCE}"
    headers = {"Authorization": f"bearer {github_oidc_issuer.request_token}"}

    assert requests.get(url, headers=headers, timeout=5).status_code == 200


@pytest.mark.parametrize("audience", [STS_AUDIENCE, "https://api.example.com/v1?x=1&y=2"])
def test_requested_audience_is_the_aud_claim(
    github_oidc_issuer: GitHubOidcIssuer, audience: str
) -> None:
    """The ``audience`` query parameter (URL-decoded) becomes the ``aud`` claim."""
    claims = fetch_claims(github_oidc_issuer, audience)

    assert claims["aud"] == audience
    assert github_oidc_issuer.token_requests[-1].audience == audience


def test_default_audience_is_the_owner_url(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Without ``audience`` the token's ``aud`` is ``https://github.com/OWNER``, like GitHub's."""
    github_oidc_issuer.set_context(repository="acme/widgets")

    claims = fetch_claims(github_oidc_issuer, audience=None)

    assert claims["aud"] == "https://github.com/acme"
    assert github_oidc_issuer.token_requests[-1].audience is None


@pytest.mark.parametrize(
    "make_url",
    [
        lambda issuer: f"{issuer.request_url.split('?')[0]}?audience={STS_AUDIENCE}",
        lambda issuer: f"{issuer.request_url}?audience={STS_AUDIENCE}",
    ],
    ids=["query-string-replaced", "second-question-mark"],
)
def test_url_built_without_existing_query_string_is_rejected(
    github_oidc_issuer: GitHubOidcIssuer, make_url: Any
) -> None:
    """A client that drops ``api-version`` or appends ``?audience=`` gets 400, not a token."""
    headers = {"Authorization": f"Bearer {github_oidc_issuer.request_token}"}

    response = requests.get(make_url(github_oidc_issuer), headers=headers, timeout=5)

    assert response.status_code == 400
    assert github_oidc_issuer.tokens_served == 0


def test_unknown_path_is_404(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Paths other than the token, discovery and JWKS endpoints answer 404."""
    response = requests.get(f"{github_oidc_issuer.url}/nope", timeout=5)

    assert response.status_code == 404
    assert github_oidc_issuer.requests_received == 0


# -- signature, discovery, JWKS --------------------------------------------------------------


def test_token_signature_verifies_against_jwks_over_http(
    github_oidc_issuer: GitHubOidcIssuer,
) -> None:
    """The JWT is RS256 with ``kid``/``typ`` headers and verifies with the served JWKS."""
    token = get_token_response(github_oidc_issuer).json()["value"]

    header = jwt.get_unverified_header(token)
    claims = verify(github_oidc_issuer, token, STS_AUDIENCE)

    assert header == {"alg": "RS256", "typ": "JWT", "kid": github_oidc_issuer.kid}
    assert claims["iss"] == GITHUB_ISSUER


def test_token_from_another_key_fails_verification(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """A token signed by a different key does not verify against this issuer's JWKS."""
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = GitHubOidcIssuer(private_key=other_key).mint(STS_AUDIENCE)
    public_key = jwt.PyJWKClient(github_oidc_issuer.jwks_url).get_signing_keys()[0].key

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, public_key, algorithms=["RS256"], audience=STS_AUDIENCE)


def test_jwks_serves_the_rsa_public_key(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """The JWKS holds one RSA signing key with kid, n, e, ``alg`` RS256 and ``use`` sig."""
    jwks = requests.get(github_oidc_issuer.jwks_url, timeout=5).json()

    (key,) = jwks["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"] == github_oidc_issuer.kid
    public = jwt.PyJWK(key).key
    expected = github_oidc_issuer.public_key().public_numbers()
    assert public.public_numbers() == expected
    assert expected.n.bit_length() == 2048


def test_openid_configuration_points_to_the_jwks(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """The discovery document names the issuer, the local JWKS and GitHub's supported values."""
    config = requests.get(github_oidc_issuer.discovery_url, timeout=5).json()

    assert config["issuer"] == GITHUB_ISSUER
    assert config["jwks_uri"] == github_oidc_issuer.jwks_url
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert config["response_types_supported"] == ["id_token"]
    assert config["subject_types_supported"] == ["public", "pairwise"]
    assert config["scopes_supported"] == ["openid"]
    assert {"sub", "aud", "repository", "environment", "job_workflow_ref"} <= set(
        config["claims_supported"]
    )
    assert requests.get(config["jwks_uri"], timeout=5).json()["keys"]


def test_own_url_as_issuer_makes_discovery_self_consistent() -> None:
    """With ``issuer=None`` the ``iss`` claim and the discovery ``issuer`` are the server URL."""
    with GitHubOidcIssuer(issuer=None) as issuer:
        claims = fetch_claims(issuer)
        config = requests.get(f"{claims['iss']}/.well-known/openid-configuration", timeout=5)

        assert claims["iss"] == issuer.url
        assert config.json()["issuer"] == issuer.url


def test_issuers_share_the_process_key_unless_given_one() -> None:
    """Issuers reuse one per-process key by default; ``private_key`` gives a distinct kid."""
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert GitHubOidcIssuer().kid == GitHubOidcIssuer().kid
    assert GitHubOidcIssuer(private_key=other_key).kid != GitHubOidcIssuer().kid


# -- claims ----------------------------------------------------------------------------------

GITHUB_CUSTOM_CLAIMS = {
    "repository",
    "repository_owner",
    "repository_id",
    "repository_owner_id",
    "repository_visibility",
    "ref",
    "ref_type",
    "ref_protected",
    "sha",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "job_workflow_ref",
    "job_workflow_sha",
    "run_id",
    "run_number",
    "run_attempt",
    "actor",
    "actor_id",
    "event_name",
    "head_ref",
    "base_ref",
    "runner_environment",
}


def test_claims_have_githubs_names_and_string_values(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Every GitHub custom claim is present as a string, consistent with the run context."""
    context = github_oidc_issuer.context

    claims = fetch_claims(github_oidc_issuer)

    assert set(claims) == GITHUB_CUSTOM_CLAIMS | {"iss", "aud", "sub", "exp", "iat", "nbf", "jti"}
    assert all(isinstance(claims[name], str) for name in GITHUB_CUSTOM_CLAIMS)
    assert claims["repository"] == context.repository
    assert claims["repository_owner"] == context.owner
    assert claims["repository_id"] == context.repository_id
    assert claims["run_id"] == context.run_id
    assert claims["sha"] == context.sha
    assert claims["ref_type"] == "branch"
    assert (
        claims["workflow_ref"] == f"{context.repository}/.github/workflows/main.yml@refs/heads/main"
    )
    assert claims["job_workflow_ref"] == claims["workflow_ref"]


def test_token_lives_five_minutes_by_default(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``exp`` is ``iat`` + 300 s, ``nbf`` is not after ``iat``, and ``iat`` is now."""
    before = int(time.time())

    claims = fetch_claims(github_oidc_issuer)

    assert claims["exp"] - claims["iat"] == 300
    assert claims["nbf"] <= claims["iat"]
    assert before <= claims["iat"] <= int(time.time())


def test_lifetime_is_configurable() -> None:
    """``lifetime`` sets ``exp - iat``."""
    with GitHubOidcIssuer(lifetime=60) as issuer:
        claims = fetch_claims(issuer)

    assert claims["exp"] - claims["iat"] == 60


def test_clock_makes_expired_tokens() -> None:
    """A clock in the past yields a token that verifiers reject as expired."""
    with GitHubOidcIssuer(clock=lambda: time.time() - 3600) as issuer:
        token = get_token_response(issuer).json()["value"]

        with pytest.raises(jwt.ExpiredSignatureError):
            verify(issuer, token, STS_AUDIENCE)


def test_each_token_has_a_fresh_jti(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Two tokens never share a ``jti``."""
    first = fetch_claims(github_oidc_issuer)
    second = fetch_claims(github_oidc_issuer)

    assert first["jti"] != second["jti"]


SUB_CASES = [
    (
        GitHubRunContext(repository="acme/app", ref="refs/heads/main"),
        "repo:acme/app:ref:refs/heads/main",
    ),
    (
        GitHubRunContext(repository="acme/app", ref="refs/heads/feature/x"),
        "repo:acme/app:ref:refs/heads/feature/x",
    ),
    (
        GitHubRunContext(repository="acme/app", ref="refs/tags/v1.2.0"),
        "repo:acme/app:ref:refs/tags/v1.2.0",
    ),
    (
        GitHubRunContext(
            repository="acme/app",
            ref="refs/pull/7/merge",
            event_name="pull_request",
            head_ref="feature",
            base_ref="main",
        ),
        "repo:acme/app:pull_request",
    ),
    (
        GitHubRunContext(repository="acme/app", environment="production"),
        "repo:acme/app:environment:production",
    ),
    (
        GitHubRunContext(repository="acme/app", environment="staging", event_name="pull_request"),
        "repo:acme/app:environment:staging",
    ),
    (
        GitHubRunContext(
            repository="acme/app",
            repository_owner_id="111",
            repository_id="222",
            sub_format="immutable",
        ),
        "repo:acme@111/app@222:ref:refs/heads/main",
    ),
    (
        GitHubRunContext(
            repository="acme/app",
            repository_owner_id="111",
            repository_id="222",
            sub_format="immutable",
            environment="prod",
        ),
        "repo:acme@111/app@222:environment:prod",
    ),
    (
        GitHubRunContext(
            repository="acme/app", sub="repo:acme/app:job_workflow_ref:x@refs/heads/main"
        ),
        "repo:acme/app:job_workflow_ref:x@refs/heads/main",
    ),
]


@pytest.mark.parametrize(
    ("context", "expected_sub"),
    SUB_CASES,
    ids=[
        "branch",
        "branch-with-slash",
        "tag",
        "pull-request",
        "environment",
        "environment-beats-pull-request",
        "immutable-branch",
        "immutable-environment",
        "override",
    ],
)
def test_sub_claim_forms(
    github_oidc_issuer: GitHubOidcIssuer, context: GitHubRunContext, expected_sub: str
) -> None:
    """The ``sub`` claim follows GitHub's form for the run's ref, event and environment."""
    github_oidc_issuer.context = context

    claims = fetch_claims(github_oidc_issuer)

    assert claims["sub"] == expected_sub


def test_tag_ref_has_ref_type_tag(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """A tag ref gives ``ref_type`` ``tag``."""
    github_oidc_issuer.set_context(ref="refs/tags/v1.0")

    assert fetch_claims(github_oidc_issuer)["ref_type"] == "tag"


def test_environment_claim_only_when_set(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """The ``environment`` claim is absent without an environment and present with one."""
    without = fetch_claims(github_oidc_issuer)
    github_oidc_issuer.set_context(environment="production")
    with_environment = fetch_claims(github_oidc_issuer)

    assert "environment" not in without
    assert with_environment["environment"] == "production"


def test_set_context_changes_later_tokens(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``set_context`` replaces fields for the tokens served afterwards, keeping the others."""
    first = fetch_claims(github_oidc_issuer)

    new = github_oidc_issuer.set_context(run_attempt="2", actor="hubot")
    second = fetch_claims(github_oidc_issuer)

    assert (first["run_attempt"], second["run_attempt"]) == ("1", "2")
    assert second["actor"] == "hubot"
    assert second["repository"] == first["repository"]
    assert github_oidc_issuer.context == new


def test_mint_overrides_and_removes_claims(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``mint`` signs without HTTP; overrides replace claims and ``None`` removes them."""
    token = github_oidc_issuer.mint(STS_AUDIENCE, repository="evil/repo", runner_environment=None)

    claims = verify(github_oidc_issuer, token, STS_AUDIENCE)

    assert claims["repository"] == "evil/repo"
    assert "runner_environment" not in claims
    assert github_oidc_issuer.requests_received == 0


def test_mint_with_explicit_context(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``mint(context=...)`` describes that run without changing the issuer's context."""
    other = GitHubRunContext(repository="acme/other", ref="refs/tags/v2")

    token = github_oidc_issuer.mint(context=other)

    claims = verify(github_oidc_issuer, token, "https://github.com/acme")

    assert claims["sub"] == "repo:acme/other:ref:refs/tags/v2"
    assert claims["aud"] == "https://github.com/acme"
    assert github_oidc_issuer.context.repository != "acme/other"


@pytest.mark.parametrize("repository", ["noslash", "/repo", "owner/", "a/b/c"])
def test_context_rejects_bad_repository(repository: str) -> None:
    """A repository that is not ``OWNER/REPO`` is refused at construction."""
    with pytest.raises(ValueError, match="OWNER/REPO"):
        GitHubRunContext(repository=repository)


def test_context_is_frozen() -> None:
    """Run contexts are immutable values."""
    context = GitHubRunContext()

    with pytest.raises(dataclasses.FrozenInstanceError):
        context.ref = "refs/heads/other"  # type: ignore[misc]


# -- fault injection and counters ------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 429, 503, 401])
def test_fail_next_then_success(github_oidc_issuer: GitHubOidcIssuer, status: int) -> None:
    """``fail_next(n, status=...)`` fails exactly the next n token requests, then tokens flow."""
    github_oidc_issuer.fail_next(2, status=status)

    statuses = [get_token_response(github_oidc_issuer).status_code for _ in range(3)]

    assert statuses == [status, status, 200]
    assert github_oidc_issuer.requests_received == 3
    assert github_oidc_issuer.tokens_served == 1
    assert github_oidc_issuer.pending_faults == ()


def test_fail_next_can_send_retry_after(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """A status fault with ``retry_after`` sends a ``Retry-After`` header and a JSON error."""
    github_oidc_issuer.fail_next(status=429, retry_after=3)

    response = get_token_response(github_oidc_issuer)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert "value" not in response.json()


def test_malformed_answer_is_not_json(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``malformed_next`` answers 200 with a body JSON parsers reject, then serves tokens."""
    github_oidc_issuer.malformed_next()

    response = get_token_response(github_oidc_issuer)

    assert response.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        response.json()
    assert get_token_response(github_oidc_issuer).json()["value"]
    assert github_oidc_issuer.tokens_served == 1


def test_missing_value_answer(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``missing_value_next`` answers 200 JSON without ``value``."""
    github_oidc_issuer.missing_value_next()

    response = get_token_response(github_oidc_issuer)

    assert response.status_code == 200
    assert "value" not in response.json()
    assert github_oidc_issuer.tokens_served == 0


def test_slow_answer_trips_client_timeout(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``delay_next`` holds the answer so a client timeout fires; the next one is not held."""
    github_oidc_issuer.delay_next(30.0)

    with pytest.raises(requests.Timeout):
        get_token_response(github_oidc_issuer, timeout=0.2)
    response = get_token_response(github_oidc_issuer, timeout=10)

    assert response.status_code == 200
    assert github_oidc_issuer.pending_faults == ()


def test_slow_answer_still_serves_a_token(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """A delayed answer, when waited for, is a normal token response."""
    github_oidc_issuer.delay_next(0.3)

    started = time.monotonic()
    response = get_token_response(github_oidc_issuer)

    assert time.monotonic() - started >= 0.3
    assert response.json()["value"]


def raw_token_request(issuer: GitHubOidcIssuer) -> socket.socket:
    """Send a token request on a raw socket, to see the answer's bytes as they arrive."""
    host, port = issuer.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    path = issuer.request_url.removeprefix(issuer.url) + f"&audience={STS_AUDIENCE}"
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
    request += f"Authorization: Bearer {issuer.request_token}\r\n\r\n"
    sock.sendall(request.encode("ascii"))
    return sock


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


@pytest.mark.parametrize("phase", ["body", "headers"])
def test_drip_sends_a_valid_answer_one_byte_at_a_time(
    github_oidc_issuer: GitHubOidcIssuer, phase: str
) -> None:
    """``drip_next`` sends the normal answer, one byte per ``interval`` from the chosen phase."""
    interval = 0.0002
    github_oidc_issuer.drip_next(interval=interval, phase=phase)  # type: ignore[arg-type]

    started = time.monotonic()
    response = get_token_response(github_oidc_issuer, timeout=30)
    elapsed = time.monotonic() - started

    assert verify(github_oidc_issuer, response.json()["value"], STS_AUDIENCE)
    slow_bytes = len(response.content) if phase == "body" else len(response.content) + 150
    assert elapsed >= slow_bytes * interval * 0.9  # a lower bound: each byte waits its interval
    assert github_oidc_issuer.token_requests[0].fault is not None
    assert github_oidc_issuer.token_requests[0].fault.kind == "drip"


def test_drip_holds_back_the_body(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """With ``phase="body"`` the head comes at once, then the body at most a byte per interval."""
    interval = 0.2
    github_oidc_issuer.drip_next(interval=interval)
    started = time.monotonic()
    sock = raw_token_request(github_oidc_issuer)
    try:
        received = b""
        while b"\r\n\r\n" not in received or len(received.partition(b"\r\n\r\n")[2]) < 3:
            received += sock.recv(65536)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    head, _, body = received.partition(b"\r\n\r\n")

    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: " in head
    assert elapsed >= interval * (len(body) - 1) * 0.9  # byte k leaves k intervals after the head


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_body_is_valid_json_of_the_size_asked(
    github_oidc_issuer: GitHubOidcIssuer, chunked: bool
) -> None:
    """``huge_body_next`` streams ``size`` bytes of valid JSON that still holds the token."""
    github_oidc_issuer.huge_body_next(size=3 * 2**20 + 17, chunked=chunked)

    response = get_token_response(github_oidc_issuer, timeout=30)

    assert len(response.content) == 3 * 2**20 + 17
    assert ("Content-Length" in response.headers) is not chunked
    assert (response.headers.get("Transfer-Encoding") == "chunked") is chunked
    document = response.json()
    assert verify(github_oidc_issuer, document["value"], STS_AUDIENCE)
    assert set(document["padding"]) == {"x"}


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_truncated_answer_is_cut_short(github_oidc_issuer: GitHubOidcIssuer, chunked: bool) -> None:
    """``truncated_next`` sends half the answer and closes: requests sees the body cut short."""
    github_oidc_issuer.truncated_next(chunked=chunked)

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get_token_response(github_oidc_issuer)
    sock = raw_token_request(github_oidc_issuer)  # the next answer is whole again
    try:
        answer = read_to_end(sock)
    finally:
        sock.close()

    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert [r.served for r in github_oidc_issuer.token_requests] == [False, True]


def test_retry_after_can_be_an_http_date(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``fail_next(retry_after=...)`` sends an HTTP date as given."""
    when = "Wed, 21 Oct 2015 07:28:00 GMT"
    github_oidc_issuer.fail_next(status=503, retry_after=when)

    assert get_token_response(github_oidc_issuer).headers["Retry-After"] == when


def test_stop_cuts_a_drip_short() -> None:
    """``stop`` ends a dripping answer: the client sees the connection close."""
    issuer = GitHubOidcIssuer().start()
    issuer.drip_next(interval=30)
    sock = raw_token_request(issuer)
    try:
        sock.recv(65536)  # the head and the first byte of the body
        issuer.stop()
        rest = read_to_end(sock)  # returns once the server closes the connection
    finally:
        sock.close()
        issuer.stop()

    assert len(rest) <= 1


def test_faults_only_hit_the_token_endpoint(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Discovery and JWKS requests neither fail nor consume pending faults."""
    github_oidc_issuer.fail_next(status=500)

    assert requests.get(github_oidc_issuer.jwks_url, timeout=5).status_code == 200
    assert requests.get(github_oidc_issuer.discovery_url, timeout=5).status_code == 200
    assert len(github_oidc_issuer.pending_faults) == 1
    assert get_token_response(github_oidc_issuer).status_code == 500


def test_counters_are_thread_safe(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """Concurrent requests are all counted, and each fault is consumed exactly once."""
    github_oidc_issuer.fail_next(5, status=503)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: get_token_response(github_oidc_issuer).status_code, range(24))
        )

    assert sorted(statuses).count(503) == 5
    assert statuses.count(200) == 19
    assert github_oidc_issuer.requests_received == 24
    assert github_oidc_issuer.tokens_served == 19


def test_reset_restores_a_clean_issuer(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``reset`` drops faults and records and restores the initial context."""
    initial = github_oidc_issuer.context
    github_oidc_issuer.set_context(environment="prod")
    get_token_response(github_oidc_issuer)
    github_oidc_issuer.fail_next(3)

    github_oidc_issuer.reset()

    assert github_oidc_issuer.context == initial
    assert github_oidc_issuer.pending_faults == ()
    assert github_oidc_issuer.requests_received == 0
    assert github_oidc_issuer.tokens_served == 0


@pytest.mark.parametrize("count", [-1])
def test_negative_fault_count_is_refused(github_oidc_issuer: GitHubOidcIssuer, count: int) -> None:
    """A negative fault count is a programming error."""
    with pytest.raises(ValueError, match="count"):
        github_oidc_issuer.fail_next(count)


# -- secrets stay secret ---------------------------------------------------------------------


def test_repr_and_output_hold_no_secret(
    github_oidc_issuer: GitHubOidcIssuer, capfd: pytest.CaptureFixture[str]
) -> None:
    """Neither ``repr`` nor anything printed by the server contains the bearer or a JWT."""
    token = get_token_response(github_oidc_issuer).json()["value"]
    get_token_response(github_oidc_issuer, token="wrong")
    requests.get(f"{github_oidc_issuer.url}/nope", timeout=5)

    shown = repr(github_oidc_issuer) + str(github_oidc_issuer)
    printed = capfd.readouterr()

    assert_no_secrets(
        {"request token": github_oidc_issuer.request_token, "ID token": token},
        {
            "repr": shown,
            "stdout": printed.out,
            "stderr": printed.err,
            "request records": repr(github_oidc_issuer.token_requests),
        },
    )
    assert "/token" not in printed.err  # the request log is silenced
    assert github_oidc_issuer.url in shown


def test_request_tokens_differ_between_issuers() -> None:
    """Each issuer has its own random request token."""
    assert GitHubOidcIssuer().request_token != GitHubOidcIssuer().request_token


# -- runner environment ----------------------------------------------------------------------


def test_environ_matches_the_context(github_oidc_issuer: GitHubOidcIssuer, tmp_path: Path) -> None:
    """``environ`` holds the runner's variables, consistent with the context and the server."""
    github_oidc_issuer.set_context(repository="acme/app", ref="refs/tags/v1.0", run_attempt="3")

    env = github_oidc_issuer.environ(runner_temp=tmp_path)

    assert env["GITHUB_ACTIONS"] == "true"
    assert env["ACTIONS_ID_TOKEN_REQUEST_URL"] == github_oidc_issuer.request_url
    assert env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == github_oidc_issuer.request_token
    assert env["GITHUB_REPOSITORY"] == "acme/app"
    assert env["GITHUB_REPOSITORY_OWNER"] == "acme"
    assert env["GITHUB_REF"] == "refs/tags/v1.0"
    assert env["GITHUB_REF_NAME"] == "v1.0"
    assert env["GITHUB_REF_TYPE"] == "tag"
    assert env["GITHUB_RUN_ATTEMPT"] == "3"
    assert env["RUNNER_TEMP"] == str(tmp_path)
    assert all(isinstance(value, str) for value in env.values())


def test_environ_leads_to_a_matching_token(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """A client using only ``environ()`` gets a token whose claims match the same variables."""
    env = github_oidc_issuer.environ()

    response = requests.get(
        f"{env['ACTIONS_ID_TOKEN_REQUEST_URL']}&audience={STS_AUDIENCE}",
        headers={"Authorization": f"Bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
        timeout=5,
    )
    claims = verify(github_oidc_issuer, response.json()["value"], STS_AUDIENCE)

    assert claims["repository"] == env["GITHUB_REPOSITORY"]
    assert claims["repository_owner"] == env["GITHUB_REPOSITORY_OWNER"]
    assert claims["run_id"] == env["GITHUB_RUN_ID"]
    assert claims["run_attempt"] == env["GITHUB_RUN_ATTEMPT"]
    assert claims["ref"] == env["GITHUB_REF"]
    assert claims["sha"] == env["GITHUB_SHA"]
    assert claims["workflow"] == env["GITHUB_WORKFLOW"]
    assert claims["event_name"] == env["GITHUB_EVENT_NAME"]


def test_environ_without_id_token_permission(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """``id_token=False`` omits the two request variables, as without ``id-token: write``."""
    env = github_oidc_issuer.environ(id_token=False)

    assert "ACTIONS_ID_TOKEN_REQUEST_URL" not in env
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in env
    assert env["GITHUB_ACTIONS"] == "true"


def test_github_actions_env_fixture_sets_os_environ(
    github_actions_env: dict[str, str], github_oidc_issuer: GitHubOidcIssuer
) -> None:
    """The ``github_actions_env`` fixture puts the runner variables into ``os.environ``."""
    assert os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] == github_oidc_issuer.request_url
    assert os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == github_oidc_issuer.request_token
    assert os.environ["GITHUB_REPOSITORY"] == github_oidc_issuer.context.repository
    assert Path(os.environ["RUNNER_TEMP"]).is_dir()
    assert all(os.environ[name] == value for name, value in github_actions_env.items())


# -- lifecycle -------------------------------------------------------------------------------


def test_stop_closes_the_port_and_is_idempotent() -> None:
    """After ``stop`` the port refuses connections, ``url`` raises, and ``stop`` is repeatable."""
    issuer = GitHubOidcIssuer().start()
    url = issuer.request_url

    issuer.stop()
    issuer.stop()

    assert not issuer.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    with pytest.raises(RuntimeError, match="not started"):
        _ = issuer.url


def test_start_twice_is_refused() -> None:
    """Starting a running issuer is a programming error."""
    with GitHubOidcIssuer() as issuer, pytest.raises(RuntimeError, match="already started"):
        issuer.start()


def test_stop_cuts_pending_delays_short() -> None:
    """``stop`` returns promptly even while a request is held by a long delay."""
    issuer = GitHubOidcIssuer().start()
    issuer.delay_next(30)
    worker = threading.Thread(target=lambda: get_token_response(issuer, timeout=60), daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while issuer.pending_faults and time.monotonic() < deadline:  # until the request is held
        time.sleep(0.01)

    issuer.stop()
    worker.join(timeout=15)  # half the delay: only a cut-short answer ends this soon

    assert not worker.is_alive()


def test_server_binds_loopback_only(github_oidc_issuer: GitHubOidcIssuer) -> None:
    """The server listens on 127.0.0.1 on an ephemeral port."""
    assert github_oidc_issuer.url.startswith("http://127.0.0.1:")
    assert int(github_oidc_issuer.url.rsplit(":", 1)[1]) > 0
