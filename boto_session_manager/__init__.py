"""boto_session_manager: one object for your AWS sessions and clients.

In CI it gets ephemeral credentials from GitHub Actions OIDC; on a laptop it reads an
access key from a local ``.env``; everywhere it can assume roles with automatic refresh.
Importing this package does not import boto3: that happens on first use of a session.
"""

from __future__ import annotations

from .exceptions import (
    BotoSesManagerError,
    InvalidDurationError,
    InvalidRoleArnError,
    InvalidRoleSessionNameError,
    NoCredentialsError,
)
from .manager import BotoSesManager
from .services import AwsServiceEnum

__version__ = "3.0.0"

__all__ = [
    "AwsServiceEnum",
    "BotoSesManager",
    "BotoSesManagerError",
    "InvalidDurationError",
    "InvalidRoleArnError",
    "InvalidRoleSessionNameError",
    "NoCredentialsError",
    "__version__",
]
