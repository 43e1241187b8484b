"""Unit tests of refreshing credentials: lifetime-sized windows, refusals, no refresh storm.

Every STS call is counted at the wire, by the local STS endpoint (``local_sts``), and time
is an injected clock shared by the manager and the endpoint.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from boto_session_manager import BotoSesManager, RoleTrustError
from boto_session_manager.credentials.refreshable import LazyRefreshableProvider
from tests.clock import Clock

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
EXCHANGE = "AssumeRoleWithWebIdentity"


class Tokens:
    """A token loader that counts its calls."""

    def __init__(self) -> None:
        self.loaded = 0

    def __call__(self) -> str:
        self.loaded += 1
        return f"header.payload-{self.loaded}.signature"


@pytest.fixture
def clock(local_sts: Any) -> Clock:
    """One injected clock for the manager and the local STS endpoint's expiry times."""
    clock = Clock(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    local_sts.clock = clock
    return clock


def web_identity_manager(
    local_sts: Any, clock: Clock, tokens: Tokens, *, duration_seconds: int = 3600
) -> BotoSesManager:
    """A web-identity manager whose credentials come from the local STS endpoint."""
    local_sts.lifetime = duration_seconds
    return BotoSesManager.from_web_identity(
        ROLE_ARN,
        token_loader=tokens,
        duration_seconds=duration_seconds,
        region_name="us-east-1",
        default_client_kwargs={"endpoint_url": local_sts.url},
        time_fetcher=clock,
    )


class TestWindowsSizedToTheLifetime:
    def test_nine_hundred_second_credentials(self, local_sts: Any, clock: Clock) -> None:
        """900-s credentials: no refresh 400 s before expiry, one at 100 s (botocore's 15/10
        minutes would refresh at once and on every call)."""
        bsm = web_identity_manager(local_sts, clock, Tokens(), duration_seconds=900)
        first = bsm.get_frozen_credentials()
        expiry = bsm.expiration_time
        assert expiry == clock.now + dt.timedelta(seconds=900)
        clock.now = expiry - dt.timedelta(seconds=400)
        assert bsm.get_frozen_credentials().access_key == first.access_key
        assert local_sts.calls[EXCHANGE] == 1
        clock.now = expiry - dt.timedelta(seconds=100)
        assert bsm.get_frozen_credentials().access_key != first.access_key
        assert bsm.get_frozen_credentials().access_key != first.access_key
        assert local_sts.calls[EXCHANGE] == 2

    def test_advisory_then_mandatory(self, local_sts: Any, clock: Clock) -> None:
        """900-s credentials, a failing refresh: 200 s before expiry (advisory) the old
        credentials still serve; 100 s before (mandatory) the failure is raised."""
        bsm = web_identity_manager(local_sts, clock, Tokens(), duration_seconds=900)
        first = bsm.get_frozen_credentials()
        expiry = bsm.expiration_time
        assert expiry is not None
        local_sts.refuse(EXCHANGE, "AccessDenied")
        clock.now = expiry - dt.timedelta(seconds=200)
        assert bsm.get_frozen_credentials().access_key == first.access_key
        assert local_sts.calls[EXCHANGE] == 2  # the refresh was tried, and its failure absorbed
        clock.now = expiry - dt.timedelta(seconds=100)
        with pytest.raises(RoleTrustError):
            bsm.get_frozen_credentials()


class TestRefusedCredentials:
    def test_one_refusal_refreshes_and_retries_once(self, local_sts: Any, clock: Clock) -> None:
        """A request refused with InvalidClientTokenId is retried once with new credentials."""
        tokens = Tokens()
        sts = web_identity_manager(local_sts, clock, tokens).sts_client
        sts.get_caller_identity()
        local_sts.refuse("GetCallerIdentity", "InvalidClientTokenId", count=1)
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (2, 2)
        assert local_sts.calls["GetCallerIdentity"] == 3

    def test_no_refresh_storm(self, local_sts: Any, clock: Clock) -> None:
        """20 refused calls cause one forced refresh; the rest are raised as they are."""
        tokens = Tokens()
        bsm = web_identity_manager(local_sts, clock, tokens)
        sts = bsm.sts_client
        sts.get_caller_identity()
        local_sts.refuse("GetCallerIdentity", "InvalidClientTokenId")
        for _ in range(20):
            with pytest.raises(ClientError, match="InvalidClientTokenId"):
                sts.get_caller_identity()
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (2, 2)
        assert local_sts.calls["GetCallerIdentity"] == 1 + 2 + 19
        clock.now += LazyRefreshableProvider.FORCED_REFRESH_BACKOFF + dt.timedelta(seconds=1)
        with pytest.raises(ClientError, match="InvalidClientTokenId"):
            sts.get_caller_identity()
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (3, 3)  # after the back-off, again

    def test_many_threads_refused_at_once_share_one_refresh(
        self, local_sts: Any, clock: Clock, run_at_once: RunAtOnce
    ) -> None:
        """20 threads refused at once with the same credentials cause one forced refresh."""
        tokens = Tokens()
        sts = web_identity_manager(local_sts, clock, tokens).sts_client
        sts.get_caller_identity()
        local_sts.refuse("GetCallerIdentity", "ExpiredToken", count=20)
        _, errors = run_at_once(sts.get_caller_identity, 20)
        assert all("ExpiredToken" in str(error) for error in errors)
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (2, 2)

    def test_assume_role_recovers_the_same_way(self, local_sts: Any, make_bsm: Any) -> None:
        """A refreshing assume_role manager also refreshes once on a refusal, then stops."""
        source = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        sts = source.assume_role(ROLE_ARN, auto_refresh=True).sts_client
        sts.get_caller_identity()
        local_sts.refuse("GetCallerIdentity", "InvalidClientTokenId")
        for _ in range(5):
            with pytest.raises(ClientError):
                sts.get_caller_identity()
        assert local_sts.calls["AssumeRole"] == 2


def test_provider_names_itself_as_botocore_asks_third_parties_to() -> None:
    """The canonical name starts with "custom", as botocore requires of providers it lacks."""
    provider = LazyRefreshableProvider(dict, method="m", duration_seconds=900)
    assert provider.CANONICAL_NAME.lower().startswith("custom")


class TestRefusalDecision:
    def test_a_late_refusal_of_old_credentials_is_retried_without_a_refresh(
        self, local_sts: Any, clock: Clock
    ) -> None:
        """A request sent with credentials that were replaced while it was in flight is
        retried with the new ones, not refused and not refreshed again."""
        tokens = Tokens()
        sts = web_identity_manager(local_sts, clock, tokens).sts_client
        sts.get_caller_identity()
        local_sts.hold("GetCallerIdentity")
        local_sts.refuse("GetCallerIdentity", "InvalidClientTokenId", count=1)
        late: list[Any] = []
        in_flight = threading.Thread(target=lambda: late.append(sts.get_caller_identity()))
        in_flight.start()
        assert local_sts.arrived.wait(30)  # sent with the first credentials, now held
        local_sts.refuse("AssumeRole", "InvalidClientTokenId", count=1)
        sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="other")  # refused: forced refresh
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (2, 2)
        local_sts.release()  # the held request is refused now, with the first credentials
        in_flight.join(30)
        assert [answer["Account"] for answer in late] == ["123456789012"]
        assert (tokens.loaded, local_sts.calls[EXCHANGE]) == (2, 2)

    def test_the_decision_for_each_case(self, clock: Clock) -> None:
        """Newer credentials or a pending refresh: retry; a recent forced refresh: raise;
        after the back-off: force one more."""
        provider = LazyRefreshableProvider(
            lambda: {
                "access_key": "a",
                "secret_key": "s",
                "token": "t",
                "expiry_time": (clock.now + dt.timedelta(hours=1)).isoformat(),
            },
            method="test",
            duration_seconds=3600,
            time_fetcher=clock,
        )
        credentials = provider.load()
        assert provider.fetches == 1
        assert provider.refresh_after_refusal(1) is True  # forces a refresh of generation 1
        assert provider.refresh_after_refusal(1) is True  # pending: retry, no second force
        credentials.get_frozen_credentials()
        assert provider.fetches == 2
        assert provider.refresh_after_refusal(1) is True  # generation 2 exists: just retry
        assert provider.refresh_after_refusal(2) is False  # refused again too soon
        assert provider.refresh_after_refusal(None) is False
        credentials.get_frozen_credentials()
        assert provider.fetches == 2
        clock.now += LazyRefreshableProvider.FORCED_REFRESH_BACKOFF
        assert provider.refresh_after_refusal(2) is True
        credentials.get_frozen_credentials()
        assert provider.fetches == 3


def test_sixty_four_threads_loading_at_once_cause_one_fetch(run_at_once: RunAtOnce) -> None:
    """The provider's first load is locked: 64 threads calling load() at once, one fetch."""
    fetched: list[int] = []

    def slow_fetch() -> dict[str, Any]:
        fetched.append(1)
        time.sleep(0.2)  # widens the window in which an unlocked load would fetch again
        expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        return {
            "access_key": "a",
            "secret_key": "s",
            "token": "t",
            "expiry_time": expiry.isoformat(),
        }

    provider = LazyRefreshableProvider(slow_fetch, method="test", duration_seconds=3600)
    results, errors = run_at_once(provider.load)
    assert errors == []
    assert len({id(credentials) for credentials in results}) == 1
    assert fetched == [1]
