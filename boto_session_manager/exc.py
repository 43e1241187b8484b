"""2.x's error module, kept so 2.x code runs: ``from boto_session_manager.exc import ...``.

3.0's errors live in :mod:`boto_session_manager.exceptions` and are importable from the
package itself. ``NoBotocoreCredentialError`` *is* :class:`~boto_session_manager.NoCredentialsError`
(the same class), so a 2.x ``except NoBotocoreCredentialError`` catches what 3.0 raises when
no credentials are found. Using the name here warns (:class:`DeprecationWarning`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["NoBotocoreCredentialError"]

if TYPE_CHECKING:
    from .exceptions import NoBotocoreCredentialError as NoBotocoreCredentialError
else:
    from ._moved import forwarder

    __getattr__ = forwarder(__name__)
