"""The manager's caches: built once per key, read without a lock, built under the key's own lock.

- A hit is one lookup in a plain dict (:attr:`KeyedCache.values`), and no lock is taken.
- A miss takes a lock for that key only, so one slow build (or one slow identity call) makes
  wait only the callers who want that same thing; 64 threads asking at once for one uncached
  client still get one object, built once.
- :meth:`KeyedCache.clear` starts a new generation: a build that was under way when the cache
  was cleared returns its value to its caller but does not store it.

What a client is cached under (:func:`client_key`): the service name and every argument, by
value. Dicts and lists are compared by content, a ``botocore.config.Config`` by its options
(two equal ``Config(...)`` objects share one client; each Config object is read once, as
botocore reads it once when it makes a client), and any other object that cannot be hashed
by its identity (the cache keeps a reference to it, so that identity is never reused).
The cache is not bounded: it holds one client per distinct argument set asked for, which is
what a program that asks the same questions again and again needs.

Making clients on one botocore session is serialised (:func:`creation_lock`), because botocore
sessions are not thread-safe; no network call happens under that lock, except the first
loading of the session's credentials, which every signed client of that session waits for.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ["KeyedCache", "client_key", "creation_lock"]

V = TypeVar("V")


class KeyedCache(Generic[V]):
    """Values built once per key, under that key's own lock; :attr:`values` is read freely."""

    def __init__(self) -> None:
        #: The values built so far: a plain dict, read without a lock (``cache.values[key]``).
        self.values: dict[Hashable, V] = {}
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
                return self.values[key]
            except KeyError:
                pass
            value = build()
            with self._guard:
                if self._generation == generation:
                    self.values[key] = value
            return value

    def forget(self, key: Hashable) -> None:
        """Drop the value under ``key``, if any (it is built again when next asked for)."""
        with self._guard:
            self.values.pop(key, None)

    def clear(self) -> None:
        """Forget every value; builds under way finish but do not store theirs."""
        with self._guard:
            self._generation += 1
            self.values.clear()
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


#: The key of each Config object seen, so reusing one Config object costs a lookup.
_config_keys: weakref.WeakKeyDictionary[Any, Hashable] = weakref.WeakKeyDictionary()


def _config_key(config: Any, config_type: type) -> Hashable:
    """A Config's options, frozen (remembered per Config object while it lives)."""
    try:
        return _config_keys[config]
    except KeyError:
        key = _config_keys[config] = ("config", _freeze(vars(config), config_type))
        return key


def _freeze(value: Any, config_type: type) -> Hashable:
    """A hashable stand-in for a client argument that compares by content."""
    if isinstance(value, config_type):
        return _config_key(value, config_type)
    if isinstance(value, Mapping):
        return (
            "mapping",
            frozenset((key, _freeze(item, config_type)) for key, item in value.items()),
        )
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_freeze(item, config_type) for item in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(_freeze(item, config_type) for item in value))
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
    return (service_name, _freeze(client_kwargs, _config_class()))


@functools.cache
def _config_class() -> type:
    """botocore's ``Config``, looked up once (loaded by then: asked only for client arguments;
    an import statement costs about half a microsecond on every call)."""
    from botocore.config import Config

    return Config


_creation_locks: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_creation_locks_guard = threading.Lock()


def creation_lock(botocore_session: Any) -> threading.RLock:
    """The lock that serialises making clients on ``botocore_session``."""
    with _creation_locks_guard:
        lock = _creation_locks.get(botocore_session)
        if lock is None:
            lock = _creation_locks[botocore_session] = threading.RLock()
        return lock
