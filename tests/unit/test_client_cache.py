"""Unit tests of the client cache: keys by value, per-key locks, no network call under a lock."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from botocore import UNSIGNED
from botocore.config import Config

from boto_session_manager import BotoSesManager
from boto_session_manager.client_cache import KeyedCache, client_key

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
#: How long a test waits for a thread it started; only reached when the feature is broken.
PATIENCE = 30.0


def count_builds(bsm: BotoSesManager) -> list[str]:
    """A list that grows by one each time the manager's session builds a client."""
    built: list[str] = []
    bsm.boto_ses.events.register("creating-client-class", lambda **_: built.append("client"))
    return built


class TestKeys:
    def test_equal_configs_share_one_client(self, make_bsm: MakeBsm) -> None:
        """Two equal Config objects give the same client; a different one another."""
        bsm = make_bsm()
        first = bsm.get_client("s3", config=Config(retries={"max_attempts": 2}))
        assert bsm.get_client("s3", config=Config(retries={"max_attempts": 2})) is first
        assert bsm.get_client("s3", config=Config(retries={"max_attempts": 3})) is not first
        assert bsm.get_client("s3", config=Config(connect_timeout=5)) is not first

    def test_three_hundred_new_configs_build_one_client(self, make_bsm: MakeBsm) -> None:
        """300 calls, each with a new but equal Config, build one client (today's bug: 301)."""
        bsm = make_bsm()
        built = count_builds(bsm)
        clients = {
            id(
                bsm.get_client(
                    "sqs", config=Config(retries={"max_attempts": 2, "mode": "standard"})
                )
            )
            for _ in range(300)
        }
        assert len(clients) == 1
        assert built == ["client"]

    def test_contents_not_order_or_container_decide(self) -> None:
        """Dicts compare by content in any order; a list and a dict of the same items differ."""
        assert client_key("s3", {"a": {"x": 1, "y": [1, 2]}}) == client_key(
            "s3", {"a": {"y": [1, 2], "x": 1}}
        )
        assert client_key("s3", {"a": [("x", 1)]}) != client_key("s3", {"a": {"x": 1}})
        assert client_key("s3", {}) == "s3"

    def test_unknown_unhashable_values_key_by_identity_and_stay_alive(self) -> None:
        """An object neither hashable nor known keys by identity, and the key keeps it alive."""

        class Opaque:
            __hash__ = None  # type: ignore[assignment]

        value = Opaque()
        key = client_key("s3", {"thing": value})
        assert key == client_key("s3", {"thing": value})
        assert key != client_key("s3", {"thing": Opaque()})
        alive = weakref.ref(value)
        del value
        gc.collect()
        assert alive() is not None  # its id cannot be reused while the key exists


class TestKeyedCache:
    def test_a_clear_during_a_build_keeps_the_stale_value_out(self) -> None:
        """A value built while the cache was cleared goes to its caller but is not stored."""
        cache: KeyedCache[str] = KeyedCache()

        def build() -> str:
            cache.clear()
            return "built before the clear finished"

        assert cache.get_or_build("k", build) == "built before the clear finished"
        assert "k" not in cache.values
        assert cache.get_or_build("k", lambda: "fresh") == "fresh"
        assert cache.values["k"] == "fresh"

    def test_sixty_four_threads_one_build_per_key(self, run_at_once: RunAtOnce) -> None:
        """64 threads missing the same key cause one build; the others wait and share it."""
        cache: KeyedCache[object] = KeyedCache()
        builds: list[int] = []

        def build() -> object:
            builds.append(1)
            return object()

        results, errors = run_at_once(lambda: cache.get_or_build("k", build))
        assert errors == []
        assert len({id(value) for value in results}) == 1
        assert builds == [1]


class TestNoNetworkCallUnderTheCacheLock:
    def test_slow_identity_call_blocks_only_its_own_callers(
        self, make_bsm: MakeBsm, local_sts: Any
    ) -> None:
        """While GetCallerIdentity hangs, other clients are built and read; one STS call in all."""
        bsm = make_bsm(default_client_kwargs={"endpoint_url": local_sts.url})
        cached = bsm.get_client("sts", region_name="us-west-2")
        local_sts.hold("GetCallerIdentity")
        ids: list[str] = []
        askers = [threading.Thread(target=lambda: ids.append(bsm.aws_account_id)) for _ in "ab"]
        askers[0].start()
        assert local_sts.arrived.wait(PATIENCE)  # the first identity call is in flight
        askers[1].start()  # wants the same fact: waits for it
        other = bsm.get_client("s3", region_name="eu-west-1")  # not cached: built now
        assert bsm.get_client("sts", region_name="us-west-2") is cached
        assert other.meta.region_name == "eu-west-1"
        assert local_sts.held == 1, "a client was built only after the STS call answered"
        local_sts.release()
        for asker in askers:
            asker.join(PATIENCE)
        assert ids == ["123456789012", "123456789012"]
        assert local_sts.calls["GetCallerIdentity"] == 1

    def test_slow_credentials_block_only_clients_that_need_them(
        self, local_sts: Any, run_at_once: RunAtOnce
    ) -> None:
        """While the first web-identity exchange hangs, unsigned and explicit-key clients build."""
        bsm = BotoSesManager.from_web_identity(
            ROLE_ARN,
            token_loader=lambda: "header.payload.signature",
            region_name="us-east-1",
            default_client_kwargs={"endpoint_url": local_sts.url},
        )
        local_sts.hold("AssumeRoleWithWebIdentity")
        signed: list[Any] = []
        builder = threading.Thread(target=lambda: signed.append(bsm.get_client("s3")))
        builder.start()
        assert local_sts.arrived.wait(PATIENCE)  # the first build waits for credentials
        unsigned = bsm.get_client("sts", config=Config(signature_version=UNSIGNED))
        explicit = bsm.get_client(
            "sts", aws_access_key_id="AKIAOTHEREXAMPLE0000", aws_secret_access_key="other"
        )
        assert unsigned is not explicit
        assert local_sts.held == 1, "a client that needs no credentials waited for them"
        local_sts.release()
        builder.join(PATIENCE)
        assert len(signed) == 1
        results, errors = run_at_once(lambda: bsm.get_client("s3"))
        assert errors == [] and {id(client) for client in results} == {id(signed[0])}
        assert local_sts.calls["AssumeRoleWithWebIdentity"] == 1


def test_clients_of_one_session_are_made_one_at_a_time(
    make_bsm: MakeBsm, run_at_once: RunAtOnce
) -> None:
    """botocore sessions are not thread-safe: eight different clients built at once are made
    one after the other on the manager's session, never two at the same time."""
    bsm = make_bsm()
    inside: list[int] = [0, 0]  # now, most at once
    lock = threading.Lock()

    def creating(**_: Any) -> None:
        with lock:
            inside[0] += 1
            inside[1] = max(inside)
        time.sleep(0.05)  # widens the window in which unserialised builds would overlap
        with lock:
            inside[0] -= 1

    bsm.boto_ses.events.register("creating-client-class", creating)
    regions = iter(["us-east-1", "us-east-2", "us-west-1", "us-west-2"] * 2)
    services = iter(["s3"] * 4 + ["sqs"] * 4)
    pairs = [(next(services), next(regions)) for _ in range(8)]
    picks = iter(pairs)
    pick_lock = threading.Lock()

    def build() -> Any:
        with pick_lock:
            service, region = next(picks)
        return bsm.get_client(service, region_name=region)

    results, errors = run_at_once(build, 8)
    assert errors == []
    assert len({id(client) for client in results}) == 8
    assert inside[1] == 1
