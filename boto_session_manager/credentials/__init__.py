"""Credential sources: one builder per source, each read top to bottom in its own module.

- :mod:`.default_chain`: boto3's own chain (environment, profiles, SSO, instance roles);
- :mod:`.dotenv_file`: an access key in a local ``.env`` file;
- :mod:`.web_identity`: ``sts:AssumeRoleWithWebIdentity`` with a fresh token per refresh (the
  GitHub Actions OIDC path is this one with :mod:`.github_token`'s token loader);
- :mod:`.assume_role`: ``sts:AssumeRole`` from another manager, once or refreshing;
- :mod:`.selection`: which source ``from_environment`` takes, an ordered list of rules.

Every builder returns a :class:`SessionSetup`, the constructor arguments of the manager it
makes; :mod:`.refreshable` and :mod:`.sts_clients` are the pieces the refreshing sources share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import botocore.session

    from .refreshable import LazyRefreshableProvider
    from .web_identity import WebIdentityExchange

__all__ = ["DEFAULT_AUDIENCE", "SessionSetup"]

#: The ``aud`` STS expects in a web-identity token (GitHub's default for AWS).
DEFAULT_AUDIENCE = "sts.amazonaws.com"


@dataclass(frozen=True)
class SessionSetup:
    """What a credential source hands a manager: its constructor's keyword arguments."""

    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_session_token: str | None = field(default=None, repr=False)
    region_name: str | None = None
    profile_name: str | None = None
    #: A refreshing source's botocore session, its credentials held by ``credential_provider``.
    botocore_session: botocore.session.Session | None = None
    default_client_kwargs: Mapping[str, Any] = field(default_factory=dict)
    expiration_time: datetime | None = None
    credential_provider: LazyRefreshableProvider | None = None
    web_identity_exchange: WebIdentityExchange | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """The fields as keyword arguments for ``BotoSesManager(...)``."""
        return {item.name: getattr(self, item.name) for item in fields(self)}
