"""A credential cache shared by processes: one STS exchange per credential lifetime.

botocore's ``JSONFileCache`` is the model: one JSON file per key in a private folder. Added
here: a lock, so N processes starting at once make one exchange (the first exchanges, the
others wait for it and then read its entry), and a refresh margin.

- **Key**: a SHA-256 of the credential source, the role, the session parameters and the STS
  endpoint (:func:`web_identity_cache_key`); for GitHub Actions OIDC the source is the job
  itself (a hash of its token request URL and request token), so two jobs on one self-hosted
  runner never share credentials.
- **Entry**: ``<folder>/<key>.json``, the ``credential_process`` JSON (``Version`` 1,
  ``AccessKeyId``, ``SecretAccessKey``, ``SessionToken``, ``Expiration``), written atomically
  with mode 0600 in a folder of mode 0700 (:func:`default_cache_dir`). Entries of another
  user, or readable by others, are ignored.
- **Margin**: an entry is used only while it has more than the refresh margin left
  (:func:`~boto_session_manager.refresh_windows.refresh_margin`: 15 minutes of a one-hour
  credential, the window in which SDKs ask for new credentials).
- **Lock**: ``<folder>/<key>.lock`` (:mod:`~boto_session_manager.file_lock`).

Only credentials that expire are cached (web identity, roles), never a long-term key.
Reading an entry needs the standard library only, so ``bsm credential-process`` answers
from a warm cache without importing botocore.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path

from .exceptions import CredentialCacheError
from .expiring_credentials import ExpiringCredentials

TYPE_CHECKING = False  # typing's constant without importing typing: the warm path
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "CACHE_DIR_VAR",
    "CACHE_VAR",
    "CachedRefresh",
    "CredentialCache",
    "cache_enabled",
    "default_cache_dir",
    "github_job_token_source",
    "resolve_credential_cache",
    "sts_endpoint_url",
    "web_identity_cache_key",
]

#: ``1`` turns the cache on for the library's ``from_github_oidc`` / ``from_environment``.
CACHE_VAR = "BSM_CREDENTIAL_CACHE"
#: Where the cache lives, instead of :func:`default_cache_dir`'s answer.
CACHE_DIR_VAR = "BSM_CREDENTIAL_CACHE_DIR"
_APP = "boto_session_manager"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})
#: How long a process waits for another one's exchange (a token fetch and an STS call are
#: each bounded well below this).
LOCK_TIMEOUT_SECONDS = 300.0
#: The (thread, lock file) pairs held now, which makes :meth:`CredentialCache.locked`
#: re-entrant within a thread.
_HELD: set[tuple[int, str]] = set()
#: Lock files and unfinished temporary files older than this are removed when pruning.
_STALE_FILE_SECONDS = 2 * 86400


def default_cache_dir(
    environ: Mapping[str, str] | None = None, *, platform: str = sys.platform
) -> Path:
    """The cache folder: ``BSM_CREDENTIAL_CACHE_DIR``, else the user's cache folder.

    - Linux and other POSIX systems: ``$XDG_CACHE_HOME/boto_session_manager/credentials``
      (``~/.cache/...`` when unset or not absolute, as the XDG spec says);
    - macOS: ``~/Library/Caches/boto_session_manager/credentials``;
    - Windows: ``%LOCALAPPDATA%\\boto_session_manager\\Cache\\credentials``.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(CACHE_DIR_VAR, "").strip()
    if explicit:
        return Path(os.path.expanduser(explicit))
    home = Path(os.path.expanduser("~"))
    if platform == "win32":
        local = env.get("LOCALAPPDATA", "").strip()
        return Path(local or home / "AppData" / "Local", _APP, "Cache", "credentials")
    if platform == "darwin":
        return home / "Library" / "Caches" / _APP / "credentials"
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / _APP / "credentials"


