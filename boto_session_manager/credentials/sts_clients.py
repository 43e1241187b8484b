"""Where botocore's credential fetchers get their STS clients: one rule for every source.

botocore's ``AssumeRoleCredentialFetcher`` and ``AssumeRoleWithWebIdentityCredentialFetcher``
ask a *client creator* for an STS client at each fetch. Here is the only one:

- it applies the manager's default client arguments (``endpoint_url``, ``verify``,
  ``region_name``...) except ``config``: the fetchers pass their own (the web-identity one an
  unsigned ``Config``), and a user's ``Config`` is for the user's clients;
- it makes clients one at a time per botocore session (:func:`~..client_cache.creation_lock`,
  the lock the manager's own client cache uses), since botocore sessions are not thread-safe;
- for ``sts:AssumeRole`` the session is the source manager's own (its profile's settings,
  such as a CA bundle or a proxy, apply; the fetcher passes the source credentials
  explicitly); for the unsigned ``sts:AssumeRoleWithWebIdentity`` it is one process-wide
  session, so the STS model loads once per process instead of once per manager (about 40 ms).
  One per AWS configuration, rather: a process that points ``AWS_CONFIG_FILE`` or
  ``AWS_PROFILE`` elsewhere later gets a session reading the new one (its endpoint, CA bundle,
  proxy), not the configuration the first manager saw.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..client_cache import creation_lock

if TYPE_CHECKING:
    import botocore.session

__all__ = ["shared_session", "sts_client_creator"]

_shared_lock = threading.Lock()
#: The variables that choose which AWS configuration a botocore session reads (once).
CONFIG_SELECTING_VARS = ("AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
_shared: dict[tuple[str | None, ...], botocore.session.Session] = {}


def shared_session() -> botocore.session.Session:
    """The process-wide botocore session for unsigned STS calls, one per AWS configuration
    (:data:`CONFIG_SELECTING_VARS`), made on first use."""
    key = tuple(os.environ.get(name) for name in CONFIG_SELECTING_VARS)
    with _shared_lock:
        session = _shared.get(key)
        if session is None:
            import botocore.session

            session = _shared[key] = botocore.session.Session()
        return session


def sts_client_creator(
    botocore_session: botocore.session.Session, client_kwargs: Mapping[str, Any]
) -> Callable[..., Any]:
    """A ``client_creator`` for botocore's credential fetchers (see the module docstring)."""
    defaults = {name: value for name, value in client_kwargs.items() if name != "config"}

    def create_client(service_name: str, **kwargs: Any) -> Any:
        with creation_lock(botocore_session):
            return botocore_session.create_client(service_name, **{**defaults, **kwargs})

    return create_client
