"""The ``<service>_client`` attributes: CachedClient on BotoSesManager and on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from boto_session_manager.client_descriptor import CachedClient, forget_cached_clients
from boto_session_manager.manager import BotoSesManager

#: Nothing listens here: a request that escapes a test fails at once instead of reaching AWS.
DEAD_ENDPOINT = "http://127.0.0.1:9"

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

MakeBsm = Callable[..., BotoSesManager]
RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]


class _Source:
    """A minimal owner: a get_client with a cache that a test can empty mid-call."""

    s3_client: CachedClient[object] = CachedClient("s3")
    sts_client: CachedClient[object] = CachedClient("sts")

    def __init__(self) -> None:
        self.cache: dict[str, object] = {}
        self.calls = 0
        self.plain = "kept"

    def get_client(self, service_name: str, /) -> object:
        self.calls += 1
        return self.cache.setdefault(service_name, object())


class TestOnBotoSesManager:
    def test_attribute_is_the_get_client_default_client(self, make_bsm: MakeBsm) -> None:
        """``bsm.s3_client`` is the very client ``bsm.get_client("s3")`` returns."""
        bsm = make_bsm()
        assert bsm.s3_client is bsm.get_client("s3")
        assert bsm.get_client("s3") is bsm.s3_client
        assert bsm.s3_client is not bsm.get_client("s3", region_name="eu-west-1")

    def test_client_is_configured_like_get_client(self, make_bsm: MakeBsm) -> None:
        """The attribute's client has the manager's region and default endpoint."""
        bsm = make_bsm()
        assert bsm.sts_client.meta.region_name == "us-east-1"
        assert bsm.sts_client.meta.endpoint_url == DEAD_ENDPOINT

    def test_clear_cache_gives_a_new_client(self, make_bsm: MakeBsm) -> None:
        """After clear_cache ``bsm.s3_client`` is a new client, again get_client's own."""
        bsm = make_bsm()
        old = bsm.s3_client
        bsm.clear_cache()
        assert "s3_client" not in vars(bsm)
        new = bsm.s3_client
        assert new is not old
        assert new is bsm.get_client("s3")

    def test_sixty_four_threads_first_touch_build_one_client(
        self, make_bsm: MakeBsm, run_at_once: RunAtOnce
    ) -> None:
        """64 threads reading ``bsm.s3_client`` at once get one object, built once."""
        bsm = make_bsm()
        built: list[str] = []
        bsm.boto_ses.events.register("creating-client-class", lambda **_: built.append("s3"))
        results, errors = run_at_once(lambda: bsm.s3_client)
        assert errors == []
        assert len(results) == 64
        assert len({id(client) for client in results}) == 1
        assert built == ["s3"]
        assert results[0] is bsm.get_client("s3")


class TestDescriptor:
    def test_first_access_stores_on_the_instance(self) -> None:
        """The first access stores the client in the instance dict; later ones skip get_client."""
        source = _Source()
        client = source.s3_client
        assert vars(source)["s3_client"] is client
        calls = source.calls
        assert source.s3_client is client
        assert source.calls == calls

    def test_class_access_gives_the_descriptor(self) -> None:
        """On the class the attribute is the descriptor itself, named by __set_name__."""
        descriptor = _Source.s3_client
        assert isinstance(descriptor, CachedClient)
        assert (descriptor.service_name, descriptor.attr_name) == ("s3", "s3_client")
        assert repr(descriptor) == "CachedClient('s3')"

    def test_clear_racing_with_first_access_leaves_no_stale_client(self) -> None:
        """A cache cleared between get_client and the store makes the attribute ask again."""

        class Racing(_Source):
            def get_client(self, service_name: str, /) -> object:
                client = super().get_client(service_name)
                if self.calls == 1:  # another thread's clear_cache() lands right now
                    self.cache.clear()
                    forget_cached_clients(self)
                return client

        source = Racing()
        client = source.s3_client
        assert client is source.cache["s3"]
        assert vars(source)["s3_client"] is client

    def test_forget_drops_only_cached_clients(self) -> None:
        """forget_cached_clients removes stored clients and leaves other attributes alone."""
        source = _Source()
        first = source.s3_client
        source.sts_client  # noqa: B018 - stores the sts client
        source.cache.clear()
        forget_cached_clients(source)
        assert "s3_client" not in vars(source)
        assert "sts_client" not in vars(source)
        assert source.plain == "kept"
        assert source.s3_client is not first

    def test_outside_a_class_body_it_refuses(self) -> None:
        """A descriptor never bound by __set_name__ raises instead of storing under no name."""
        loose: CachedClient[object] = CachedClient("s3")
        with pytest.raises(TypeError, match="__set_name__"):
            loose.__get__(_Source())