def cache_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``BSM_CREDENTIAL_CACHE`` turns the cache on (``1``/``true``/``yes``/``on``)."""
    env = os.environ if environ is None else environ
    value = env.get(CACHE_VAR, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise CredentialCacheError(
        where=CACHE_VAR,
        problem=f"{CACHE_VAR}={env.get(CACHE_VAR)!r} is neither on nor off",
        fix=f"Set {CACHE_VAR}=1 to share credentials between processes, or 0 (or unset it).",
    )


def github_job_token_source(request_url: str, request_token: str, audience: str) -> str:
    """What identifies the tokens of one GitHub Actions job: a hash, never the token itself."""
    digest = hashlib.sha256(f"{request_url}\0{request_token}\0{audience}".encode())
    return f"github-actions-job:{digest.hexdigest()}"


def sts_endpoint_url(client_kwargs: Mapping[str, Any] | None = None) -> str | None:
    """The STS endpoint a manager's exchange goes to, as far as it is named anywhere.

    ``endpoint_url`` among the client arguments, else ``AWS_ENDPOINT_URL_STS``, else
    ``AWS_ENDPOINT_URL`` (botocore reads those from ``os.environ``), else ``None`` (AWS).
    """
    explicit = (client_kwargs or {}).get("endpoint_url")
    if explicit:
        return str(explicit)
    for name in ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def web_identity_cache_key(
    *,
    role_arn: str,
    token_source: str,
    role_session_name: str | None,
    duration_seconds: int,
    region: str | None,
    endpoint_url: str | None,
) -> str:
    """The cache key of web-identity credentials: a SHA-256 of everything that shapes them."""
    parts = {
        "version": 1,
        "source": token_source,
        "role_arn": role_arn,
        "role_session_name": role_session_name,
        "duration_seconds": duration_seconds,
        "region": region,
        "endpoint_url": endpoint_url,
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class CredentialCache:
    """Credential entries in one private folder, shared by every process of the user."""

    def __init__(
        self, directory: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT_SECONDS
    ) -> None:
        #: The folder of the entries and their locks.
        self.directory = Path(directory)
        #: How long a process waits for another one's exchange (seconds).
        self.lock_timeout = lock_timeout

    @classmethod
    def default(cls, environ: Mapping[str, str] | None = None) -> CredentialCache:
        """The cache in :func:`default_cache_dir`."""
        return cls(default_cache_dir(environ))

    def entry_path(self, key: str) -> Path:
        """The file of ``key``'s entry."""
        return self.directory / f"{key}.json"

    def get(self, key: str, *, now: datetime, margin: float) -> ExpiringCredentials | None:
        """The entry of ``key`` if it has more than ``margin`` seconds left, else ``None``.

        An entry that is unreadable, malformed, not this user's or readable by others is
        treated as missing (the next exchange replaces it).
        """
        try:
            with open(self.entry_path(key), "rb") as fh:
                if not _private(os.fstat(fh.fileno())):
                    return None
                document = json.loads(fh.read())
        except (OSError, ValueError):
            return None
        entry = ExpiringCredentials.from_process_json(document)
        if entry is None or entry.seconds_left(now) <= margin:
            return None
        return entry

    def put(self, key: str, entry: ExpiringCredentials, *, now: datetime) -> None:
        """Store ``entry`` (atomic, 0600), then remove expired entries."""
        from .files import write_secure_file

        self._prepare_directory()
        write_secure_file(self.entry_path(key), json.dumps(entry.process_json()))
        self.prune(now)

    @contextlib.contextmanager
    def locked(self, key: str) -> Iterator[None]:
        """Hold ``key``'s lock: other processes wanting it wait (:attr:`lock_timeout`).

        Re-entrant within a thread: a thread that holds the lock already just goes on (so a
        caller may hold it around code that takes it again).
        """
        import threading

        from .file_lock import LockTimeoutError, exclusive_lock

        holder = (threading.get_ident(), str(self.directory / f"{key}.lock"))
        if holder in _HELD:
            yield
            return
        self._prepare_directory()
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(exclusive_lock(holder[1], timeout=self.lock_timeout))
            except LockTimeoutError:
                raise CredentialCacheError(
                    where=str(self.directory),
                    problem=f"another process held the lock of one entry for over "
                    f"{self.lock_timeout:g} s",
                    fix="Look for a stuck `bsm` or Python process; `bsm cache clear` removes "
                    "the entries and locks",
                ) from None
            _HELD.add(holder)
            try:
                yield
            finally:
                _HELD.discard(holder)

    def prune(self, now: datetime) -> int:
        """Remove expired entries, and lock and temporary files left for days; count them."""
        removed = 0
        stale_before = time.time() - _STALE_FILE_SECONDS  # file times are the real clock's
        with contextlib.suppress(OSError):
            for path in self.directory.iterdir():
                try:
                    if path.suffix == ".json" and not path.name.startswith("."):
                        expiring = self._read(path)
                        gone = expiring is None or expiring.seconds_left(now) <= 0
                    else:
                        gone = path.stat().st_mtime < stale_before
                    if gone:
                        path.unlink()
                        removed += 1
                except OSError:
                    continue
        return removed

    def clear(self) -> int:
        """Remove every entry, lock and temporary file; return how many files went."""
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for path in self.directory.iterdir():
                if path.suffix in (".json", ".lock", ".tmp"):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed += 1
        return removed

    @staticmethod
    def _read(path: Path) -> ExpiringCredentials | None:
        try:
            return ExpiringCredentials.from_process_json(json.loads(path.read_bytes()))
        except (OSError, ValueError):
            return None

    def _prepare_directory(self) -> None:
        """Make the folder (0700) or check it: this user's, closed to everyone else."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            status = self.directory.stat()
        except OSError as exc:
            raise CredentialCacheError(
                where=str(self.directory),
                problem=f"the folder cannot be made ({exc.strerror or type(exc).__name__})",
                fix=f"Set {CACHE_DIR_VAR} to a folder of yours, or run with --no-cache",
            ) from None
        if _private(status):
            return
        if hasattr(os, "getuid") and status.st_uid != os.getuid():
            raise CredentialCacheError(
                where=str(self.directory),
                problem="the folder belongs to another user",
                fix=f"Set {CACHE_DIR_VAR} to a folder of yours",
            )
        self.directory.chmod(0o700)  # ours but open to others (made by hand?): close it

    def __repr__(self) -> str:
        return f"CredentialCache(directory={str(self.directory)!r})"


def _private(status: os.stat_result) -> bool:
    """Owned by this user and closed to group and others (always true on Windows)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: per-user folder ACLs
        return True
    return status.st_uid == os.getuid() and not status.st_mode & 0o077


