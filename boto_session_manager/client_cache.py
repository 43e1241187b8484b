"""The manager's caches: built once per key, read without a lock, built under the key's own lock.

- A hit is one dict lookup: :class:`KeyedCache` *is* a dict, and no lock is taken to read it.
- A miss takes a lock for that key only, so one slow build (or one slow identity call) makes
  wait only the callers who want that same thing; 64 threads asking at once for one uncached
  client still get one object, built once.
- :meth:`KeyedCache.clear` starts a new generation: a build that was under way when the cache
  was cleared returns its value to its caller but does not store it.

What a client is cached under (:func:`client_key`): the service name and every argument, by
value. Dicts and lists are compared by content, a ``botocore.config.Config`` by its options
(two equal ``Config(...)`` objects share one client), and any other object that cannot be
hashed by its identity (the cache keeps a reference to it, so that identity is never reused).
The cache is not bounded: it holds one client per distinct argument set asked for, which is
what a program that asks the same questions again and again needs.

Making clients on one botocore session is serialised (:func:`creation_lock`), because botocore
sessions are not thread-safe; no network call happens under that lock, except the first
loading of the session's credentials, which every signed client of that session waits for.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["KeyedCache", "client_key", "creation_lock"]

V = TypeVar("V")


class KeyedCache(dict[Hashable, V], Generic[V]):
    """A dict whose missing values are built once per key, under that key's own lock."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._generation = 0

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value under ``key``; built by ``build()`` if missing, by one caller at a time."""
        with self._guard:
            lock = self._key_locks.setdefault(key, threading.Lock())
            generation = self._generation
        with lock:
            try:
                return self[key]
            except KeyError:
                pass
            value = build()
            with self._guard:
                if self._generation == generation:
                    self[key] = value
            return value

    def clear(self) -> None:
        """Forget every value; builds under way finish but do not store theirs."""
        with self._guard:
            self._generation += 1
            super().clear()
            self._key_locks.clear()


class _ByIdentity:
    """A key part for an object that is neither hashable nor known: its identity."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value  # keeps it alive, so its id is not given to another object

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByIdentity) and other.value is self.value


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for a client argument that compares by content."""
    from botocore.config import Config  # loaded by then: only asked for arguments of a client

    if isinstance(value, Config):
        return ("config", _freeze(vars(value)))
    if isinstance(value, Mapping):
        return ("mapping", frozenset((key, _freeze(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_freeze(item) for item in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(_freeze(item) for item in value))
    try:
        hash(value)
    except TypeError:
        return _ByIdentity(value)
    return value  # type: ignore[no-any-return]


def client_key(service_name: str, client_kwargs: Mapping[str, Any]) -> Hashable:
    """What a client (or resource) with these arguments is cached under.

    Without arguments it is the service name itself, so the default client is one lookup.
    """
    if not client_kwargs:
        return service_name
    return (service_name, _freeze(client_kwargs))


_creation_locks: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_creation_locks_guard = threading.Lock()


def creation_lock(botocore_session: Any) -> threading.RLock:
    """The lock that serialises making clients on ``botocore_session``."""
    with _creation_locks_guard:
        lock = _creation_locks.get(botocore_session)
        if lock is None:
            lock = _creation_locks[botocore_session] = threading.RLock()
        return lock
