"""Who a session is: the caller identity, the account alias, and their masked forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

__all__ = [
    "CallerIdentity",
    "get_account_alias",
    "get_caller_identity",
    "mask_access_key_id",
    "mask_aws_account_id",
    "mask_iam_principal_arn",
    "mask_user_id",
]

_ACCOUNT_ID_RE = re.compile(r"\b\d{12}\b")


@dataclass(frozen=True)
class CallerIdentity:
    """The three facts of one ``sts:GetCallerIdentity`` answer."""

    user_id: str
    account_id: str
    arn: str


def get_caller_identity(sts_client: STSClient) -> CallerIdentity:
    """Call ``sts:GetCallerIdentity`` once and return all three facts."""
    response = sts_client.get_caller_identity()
    return CallerIdentity(
        user_id=response["UserId"], account_id=response["Account"], arn=response["Arn"]
    )


def get_account_alias(iam_client: IAMClient) -> str | None:
    """Return the account's alias, or ``None`` when it has none."""
    aliases = iam_client.list_account_aliases().get("AccountAliases", [])
    return aliases[0] if aliases else None


def mask_aws_account_id(account_id: str) -> str:
    """Keep the first two and last four digits: ``123456789012`` -> ``12********9012``."""
    if len(account_id) <= 6:
        return "*" * len(account_id)
    return account_id[:2] + "*" * (len(account_id) - 6) + account_id[-4:]


def mask_user_id(user_id: str) -> str:
    """Mask a user id (``AIDA...`` or ``AROA...:session``) or a bare account id."""
    principal, sep, session = user_id.partition(":")
    if principal.isdigit():
        masked = mask_aws_account_id(principal)
    elif len(principal) > 8:
        masked = principal[:4] + "*" * (len(principal) - 8) + principal[-4:]
    else:
        masked = "*" * len(principal)
    return masked + sep + session


def mask_iam_principal_arn(arn: str) -> str:
    """Mask every 12-digit account id inside an ARN."""
    return _ACCOUNT_ID_RE.sub(lambda m: mask_aws_account_id(m.group(0)), arn)


def mask_access_key_id(access_key_id: str | None) -> str | None:
    """Keep the first four and last four characters of an access key id."""
    if access_key_id is None:
        return None
    if len(access_key_id) <= 8:
        return "*" * len(access_key_id)
    return access_key_id[:4] + "*" * (len(access_key_id) - 8) + access_key_id[-4:]
