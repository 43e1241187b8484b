"""Checks of STS inputs, run before any network call so mistakes fail fast and clearly."""

from __future__ import annotations

import re

from .exceptions import InvalidDurationError, InvalidRoleArnError, InvalidRoleSessionNameError

__all__ = [
    "MAX_DURATION_SECONDS",
    "MIN_DURATION_SECONDS",
    "validate_duration_seconds",
    "validate_role_arn",
    "validate_role_request",
    "validate_role_session_name",
]

MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200

_ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
_ROLE_SESSION_NAME_RE = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def validate_role_arn(role_arn: str) -> str:
    """Return ``role_arn`` if it is an IAM role ARN, else raise :class:`InvalidRoleArnError`."""
    if not isinstance(role_arn, str) or not _ROLE_ARN_RE.fullmatch(role_arn):
        raise InvalidRoleArnError(role_arn=role_arn)
    return role_arn


def validate_duration_seconds(duration_seconds: int) -> int:
    """Return ``duration_seconds`` if STS accepts it (900 to 43200), else raise."""
    if (
        isinstance(duration_seconds, bool)
        or not isinstance(duration_seconds, int)
        or not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS
    ):
        raise InvalidDurationError(
            duration_seconds=duration_seconds,
            minimum=MIN_DURATION_SECONDS,
            maximum=MAX_DURATION_SECONDS,
        )
    return duration_seconds


def validate_role_session_name(role_session_name: str) -> str:
    """Return the name if it has 2 to 64 characters of ``[\\w+=,.@-]``, else raise."""
    if not isinstance(role_session_name, str) or not _ROLE_SESSION_NAME_RE.fullmatch(
        role_session_name
    ):
        raise InvalidRoleSessionNameError(role_session_name=role_session_name)
    return role_session_name


def validate_role_request(role_arn: str, *, duration_seconds: int, role_session_name: str) -> str:
    """Check everything a role request names, before any network call; return the session name.

    The one check every role source (assume role, web identity) runs.
    """
    validate_role_arn(role_arn)
    validate_duration_seconds(duration_seconds)
    return validate_role_session_name(role_session_name)
