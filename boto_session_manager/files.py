"""Secure file writing for files that hold credentials (.env, snapshots).

Files are written atomically (a temporary file in the same directory, flushed, fsynced,
then renamed over the target) with mode 0600, so a reader never sees half a file and
no other user can read it, not even for an instant.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_secure_file"]

SECURE_FILE_MODE = 0o600


def write_secure_file(path: str | os.PathLike[str], content: str) -> Path:
    """Write ``content`` to ``path`` atomically with mode 0600 and return the path."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        if hasattr(os, "fchmod"):  # mkstemp already uses 0600; make it explicit
            os.fchmod(fd, SECURE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return target
