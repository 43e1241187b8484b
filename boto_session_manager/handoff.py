"""Handing a manager's credentials to other programs: an environment, ``os.environ``, snapshots.

- :meth:`HandOffMixin.env` gives the variables every AWS SDK and the AWS CLI read: the key
  pair and the session token (or, for a manager made from a profile, ``AWS_PROFILE``), both
  region variables (``AWS_REGION`` for the CLI v2 and the other SDKs, ``AWS_DEFAULT_REGION``
  for botocore), the endpoint and the CA bundle. A child never loses the region it would have
  had: when the manager has none, the region of ``base`` is handed on under both names.
- :func:`os_environ_set_to` sets them in ``os.environ`` for a block and restores the old
  values after (``BotoSesManager.awscli``).
- A snapshot is the same facts as a JSON-able dict (:meth:`HandOffMixin.to_snapshot`), or a
  file written atomically with mode 0600 (:meth:`HandOffMixin.temp_snapshot`, which names it
  in ``BSM_SNAPSHOT_FILE`` while its block runs); :func:`read_snapshot_file` and
  :func:`snapshot_setup` read one back for ``BotoSesManager.from_snapshot_file``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .credentials import SessionSetup
from .exceptions import NoCredentialsError, SnapshotFileNotFoundError
from .files import write_secure_file
from .paths import SNAPSHOT_FILE_VAR, SnapshotPath, default_snapshot_file
from .region import REGION_VARS, resolve_region

if TYPE_CHECKING:
    from botocore.credentials import ReadOnlyCredentials

    from .credentials.refreshable import LazyRefreshableProvider

__all__ = [
    "CREDENTIAL_ENV_VARS",
    "HANDOFF_ENV_VARS",
    "HandOffMixin",
    "endpoint_env",
    "os_environ_set_to",
    "read_snapshot_file",
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
    def aws_access_key_id(self) -> str | None: ...

    @property
    def profile_name(self) -> str | None: ...

    @property
    def credential_provider(self) -> LazyRefreshableProvider | None: ...

    @property
    def default_client_kwargs(self) -> dict[str, Any]: ...

    @property
    def aws_region(self) -> str | None: ...

    @property
    def expiration_time(self) -> datetime | None: ...

    def get_frozen_credentials(self) -> ReadOnlyCredentials: ...

    def env(self, *, base: Mapping[str, str] | None = None) -> dict[str, str]: ...

    def to_snapshot(self) -> dict[str, Any]: ...


def endpoint_env(default_client_kwargs: Mapping[str, Any]) -> dict[str, str]:
    """``AWS_ENDPOINT_URL`` and ``AWS_CA_BUNDLE`` for a manager's endpoint and CA bundle, as far
    as it has them."""
    environ = {}
    endpoint_url = default_client_kwargs.get("endpoint_url")
    if endpoint_url:
        environ["AWS_ENDPOINT_URL"] = str(endpoint_url)
    ca_bundle = default_client_kwargs.get("verify")
    if isinstance(ca_bundle, str):
        environ["AWS_CA_BUNDLE"] = ca_bundle
    return environ


class HandOffMixin:
    """The manager's hand-off methods (see the module docstring)."""

    def env(self: _Source, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables (``base``, default ``os.environ``) with these credentials.

        For ``subprocess.run(..., env=bsm.env())``; the process environment is not changed.
        The region goes out as both ``AWS_REGION`` and ``AWS_DEFAULT_REGION``: the manager's,
        else the one ``base`` names, so a child never loses it.

        A manager made from a profile (``profile_name`` without keys) hands on the profile
        as ``AWS_PROFILE`` instead of its keys, as 2.x did: the child (the AWS CLI, an SDK)
        then resolves the profile itself, and refreshes SSO or role credentials itself. The
        profile must be one the child can read (``AWS_CONFIG_FILE`` and the home folder
        come from ``base``).
        """
        environ = dict(os.environ if base is None else base)
        region = self.aws_region or resolve_region(None, environ)
        for name in CREDENTIAL_ENV_VARS:
            environ.pop(name, None)
        profile = _profile_to_hand_on(self)
        if profile is not None:
            environ["AWS_PROFILE"] = profile
        else:
            creds = self.get_frozen_credentials()
            if not creds.access_key or not creds.secret_key:
                raise NoCredentialsError(
                    looked_in="the session's credentials (they are incomplete)"
                )
            environ["AWS_ACCESS_KEY_ID"] = creds.access_key
            environ["AWS_SECRET_ACCESS_KEY"] = creds.secret_key
            if creds.token:
                environ["AWS_SESSION_TOKEN"] = creds.token
        if region:
            for name in REGION_VARS:
                environ[name] = region
        environ.update(endpoint_env(self.default_client_kwargs))
        return environ

    def to_snapshot(self: _Source) -> dict[str, Any]:
        """The current credentials, region and expiry as a JSON-able dict (holds secrets).

        Keys whose value is ``None`` (no session token, no region, no expiry) are left out.
        """
        creds = self.get_frozen_credentials()
        expiry = self.expiration_time
        endpoint_url = self.default_client_kwargs.get("endpoint_url")
        ca_bundle = self.default_client_kwargs.get("verify")
        snapshot: dict[str, str | None] = {
            "aws_access_key_id": creds.access_key,
            "aws_secret_access_key": creds.secret_key,
            "aws_session_token": creds.token,
            "region_name": self.aws_region,
            "expiration_time": expiry.isoformat() if expiry else None,
            "endpoint_url": str(endpoint_url) if endpoint_url else None,
            "ca_bundle": ca_bundle if isinstance(ca_bundle, str) else None,
        }
        return {key: value for key, value in snapshot.items() if value is not None}

    @contextlib.contextmanager
    def temp_snapshot(
        self: _Source, path: str | os.PathLike[str] | None = None
    ) -> Iterator[SnapshotPath]:
        """Write a snapshot file (atomic, mode 0600), yield its path, remove it on exit.

        The default path is unique to each use, so nested or concurrent uses never clobber
        each other. While the block runs, ``BSM_SNAPSHOT_FILE`` in ``os.environ`` names the
        file, so a child process started inside it finds the file with
        ``BotoSesManager.from_snapshot_file()`` and no path (the 2.x pattern); the variable
        is restored when the block ends. With blocks open in several threads at once it
        names the innermost, latest one: hand such children their own path instead.
        """
        tmp_dir: str | None = None
        if path is None:
            import tempfile

            tmp_dir = tempfile.mkdtemp(prefix="bsm-snapshot-")
            target = SnapshotPath(tmp_dir, "snapshot.json")
        else:
            target = SnapshotPath(path)
        try:
            write_secure_file(target, json.dumps(self.to_snapshot()))
            with _exported_snapshot_file.naming(target):
                yield target
        finally:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            if tmp_dir is not None:
                with contextlib.suppress(OSError):
                    os.rmdir(tmp_dir)


def _profile_to_hand_on(manager: _Source) -> str | None:
    """The profile a child should resolve itself: a manager's own, when its keys come from it."""
    if manager.aws_access_key_id is None and manager.credential_provider is None:
        return manager.profile_name or None
    return None


class _ExportedSnapshotFile:
    """``BSM_SNAPSHOT_FILE`` while ``temp_snapshot()`` blocks run, in any number and order.

    Each block adds its file; the variable names the latest file still open, and when the
    last block ends it gets back the value it had before the first (or is removed). One lock
    orders the changes, so blocks in several threads leave ``os.environ`` as they found it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[tuple[object, str]] = []
        self._before: str | None = None

    @contextlib.contextmanager
    def naming(self, path: Path) -> Iterator[None]:
        """Within the block, the variable names ``path`` (unless a later block's file)."""
        entry = (object(), str(path))
        with self._lock:
            if not self._open:
                self._before = os.environ.get(SNAPSHOT_FILE_VAR)
            self._open.append(entry)
            os.environ[SNAPSHOT_FILE_VAR] = entry[1]
        try:
            yield
        finally:
            with self._lock:
                self._open.remove(entry)
                if self._open:
                    os.environ[SNAPSHOT_FILE_VAR] = self._open[-1][1]
                elif self._before is None:
                    os.environ.pop(SNAPSHOT_FILE_VAR, None)
                else:
                    os.environ[SNAPSHOT_FILE_VAR] = self._before


_exported_snapshot_file = _ExportedSnapshotFile()


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


def read_snapshot_file(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The snapshot in ``path``; without one, in the file ``BSM_SNAPSHOT_FILE`` names, else in
    ``~/.bsm-snapshot.json`` (2.x's location). A missing file raises
    :class:`~boto_session_manager.SnapshotFileNotFoundError` saying where it looked.
    """
    if path is None:
        target, where = default_snapshot_file()
    else:
        target, where = Path(path), "the path given"
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotFileNotFoundError(path=str(target), where=where) from None
    snapshot: dict[str, Any] = json.loads(text)
    return snapshot


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
