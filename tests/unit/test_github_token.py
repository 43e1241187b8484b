"""The GitHub Actions token loader against the local OIDC issuer, over real HTTP.

The endpoint misbehaves the ways a real one can (slow, dripping, huge, truncated, rate
limited); the loader must answer every time with a token or one ``TokenEndpointError``, within
its deadline and its size cap, and never send the request token over plain http elsewhere
than to a loopback host.
"""

from __future__ import annotations

import email.utils
import logging
import socket
import threading
import time
import tracemalloc

import pytest

from boto_session_manager.credentials.github_token import GitHubOidcTokenLoader
from boto_session_manager.credentials.web_identity import token_claims
from boto_session_manager.exceptions import (
    GitHubOidcNotAvailableError,
    TokenEndpointError,
    TokenEndpointUrlError,
)
from boto_session_manager.testing import GitHubOidcIssuer, assert_no_secrets

REQUEST_TOKEN = "request-token-secret-EXAMPLE"


def no_sleep(_seconds: float) -> None:
    """Skip backoff waits in tests."""


class FakeTime:
    """A clock and a sleep that advance together, so backoff costs no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def loader_for(issuer: GitHubOidcIssuer, **kwargs: object) -> GitHubOidcTokenLoader:
    """A loader for the issuer's endpoint with instant backoff."""
    loader = GitHubOidcTokenLoader.from_environ(issuer.environ())
    for name, value in {"sleep": no_sleep, **kwargs}.items():
        setattr(loader, name, value)
    return loader


class TestTokens:
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


class TestStatuses:
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
        assert_no_secrets({"request token": loader.request_token}, {"error": message})
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


