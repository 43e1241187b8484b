"""``CachedClient``: a typed class attribute that makes its client once, then steps aside.

Like :class:`functools.cached_property`, it is a *non-data* descriptor: the first access on an
instance asks the instance's ``get_client(service_name)`` and stores the client as an
instance attribute of the same name, so every later access is a plain
instance-attribute lookup that never reaches the descriptor again. The generated
``ClientMixin`` declares one per AWS service::

    s3_client: CachedClient[mypy_boto3_s3.Client] = CachedClient("s3")

Thread safety comes from ``get_client``, which is locked and returns one object per argument
set: threads racing on a first access all store that same client. A manager's
``clear_cache()`` empties its client cache and then calls :func:`forget_cached_clients`; a
first access racing with it checks afterwards that the client it stored is still the cached
one, so no stale client survives a ``clear_cache()``.

``ClientAlias`` gives an attribute a second name (the 2.x spelling, ``cloudwatchlogs_client``
for ``logs_client``): it stores nothing and reads the attribute it names on every access, so
both names always give the very same object, before and after a ``clear_cache()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from typing import Protocol

    class ClientSource(Protocol):
        """What a class using :class:`CachedClient` provides: a cached ``get_client``."""

        def get_client(self, service_name: str, /) -> Any: ...


__all__ = ["DOCS_URL", "CachedClient", "ClientAlias", "forget_cached_clients"]

#: boto3's reference page of a service's client (``.format(service_name)``).
DOCS_URL = "https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/{}.html"

ClientT = TypeVar("ClientT")


class CachedClient(Generic[ClientT]):
    """The default client of one AWS service, made on first access and then a plain attribute."""

    def __init__(self, service_name: str) -> None:
        #: The name ``get_client`` takes, e.g. ``"acm-pca"``.
        self.service_name = service_name
        #: The attribute it is stored under, set by ``__set_name__`` (e.g. ``"acm_pca_client"``).
        self.attr_name = ""
        self.__doc__ = (
            f"Cached ``{service_name}`` client (boto3 docs: {DOCS_URL.format(service_name)})."
        )

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.attr_name = name

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> CachedClient[ClientT]: ...

    @overload
    def __get__(self, instance: ClientSource, owner: type[Any] | None = None) -> ClientT: ...

    def __get__(
        self, instance: ClientSource | None, owner: type[Any] | None = None
    ) -> CachedClient[ClientT] | ClientT:
        if instance is None:
            return self
        if not self.attr_name:
            raise TypeError("CachedClient must be assigned in a class body (__set_name__ unset)")
        while True:
            client: ClientT = instance.get_client(self.service_name)
            # setattr, not instance.__dict__[...]: reading __dict__ turns the instance's
            # compact attribute storage into a real dict for good, and every attribute
            # lookup on it (get_client's included) becomes a few nanoseconds slower
            setattr(instance, self.attr_name, client)
            # A clear_cache() between get_client and the store above would leave a client the
            # manager has forgotten; get_client answers from its cache, so asking again costs
            # a dict lookup and tells (clear_cache empties the cache before the attributes).
            if instance.get_client(self.service_name) is client:
                return client

    def __repr__(self) -> str:
        return f"CachedClient({self.service_name!r})"


def forget_cached_clients(instance: object) -> None:
    """Drop the clients :class:`CachedClient` attributes stored on ``instance``.

    Call it after emptying the client cache that ``get_client`` reads: the next access then
    asks ``get_client`` again.
    """
    owner = type(instance)
    # (reading __dict__ makes the instance's attribute storage a real dict, which __get__
    # avoids; here it is the only way to find the stored clients without filling the class's
    # shared attribute keys with every client name, and clear_cache() is rare)
    namespace = instance.__dict__
    for name in list(namespace):
        if isinstance(getattr(owner, name, None), CachedClient):
            namespace.pop(name, None)


class ClientAlias(Generic[ClientT]):
    """A second name for a client attribute: every access reads the attribute it names.

    It keeps no state of its own, so it cannot drift from the attribute it names: the alias
    gives the very object the target gives (the cached client, a replacement assigned to the
    target, the new client after ``clear_cache()``). Being a non-data descriptor, an
    assignment to the alias itself shadows it on that instance, like any attribute.
    """

    def __init__(self, target: str) -> None:
        #: The attribute this is another name for, e.g. ``"logs_client"``.
        self.target = target
        self.__doc__ = f"Another name (2.x's) for ``{target}``: the same client object."

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> ClientAlias[ClientT]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> ClientT: ...

    def __get__(
        self, instance: object | None, owner: type[Any] | None = None
    ) -> ClientAlias[ClientT] | ClientT:
        if instance is None:
            return self
        client: ClientT = getattr(instance, self.target)
        return client

    def __repr__(self) -> str:
        return f"ClientAlias({self.target!r})"
