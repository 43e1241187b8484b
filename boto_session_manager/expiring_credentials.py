"""Temporary credentials and their expiry, in the shapes SDKs and botocore exchange them.

- the ``credential_process`` JSON (``Version`` 1, ``AccessKeyId``, ``SecretAccessKey``,
  ``SessionToken``, ``Expiration``), which the credential cache also stores;
- botocore's refresh contract (``access_key``, ``secret_key``, ``token``, ``expiry_time``);
- the expiry as both print it, ``2026-11-01T12:00:00Z``.

Standard library only (botocore only to read botocore's own contract): the warm path of
``bsm credential-process`` imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

TYPE_CHECKING = False  # typing's constant without importing typing: the warm path
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ExpiringCredentials"]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _parse_expiration(value: object) -> datetime | None:
    """An ISO 8601 time as this module writes it (``...Z``), or ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        return None


class ExpiringCredentials:
    """Temporary credentials and their expiry, in the shapes SDKs and botocore exchange them."""

    __slots__ = ("access_key_id", "expiration", "secret_access_key", "session_token")

    def __init__(
        self,
        *,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None,
        expiration: datetime,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.session_token = session_token
        self.expiration = _utc(expiration)

    def seconds_left(self, now: datetime) -> float:
        """Seconds until expiry, from ``now``."""
        return (self.expiration - _utc(now)).total_seconds()

    @property
    def expiration_text(self) -> str:
        """The expiry as ``credential_process`` prints it: ``2026-11-01T12:00:00Z``."""
        return self.expiration.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def process_json(self) -> dict[str, Any]:
        """The ``credential_process`` output (Version 1)."""
        document: dict[str, Any] = {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        if self.session_token:
            document["SessionToken"] = self.session_token
        document["Expiration"] = self.expiration_text
        return document

    @classmethod
    def from_process_json(cls, document: object) -> ExpiringCredentials | None:
        """Read :meth:`process_json`'s shape back; ``None`` when anything is missing."""
        if not isinstance(document, dict) or document.get("Version") != 1:
            return None
        key, secret = document.get("AccessKeyId"), document.get("SecretAccessKey")
        token = document.get("SessionToken")
        expiration = _parse_expiration(document.get("Expiration"))
        if not (isinstance(key, str) and key and isinstance(secret, str) and secret):
            return None
        if expiration is None or not (token is None or isinstance(token, str)):
            return None
        return cls(
            access_key_id=key, secret_access_key=secret, session_token=token, expiration=expiration
        )

    def refresh_metadata(self) -> dict[str, Any]:
        """The credentials in botocore's refresh contract (``access_key``, ``expiry_time``...)."""
        return {
            "access_key": self.access_key_id,
            "secret_key": self.secret_access_key,
            "token": self.session_token,
            "expiry_time": self.expiration.isoformat(),
        }

    @classmethod
    def from_refresh_metadata(cls, metadata: Mapping[str, Any]) -> ExpiringCredentials:
        """From botocore's refresh contract (the expiry parsed the way botocore parses it)."""
        from botocore.utils import parse_timestamp

        return cls(
            access_key_id=metadata["access_key"],
            secret_access_key=metadata["secret_key"],
            session_token=metadata.get("token"),
            expiration=parse_timestamp(metadata["expiry_time"]),
        )

    def __repr__(self) -> str:
        return f"ExpiringCredentials(expiration={self.expiration_text!r})"
