"""boto_session_manager: one object for your AWS sessions and clients.

In CI it gets ephemeral credentials from GitHub Actions OIDC; on a laptop it reads an
access key from a local ``.env``; everywhere it can assume roles with automatic refresh.
Importing this package costs almost nothing: names load on first use (PEP 562), and boto3
is imported only when a session is first needed.
"""

from __future__ import annotations

import importlib

from . import exceptions
from .exceptions import *  # noqa: F403 - the errors are cheap to import and all public

TYPE_CHECKING = False  # typing's constant without importing typing (about 4 ms)
if TYPE_CHECKING:
    from typing import Any

    from .manager import BotoSesManager
    from .services import AwsServiceEnum

__version__ = "3.0.0"

#: public name -> the module that defines it, imported on first use (they pull in boto3's
#: model machinery or a 400-member class, so deferring them keeps ``import`` cheap)
_LAZY = {
    "AwsServiceEnum": "services",
    "BotoSesManager": "manager",
}

__all__ = ["AwsServiceEnum", "BotoSesManager", "__version__"]
__all__ += exceptions.__all__


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
