"""File locations: where a snapshot file is looked for, and the path ``temp_snapshot()`` yields.

``from_snapshot_file()`` without a path reads :func:`default_snapshot_file`: the file named by
``BSM_SNAPSHOT_FILE`` (:data:`SNAPSHOT_FILE_VAR`), which ``temp_snapshot()`` sets to the file it
wrote while its block runs, so the block's child processes find it; else
``PATH_DEFAULT_SNAPSHOT``, 2.x's default snapshot file, ``~/.bsm-snapshot.json`` (the path 2.x's
``temp_snapshot()`` wrote and ``from_snapshot_file()`` read when given none).

:class:`SnapshotPath` is a :class:`~pathlib.Path` that, used as 2.x code used what
``temp_snapshot()`` yielded (the manager), fails with a message saying what 3.0 yields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

__all__ = ["PATH_DEFAULT_SNAPSHOT", "SNAPSHOT_FILE_VAR", "SnapshotPath", "default_snapshot_file"]

#: ``~/.bsm-snapshot.json`` (``~`` left as is where no home folder is known).
PATH_DEFAULT_SNAPSHOT = Path(os.path.expanduser(os.path.join("~", ".bsm-snapshot.json")))

#: Set by ``temp_snapshot()`` to the file it wrote while its block runs (with several blocks
#: open, the latest one's), and restored after; read by ``from_snapshot_file()`` without a path.
SNAPSHOT_FILE_VAR = "BSM_SNAPSHOT_FILE"


def default_snapshot_file(environ: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """The file ``from_snapshot_file()`` reads when given no path, and where that came from.

    ``$BSM_SNAPSHOT_FILE`` when set (``environ`` defaults to ``os.environ``), else
    :data:`PATH_DEFAULT_SNAPSHOT`.
    """
    named = (os.environ if environ is None else environ).get(SNAPSHOT_FILE_VAR)
    if named:
        return Path(named), f"named by {SNAPSHOT_FILE_VAR}"
    return PATH_DEFAULT_SNAPSHOT, f"2.x's default location; {SNAPSHOT_FILE_VAR} is not set"


if TYPE_CHECKING:
    _ConcretePath = Path
else:  # PosixPath or WindowsPath: Path itself cannot be subclassed before Python 3.12
    _ConcretePath = type(Path())


class SnapshotPath(_ConcretePath):
    """The snapshot file's path, as ``temp_snapshot()`` yields it (2.x yielded the manager)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("_"):  # pathlib's own lazily set slots
            raise AttributeError(name)
        raise AttributeError(
            f"{type(self).__name__} has no attribute {name!r}: since 3.0 temp_snapshot() "
            "yields the snapshot file's path (2.x yielded the manager); use the manager "
            f"itself: `with bsm.temp_snapshot() as path: ... bsm.{name}`"
        )


#: 2.x's ``paths`` module described the 2.x source repository's own folders.
_GONE_2X = frozenset({"PACKAGE_NAME", "PathEnum", "path_enum"})

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name in _GONE_2X:
            raise AttributeError(
                f"boto_session_manager.paths.{name} is gone in 3.0: in 2.x it named folders of "
                "the 2.x source repository (tests, docs, build), which an installed package "
                "does not have; use your own project's paths"
            )
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
