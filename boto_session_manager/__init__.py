"""boto_session_manager: one object for your AWS sessions and clients.

In CI it gets ephemeral credentials from GitHub Actions OIDC; on a laptop it reads an
access key from a local ``.env``; everywhere it can assume roles with automatic refresh.
Importing this package costs almost nothing: names load on first use (PEP 562), and boto3
is imported only when a session is first needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .exceptions import (
        BotoSesManagerError,
        DotenvFileNotFoundError,
        DotenvVariableError,
        ExpiredWebIdentityTokenError,
        GitHubOidcNotAvailableError,
        InvalidCredentialSourceError,
        InvalidDurationError,
        InvalidRoleArnError,
        InvalidRoleSessionNameError,
        MissingMfaTokenError,
        MissingRoleArnError,
        NoCredentialsError,
        RoleTrustError,
        TokenEndpointError,
        WebIdentityTokenFileError,
    )
    from .manager import BotoSesManager
    from .services import AwsServiceEnum

__version__ = "3.0.0"

#: public name -> the module that defines it
_LAZY = {
    "AwsServiceEnum": "services",
    "BotoSesManager": "manager",
    "BotoSesManagerError": "exceptions",
    "DotenvFileNotFoundError": "exceptions",
    "DotenvVariableError": "exceptions",
    "ExpiredWebIdentityTokenError": "exceptions",
    "GitHubOidcNotAvailableError": "exceptions",
    "InvalidCredentialSourceError": "exceptions",
    "InvalidDurationError": "exceptions",
    "InvalidRoleArnError": "exceptions",
    "InvalidRoleSessionNameError": "exceptions",
    "MissingMfaTokenError": "exceptions",
    "MissingRoleArnError": "exceptions",
    "NoCredentialsError": "exceptions",
    "RoleTrustError": "exceptions",
    "TokenEndpointError": "exceptions",
    "WebIdentityTokenFileError": "exceptions",
}

__all__ = [
    "AwsServiceEnum",
    "BotoSesManager",
    "BotoSesManagerError",
    "DotenvFileNotFoundError",
    "DotenvVariableError",
    "ExpiredWebIdentityTokenError",
    "GitHubOidcNotAvailableError",
    "InvalidCredentialSourceError",
    "InvalidDurationError",
    "InvalidRoleArnError",
    "InvalidRoleSessionNameError",
    "MissingMfaTokenError",
    "MissingRoleArnError",
    "NoCredentialsError",
    "RoleTrustError",
    "TokenEndpointError",
    "WebIdentityTokenFileError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