class TestRetryAfter:
    @pytest.mark.parametrize("status", [429, 503])
    def test_retry_after_seconds_is_honoured(
        self, github_oidc_issuer: GitHubOidcIssuer, status: int
    ) -> None:
        """A 429/503 with ``Retry-After: 3`` makes the loader wait 3 s, not its own backoff."""
        fake = FakeTime()
        github_oidc_issuer.fail_next(1, status=status, retry_after=3)
        loader = loader_for(github_oidc_issuer, sleep=fake.sleep, clock=fake.clock)
        assert token_claims(loader())["aud"] == "sts.amazonaws.com"
        assert fake.sleeps == [3.0]

    def test_retry_after_http_date_is_honoured(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """``Retry-After`` as an HTTP date is the wait until that date."""
        fake = FakeTime()
        fake.now = time.time()
        when = email.utils.formatdate(fake.now + 20, usegmt=True)
        github_oidc_issuer.fail_next(1, status=503, retry_after=when)
        loader = loader_for(github_oidc_issuer, sleep=fake.sleep, clock=fake.clock)
        loader.wall_clock = fake.clock
        loader()
        assert len(fake.sleeps) == 1 and 18.0 <= fake.sleeps[0] <= 21.0

    def test_retry_after_past_the_deadline_gives_up_at_once(
        self, github_oidc_issuer: GitHubOidcIssuer
    ) -> None:
        """A ``Retry-After`` beyond the deadline ends the request now, saying why."""
        fake = FakeTime()
        github_oidc_issuer.fail_next(1, status=429, retry_after=120)
        loader = loader_for(github_oidc_issuer, sleep=fake.sleep, clock=fake.clock, deadline=30.0)
        with pytest.raises(TokenEndpointError, match=r"Retry-After of 120 s.*deadline of 30 s"):
            loader()
        assert fake.sleeps == []
        assert github_oidc_issuer.requests_received == 1


class TestDeadline:
    def test_all_attempts_share_one_deadline(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """Backoff between attempts counts against the deadline: no attempt starts after it."""
        fake = FakeTime()
        github_oidc_issuer.fail_next(100, status=503)
        loader = loader_for(
            github_oidc_issuer,
            sleep=fake.sleep,
            clock=fake.clock,
            max_attempts=100,
            backoff_base=4.0,
            backoff_cap=4.0,
            deadline=10.0,
        )
        with pytest.raises(TokenEndpointError, match="deadline of 10 s"):
            loader()
        assert sum(fake.sleeps) <= 10.0
        assert github_oidc_issuer.requests_received < 100

    @pytest.mark.timeout(60)
    @pytest.mark.parametrize("phase", ["body", "headers"])
    def test_a_dripping_answer_is_cut_at_the_deadline(
        self, github_oidc_issuer: GitHubOidcIssuer, phase: str
    ) -> None:
        """A byte every 0.1 s (body or headers), each well within the read timeout, cannot keep
        the caller past the deadline."""
        github_oidc_issuer.drip_next(5, interval=0.1, phase=phase)  # type: ignore[arg-type]
        with pytest.raises(TokenEndpointError, match=r"no answer within the deadline of 0\.5 s"):
            loader_for(github_oidc_issuer, deadline=0.5)()

    @pytest.mark.timeout(60)
    def test_a_name_lookup_that_never_answers_is_cut_at_the_deadline(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A resolver that does not answer (the system's waits 30 s and more before giving up)
        cannot keep the caller past the deadline: no socket exists yet to time out.

        The one stand-in here: no DNS server can be pointed at from a test, so the name lookup
        itself is made to hang, for that one host.
        """
        resolver_gives_up, lookup_over = threading.Event(), threading.Event()
        system_lookup = socket.getaddrinfo

        def unanswered(host: object, *args: object, **kwargs: object) -> object:
            if host != "token.example.test":
                return system_lookup(host, *args, **kwargs)  # type: ignore[arg-type]
            resolver_gives_up.wait(5)
            lookup_over.set()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

        monkeypatch.setattr(socket, "getaddrinfo", unanswered)
        loader = GitHubOidcTokenLoader(
            request_url="https://token.example.test/token?api-version=2.0",
            request_token=REQUEST_TOKEN,
            deadline=0.5,
        )
        loader.sleep = no_sleep
        try:
            with pytest.raises(
                TokenEndpointError, match=r"no answer within the deadline of 0\.5 s"
            ):
                loader()
            assert not lookup_over.is_set()  # the caller is back while the lookup still hangs
        finally:
            resolver_gives_up.set()

    def test_timeout_is_retried_then_reported(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """A slow endpoint times out; once it answers in time the token arrives."""
        github_oidc_issuer.delay_next(1.0, count=1)
        loader = loader_for(github_oidc_issuer, read_timeout=0.2)
        assert token_claims(loader())["aud"] == "sts.amazonaws.com"
        github_oidc_issuer.delay_next(1.0, count=2)
        with pytest.raises(TokenEndpointError, match="timed out"):
            loader_for(github_oidc_issuer, read_timeout=0.2, max_attempts=2)()

    @pytest.mark.parametrize("deadline", [0.0, -1.0])
    def test_deadline_must_be_positive(self, deadline: float) -> None:
        """A deadline that leaves no time is refused when the loader is made."""
        with pytest.raises(ValueError, match="deadline"):
            GitHubOidcTokenLoader(
                request_url="http://127.0.0.1:9/token",
                request_token=REQUEST_TOKEN,
                deadline=deadline,
            )


class TestBrokenAnswers:
    @pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
    def test_a_truncated_answer_is_retried(
        self, github_oidc_issuer: GitHubOidcIssuer, chunked: bool
    ) -> None:
        """An answer cut short (ChunkedEncodingError in requests) is transient: retried."""
        github_oidc_issuer.truncated_next(1, chunked=chunked)
        assert token_claims(loader_for(github_oidc_issuer)())["aud"] == "sts.amazonaws.com"
        assert github_oidc_issuer.requests_received == 2

    def test_answers_always_truncated_end_in_one_error(
        self, github_oidc_issuer: GitHubOidcIssuer
    ) -> None:
        """Every attempt cut short: a TokenEndpointError that says so."""
        github_oidc_issuer.truncated_next(5)
        with pytest.raises(TokenEndpointError, match=r"after 3 attempt.*cut short"):
            loader_for(github_oidc_issuer, max_attempts=3)()

    @pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
    def test_a_huge_answer_is_refused_without_reading_it(
        self, github_oidc_issuer: GitHubOidcIssuer, chunked: bool
    ) -> None:
        """A 32 MiB answer (valid JSON with a token) stops at the size cap; memory stays small."""
        loader = loader_for(github_oidc_issuer)
        loader()  # imports and first-use costs happen here, outside the measurement
        github_oidc_issuer.huge_body_next(size=32 * 2**20, chunked=chunked)
        tracemalloc.start()
        try:
            with pytest.raises(TokenEndpointError, match="larger than 65536 bytes"):
                loader()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2 * 2**20
        assert github_oidc_issuer.requests_received == 2  # the huge answer was not retried

    def test_a_request_token_no_header_can_carry(
        self, github_oidc_issuer: GitHubOidcIssuer
    ) -> None:
        """requests refusing the header (InvalidHeader) is a TokenEndpointError without it."""
        bad_token = f"{REQUEST_TOKEN}\nX-Injected: 1"
        loader = GitHubOidcTokenLoader(
            request_url=github_oidc_issuer.request_url, request_token=bad_token, sleep=no_sleep
        )
        with pytest.raises(TokenEndpointError) as info:
            loader()
        assert_no_secrets(
            {"request token": REQUEST_TOKEN}, {"error": str(info.value), "repr": repr(loader)}
        )
        assert github_oidc_issuer.requests_received == 0

    def test_connection_refused(self) -> None:
        """A dead endpoint is reported as a connection failure with its host."""
        loader = GitHubOidcTokenLoader(
            request_url="http://127.0.0.1:9/token?api-version=2.0",
            request_token=REQUEST_TOKEN,
            max_attempts=2,
            sleep=no_sleep,
        )
        with pytest.raises(TokenEndpointError, match=r"127\.0\.0\.1:9 after 2 attempt.*connection"):
            loader()


class TestUrls:
    @pytest.mark.parametrize(
        "url",
        [
            "ftp://127.0.0.1/token",
            "file:///etc/passwd",
            "not a url",
            "",
            "http://[::1/token",
            "http://127.0.0.1:notaport/token",
            "https:///token",
        ],
    )
    def test_unusable_urls_are_refused_before_any_request(self, url: str) -> None:
        """A URL requests cannot use is a TokenEndpointError naming the variable to check."""
        with pytest.raises(TokenEndpointUrlError, match="ACTIONS_ID_TOKEN_REQUEST_URL"):
            GitHubOidcTokenLoader(request_url=url, request_token=REQUEST_TOKEN, sleep=no_sleep)()

    @pytest.mark.parametrize(
        "url",
        [
            "http://token.example.com/idtoken?api-version=2.0",
            "http://10.1.2.3:8080/token",
            "http://0.0.0.0:8080/token",
            "http://localhost.example.com/token",
        ],
    )
    def test_plain_http_is_refused_except_to_loopback(self, url: str) -> None:
        """The request token never goes over http to a host that is not loopback."""
        with pytest.raises(TokenEndpointUrlError, match="https") as info:
            GitHubOidcTokenLoader(request_url=url, request_token=REQUEST_TOKEN)
        assert_no_secrets({"request token": REQUEST_TOKEN}, {"error": str(info.value)})

    @pytest.mark.parametrize(
        "url",
        [
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
            "http://127.0.0.1:8080/token",
            "http://127.1.2.3/token",
            "http://localhost:8080/token",
            "http://LOCALHOST/token",
            "http://[::1]:8080/token",
        ],
    )
    def test_https_and_loopback_are_accepted(self, url: str) -> None:
        """https anywhere, and http to 127.0.0.0/8, ::1 or localhost (the local issuer)."""
        loader = GitHubOidcTokenLoader(request_url=url, request_token=REQUEST_TOKEN)
        assert loader.request_url == url

    def test_the_local_issuer_over_localhost(self, github_oidc_issuer: GitHubOidcIssuer) -> None:
        """http://localhost reaches the local issuer and gets a token."""
        url = github_oidc_issuer.request_url.replace("127.0.0.1", "localhost")
        loader = GitHubOidcTokenLoader(
            request_url=url, request_token=github_oidc_issuer.request_token
        )
        assert token_claims(loader())["aud"] == "sts.amazonaws.com"

    @pytest.mark.parametrize(
        "url",
        [
            "http://alice:pa55w0rd@127.0.0.1:9/token?api-version=2.0",
            "https://alice:pa55w0rd@token.example.com/token",
            "https://pa55w0rd@token.example.com/token",
        ],
    )
    def test_user_info_is_never_shown(self, url: str) -> None:
        """A URL with user-info is refused, and neither the error nor repr shows it."""
        with pytest.raises(TokenEndpointUrlError, match="user-info") as info:
            GitHubOidcTokenLoader(request_url=url, request_token=REQUEST_TOKEN)()
        assert_no_secrets({"password": "pa55w0rd"}, {"error": str(info.value)})

    def test_host_never_shows_user_info(self) -> None:
        """``host`` and ``repr`` show host and port only, even for a URL set after creation."""
        loader = GitHubOidcTokenLoader(
            request_url="http://127.0.0.1:9/token", request_token=REQUEST_TOKEN
        )
        loader.request_url = "http://alice:pa55w0rd@127.0.0.1:9/token"
        assert loader.host == "127.0.0.1:9"
        assert_no_secrets({"password": "pa55w0rd"}, {"repr": repr(loader)})
        with pytest.raises(TokenEndpointUrlError) as info:
            loader()
        assert_no_secrets({"password": "pa55w0rd"}, {"error": str(info.value)})


class TestSecrets:
    def test_repr_and_logs_hold_no_secret(
        self, github_oidc_issuer: GitHubOidcIssuer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Neither repr nor the retry log lines show the request token or the JWT."""
        caplog.set_level(logging.DEBUG)
        github_oidc_issuer.fail_next(1, status=500)
        github_oidc_issuer.truncated_next(1)
        loader = loader_for(github_oidc_issuer)
        token = loader()
        assert caplog.text.count("retry") == 2
        assert_no_secrets(
            {"request token": loader.request_token, "ID token": token},
            {"repr": repr(loader), "logs": caplog.text},
        )
