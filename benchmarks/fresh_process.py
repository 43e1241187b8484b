"""Fresh interpreters as a real install runs them: from bytecode, compiled once.

Real installs have ``.pyc`` files, while this project's development machine sets
``PYTHONDONTWRITEBYTECODE=1``: every import in a fresh interpreter would compile its module
again, and a module imported lazily inside a timed call would be timed compiling. The
environment here unsets it and points ``PYTHONPYCACHEPREFIX`` at a private folder, so after
one warm-up run every module imports from bytecode, and neither the source tree nor the
virtual environment is written to.
"""

from __future__ import annotations

import os

__all__ = ["bytecode_environment"]


def bytecode_environment(pycache_prefix: str) -> dict[str, str]:
    """``os.environ`` for a child that writes and reads ``.pyc`` files under ``pycache_prefix``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache_prefix
    return env
