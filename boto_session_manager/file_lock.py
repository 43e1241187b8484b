"""An exclusive lock on a file, shared by processes: ``fcntl`` on POSIX, ``msvcrt`` on Windows.

The lock belongs to an open file, so the operating system releases it when its holder exits,
however it exits: a crashed process never leaves a lock behind. The lock file itself stays
(removing it would let two processes lock two different files of the same name).

Standard library only: the credential cache's fast path imports it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["LockTimeoutError", "exclusive_lock"]

#: The first and the longest pause between two attempts to take a busy lock (seconds).
_FIRST_PAUSE = 0.002
_LONGEST_PAUSE = 0.05


class LockTimeoutError(TimeoutError):
    """The lock was still held by another process when the wait ended."""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike[str], *, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created 0600 if missing) for the block.

    Waits up to ``timeout`` seconds for another holder, checking again after a pause that
    grows from 2 ms to 50 ms; raises :class:`LockTimeoutError` when the wait ends first.
    Threads of one process exclude each other too: each call opens the file anew.
    """
    fd = os.open(Path(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        pause = _FIRST_PAUSE
        while not _try_lock(fd):
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockTimeoutError(f"{path} is still locked after {timeout:g} s")
            time.sleep(min(pause, left))
            pause = min(pause * 2, _LONGEST_PAUSE)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
