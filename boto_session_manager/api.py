"""2.x's import path, kept so 2.x code runs: ``from boto_session_manager.api import ...``.

In 3.0 the package itself is the API: ``from boto_session_manager import BotoSesManager``.
Each name here is the 3.0 object; using one warns (:class:`DeprecationWarning`) with the 3.0
spelling. Nothing is imported until a name is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["PATH_DEFAULT_SNAPSHOT", "AwsServiceEnum", "BotoSesManager", "NoBotocoreCredentialError"]

if TYPE_CHECKING:
    from .exceptions import NoBotocoreCredentialError as NoBotocoreCredentialError
    from .manager import BotoSesManager as BotoSesManager
    from .paths import PATH_DEFAULT_SNAPSHOT as PATH_DEFAULT_SNAPSHOT
    from .services import AwsServiceEnum as AwsServiceEnum
else:
    from ._moved import forwarder

    __getattr__ = forwarder(__name__)
