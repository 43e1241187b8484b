"""Print the Python versions the package supports, read from pyproject.toml's classifiers.

Used by the GitHub workflow to build its test matrix: ``python=["3.10", ...]`` (for
``$GITHUB_OUTPUT``), or a plain JSON list with ``--json``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import tomllib

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_CLASSIFIER = re.compile(r"Programming Language :: Python :: (\d+\.\d+)$")


def python_versions(pyproject: Path = PYPROJECT) -> list[str]:
    """The ``X.Y`` versions named in the classifiers, oldest first."""
    classifiers = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["classifiers"]
    found = [m.group(1) for c in classifiers if (m := _CLASSIFIER.match(c))]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


if __name__ == "__main__":
    versions = json.dumps(python_versions())
    print(versions if "--json" in sys.argv[1:] else f"python={versions}")
