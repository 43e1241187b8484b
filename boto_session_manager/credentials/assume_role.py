"""``sts:AssumeRole`` from another manager's credentials: once, or refreshing on botocore's fetcher.

:func:`build_assume_role`, top to bottom: check the inputs before any network call, shape the
request with boto3's parameter names, then either call STS once (credentials that expire) or
hand botocore's ``AssumeRoleCredentialFetcher`` to a refreshing credential provider (which
fetches nothing until the credentials are first used, and assumes the role again before
they expire).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ..exceptions import MissingMfaTokenError
from ..validation import validate_role_request
from . import SessionSetup
from .sts_clients import sts_client_creator

if TYPE_CHECKING:
    import botocore.session
    from botocore.credentials import Credentials

__all__ = ["RoleSource", "build_assume_role"]


class RoleSource(Protocol):
    """What the role is assumed from: a manager (its credentials, STS client, settings)."""

    @property
    def default_client_kwargs(self) -> dict[str, Any]: ...

    @property
    def aws_region(self) -> str | None: ...

    @property
    def boto_ses_botocore_session(self) -> botocore.session.Session: ...

    def get_client(self, service_name: str, **client_kwargs: Any) -> Any: ...

    def get_credentials(self) -> Credentials: ...


def build_assume_role(
    source: RoleSource,
    role_arn: str,
    *,
    role_session_name: str | None = None,
    duration_seconds: int = 3600,
    tags: list[dict[str, str]] | None = None,
    transitive_tag_keys: list[str] | None = None,
    external_id: str | None = None,
    mfa_serial_number: str | None = None,
    mfa_token: str | Callable[[], str] | None = None,
    source_identity: str | None = None,
    policy: str | Mapping[str, Any] | None = None,
    policy_arns: list[str] | None = None,
    region_name: str | None = None,
    auto_refresh: bool = False,
) -> SessionSetup:
    """The setup of a manager for ``role_arn``, assumed with ``source``'s credentials.

    The new manager keeps ``source``'s default client arguments and, unless ``region_name``
    is given, its region. ``mfa_token`` may be a callable, asked for a fresh code at each
    (re)fresh.
    """
    if mfa_serial_number is not None and mfa_token is None:
        raise MissingMfaTokenError(serial=mfa_serial_number)
    session_name = validate_role_request(
        role_arn,
        duration_seconds=duration_seconds,
        role_session_name=role_session_name or f"bsm-{uuid.uuid4().hex}",
    )
    region = region_name or source.aws_region
    optional: dict[str, Any] = {
        "Tags": tags,
        "TransitiveTagKeys": transitive_tag_keys,
        "ExternalId": external_id,
        "SerialNumber": mfa_serial_number,
        "SourceIdentity": source_identity,
        "Policy": policy if isinstance(policy, str) or policy is None else json.dumps(policy),
        "PolicyArns": [{"arn": arn} for arn in policy_arns] if policy_arns else None,
    }
    extra_args: dict[str, Any] = {
        "RoleSessionName": session_name,
        "DurationSeconds": duration_seconds,
        **{name: value for name, value in optional.items() if value is not None},
    }

    if not auto_refresh:
        if mfa_token is not None and mfa_serial_number is not None:
            extra_args["TokenCode"] = mfa_token() if callable(mfa_token) else mfa_token
        response = source.get_client("sts").assume_role(RoleArn=role_arn, **extra_args)
        credentials = response["Credentials"]
        return SessionSetup(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
            expiration_time=credentials["Expiration"],
            default_client_kwargs=source.default_client_kwargs,
        )

    from botocore.credentials import AssumeRoleCredentialFetcher

    from .refreshable import LazyRefreshableProvider, NoCache, refreshing_session

    def mfa_prompter(_prompt: str) -> str:
        assert mfa_token is not None  # botocore asks only when SerialNumber is set
        return mfa_token() if callable(mfa_token) else mfa_token

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=sts_client_creator(
            source.boto_ses_botocore_session, source.default_client_kwargs
        ),
        source_credentials=source.get_credentials(),
        role_arn=role_arn,
        extra_args=extra_args,
        mfa_prompter=mfa_prompter,
        cache=NoCache(),
    )
    provider = LazyRefreshableProvider(
        fetcher.fetch_credentials, method="assume-role", duration_seconds=duration_seconds
    )
    return SessionSetup(
        botocore_session=refreshing_session(provider, region_name=region),
        region_name=region,
        default_client_kwargs=source.default_client_kwargs,
        credential_provider=provider,
    )
