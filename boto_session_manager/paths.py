"""Default file locations.

``PATH_DEFAULT_SNAPSHOT`` is 2.x's default snapshot file, ``~/.bsm-snapshot.json``: the path
2.x's ``temp_snapshot()`` wrote and ``from_snapshot_file()`` read when given none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

__all__ = ["PATH_DEFAULT_SNAPSHOT"]

#: ``~/.bsm-snapshot.json`` (``~`` left as is where no home folder is known).
PATH_DEFAULT_SNAPSHOT = Path(os.path.expanduser(os.path.join("~", ".bsm-snapshot.json")))

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
