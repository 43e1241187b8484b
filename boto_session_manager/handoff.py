"""Handing a manager's credentials to other programs: an environment, ``os.environ``, snapshots.

- :meth:`HandOffMixin.env` gives the variables every AWS SDK and the AWS CLI read: the key
  pair, the session token, both region variables (``AWS_REGION`` for the CLI v2 and the other
  SDKs, ``AWS_DEFAULT_REGION`` for botocore), the endpoint and the CA bundle. A child never
  loses the region it would have had: when the manager has none, the region of ``base`` is
  handed on under both names.
- :func:`os_environ_set_to` sets them in ``os.environ`` for a block and restores the old
  values after (``BotoSesManager.awscli``).
- A snapshot is the same facts as a JSON-able dict (:meth:`HandOffMixin.to_snapshot`), or a
  file written atomically with mode 0600 (:meth:`HandOffMixin.temp_snapshot`);
  :func:`snapshot_setup` reads one back for ``BotoSesManager.from_snapshot``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .credentials import SessionSetup
from .exceptions import NoCredentialsError
from .files import write_secure_file
from .region import REGION_VARS, resolve_region

if TYPE_CHECKING:
    from botocore.credentials import ReadOnlyCredentials

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "HANDOFF_ENV_VARS",
    "HandOffMixin",
    "os_environ_set_to",
    "snapshot_setup",
]

#: Variables that would shadow or contradict handed-off credentials: removed first.
CREDENTIAL_ENV_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    *REGION_VARS,
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)
#: Everything ``awscli()`` may set, saved and restored around the block.
HANDOFF_ENV_VARS = (*CREDENTIAL_ENV_VARS, "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")


class _Source(Protocol):
    """What hand-off reads from a manager."""

    @property
    def default_client_kwargs(self) -> dict[str, Any]: ...

    @property
    def aws_region(self) -> str | None: ...

    @property
    def expiration_time(self) -> datetime | None: ...

    def get_frozen_credentials(self) -> ReadOnlyCredentials: ...

    def env(self, *, base: Mapping[str, str] | None = None) -> dict[str, str]: ...

    def to_snapshot(self) -> dict[str, Any]: ...


class HandOffMixin:
    """The manager's hand-off methods (see the module docstring)."""

    def env(self: _Source, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables (``base``, default ``os.environ``) with these credentials.

        For ``subprocess.run(..., env=bsm.env())``; the process environment is not changed.
        The region goes out as both ``AWS_REGION`` and ``AWS_DEFAULT_REGION``: the manager's,
        else the one ``base`` names, so a child never loses it.
        """
        environ = dict(os.environ if base is None else base)
        region = self.aws_region or resolve_region(None, environ)
        for name in CREDENTIAL_ENV_VARS:
            environ.pop(name, None)
        creds = self.get_frozen_credentials()
        if not creds.access_key or not creds.secret_key:
            raise NoCredentialsError(looked_in="the session's credentials (they are incomplete)")
        environ["AWS_ACCESS_KEY_ID"] = creds.access_key
        environ["AWS_SECRET_ACCESS_KEY"] = creds.secret_key
        if creds.token:
            environ["AWS_SESSION_TOKEN"] = creds.token
        if region:
            for name in REGION_VARS:
                environ[name] = region
        endpoint_url = self.default_client_kwargs.get("endpoint_url")
        if endpoint_url:
            environ["AWS_ENDPOINT_URL"] = str(endpoint_url)
        ca_bundle = self.default_client_kwargs.get("verify")
        if isinstance(ca_bundle, str):
            environ["AWS_CA_BUNDLE"] = ca_bundle
        return environ

    def to_snapshot(self: _Source) -> dict[str, Any]:
        """The current credentials, region and expiry as a JSON-able dict (holds secrets)."""
        creds = self.get_frozen_credentials()
        expiry = self.expiration_time
        snapshot: dict[str, Any] = {
            "aws_access_key_id": creds.access_key,
            "aws_secret_access_key": creds.secret_key,
            "aws_session_token": creds.token,
            "region_name": self.aws_region,
            "expiration_time": expiry.isoformat() if expiry else None,
        }
        if self.default_client_kwargs.get("endpoint_url"):
            snapshot["endpoint_url"] = str(self.default_client_kwargs["endpoint_url"])
        if isinstance(self.default_client_kwargs.get("verify"), str):
            snapshot["ca_bundle"] = self.default_client_kwargs["verify"]
        return snapshot

    @contextlib.contextmanager
    def temp_snapshot(self: _Source, path: str | os.PathLike[str] | None = None) -> Iterator[Path]:
        """Write a snapshot file (atomic, mode 0600), yield its path, remove it on exit.

        The default path is unique to each use, so nested or concurrent uses never clobber
        each other.
        """
        tmp_dir: str | None = None
        if path is None:
            tmp_dir = tempfile.mkdtemp(prefix="bsm-snapshot-")
            target = Path(tmp_dir, "snapshot.json")
        else:
            target = Path(path)
        try:
            write_secure_file(target, json.dumps(self.to_snapshot()))
            yield target
        finally:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            if tmp_dir is not None:
                with contextlib.suppress(OSError):
                    os.rmdir(tmp_dir)


@contextlib.contextmanager
def os_environ_set_to(variables: Mapping[str, str]) -> Iterator[None]:
    """Within the block, ``os.environ``'s hand-off variables are those of ``variables``.

    Each of :data:`HANDOFF_ENV_VARS` is set from ``variables`` or removed; all are restored
    on exit, error or not.
    """
    saved = {name: os.environ.get(name) for name in HANDOFF_ENV_VARS}
    try:
        for name in HANDOFF_ENV_VARS:
            if name in variables:
                os.environ[name] = variables[name]
            else:
                os.environ.pop(name, None)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def snapshot_setup(snapshot: Mapping[str, Any]) -> SessionSetup:
    """The setup of a manager from a dict made by ``to_snapshot``."""
    expiry = snapshot.get("expiration_time")
    client_kwargs = {
        name: snapshot[key]
        for name, key in (("endpoint_url", "endpoint_url"), ("verify", "ca_bundle"))
        if snapshot.get(key)
    }
    return SessionSetup(
        aws_access_key_id=snapshot["aws_access_key_id"],
        aws_secret_access_key=snapshot["aws_secret_access_key"],
        aws_session_token=snapshot.get("aws_session_token"),
        region_name=snapshot.get("region_name"),
        expiration_time=datetime.fromisoformat(expiry) if expiry else None,
        default_client_kwargs=client_kwargs,
    )