def resolve_credential_cache(
    setting: bool | CredentialCache | None, environ: Mapping[str, str] | None = None
) -> CredentialCache | None:
    """The cache a library call uses: ``setting``, or by default ``BSM_CREDENTIAL_CACHE``."""
    if isinstance(setting, CredentialCache):
        return setting
    if setting is None:
        setting = cache_enabled(environ)
    return CredentialCache.default() if setting else None


class CachedRefresh:
    """A refresh function (botocore's contract) that goes through a :class:`CredentialCache`.

    Each call returns the cached entry while it has more than ``margin`` seconds left;
    otherwise, under the entry's lock, reads it again (another process may have just
    refreshed it) and only then calls ``refresh`` and stores what it returns. The credentials
    this object handed out last are never handed out again: a refresh forced because the
    endpoint refused them gets new ones.

    Diagnostic (read-only): :attr:`exchanges`, the calls of ``refresh`` made by this object.
    """

    def __init__(
        self,
        refresh: Callable[[], Mapping[str, Any]],
        *,
        cache: CredentialCache,
        key: str,
        margin: float,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._refresh = refresh
        self._cache = cache
        self._key = key
        self._margin = margin
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._last_access_key: str | None = None
        #: Diagnostic: how many times this object called ``refresh`` (cache misses).
        self.exchanges = 0

    def _usable(self) -> ExpiringCredentials | None:
        entry = self._cache.get(self._key, now=self._clock(), margin=self._margin)
        if entry is not None and entry.access_key_id == self._last_access_key:
            return None
        return entry

    def __call__(self) -> dict[str, Any]:
        """The credentials: cached ones while fresh enough, else an exchange (stored)."""
        entry = self._usable()
        if entry is None:
            with self._cache.locked(self._key):
                entry = self._usable()
                if entry is None:
                    entry = ExpiringCredentials.from_refresh_metadata(self._refresh())
                    self.exchanges += 1
                    self._store(entry)
        self._last_access_key = entry.access_key_id
        return entry.refresh_metadata()

    def _store(self, entry: ExpiringCredentials) -> None:
        try:
            self._cache.put(self._key, entry, now=self._clock())
        except OSError as exc:  # the credentials are good: use them, say why others will not
            import logging

            logging.getLogger("boto_session_manager").warning(
                "credentials not cached in %s (%s): other processes make their own exchange",
                self._cache.directory,
                exc.strerror or type(exc).__name__,
            )

    def __repr__(self) -> str:
        return f"CachedRefresh(cache={self._cache!r}, margin={self._margin!r})"
