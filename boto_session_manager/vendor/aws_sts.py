"""2.x's STS helpers, with their 2.x results, kept so 2.x code runs. Importing warns.

3.0's own are in :mod:`boto_session_manager.identity`, and differ on purpose: their masks keep
the last four digits of an account id (``12******9012``, here ``12********12``), and
``get_caller_identity`` returns a :class:`~boto_session_manager.identity.CallerIdentity`
(here a ``(user_id, account_id, arn)`` tuple, masked on request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._moved import warn_moved_module
from ..identity import get_account_alias

if TYPE_CHECKING:
    from mypy_boto3_sts.client import STSClient

__all__ = [
    "get_account_alias",
    "get_caller_identity",
    "mask_aws_account_id",
    "mask_iam_principal_arn",
    "mask_user_id",
]


def mask_user_id(user_id: str) -> str:
    """Four characters, three stars, four characters: ``AIDAEXAMPLEUSERID`` -> ``AIDA***ERID``."""
    return f"{user_id[:4]}***{user_id[-4:]}"


def mask_aws_account_id(aws_account_id: str) -> str:
    """Two digits, eight stars, two digits: ``123456789012`` -> ``12********12``."""
    return f"{aws_account_id[:2]}{'*' * 8}{aws_account_id[-2:]}"


def mask_iam_principal_arn(arn: str) -> str:
    """The ARN with its account field masked by :func:`mask_aws_account_id`."""
    fields = arn.split(":")
    fields[4] = mask_aws_account_id(fields[4])
    return ":".join(fields)


def get_caller_identity(sts_client: STSClient, masked: bool = False) -> tuple[str, str, str]:
    """``(user_id, account_id, arn)`` of the caller, each masked when ``masked``."""
    response = sts_client.get_caller_identity()
    user_id, account_id, arn = response["UserId"], response["Account"], response["Arn"]
    if masked:
        return mask_user_id(user_id), mask_aws_account_id(account_id), mask_iam_principal_arn(arn)
    return user_id, account_id, arn


warn_moved_module(
    __name__,
    "use boto_session_manager.identity (masks that keep the last four digits; "
    "get_caller_identity returns a CallerIdentity)",
)
