"""A manager's boto3 session, its cached clients, its credentials and who they belong to.

The boto3 session is made on first use, from the manager's arguments, with the region by the
order of :mod:`~boto_session_manager.region`. Clients and resources are cached per argument
set in :class:`~boto_session_manager.client_cache.KeyedCache` (lock-free when cached). Identity
facts (``sts:GetCallerIdentity``, the account alias) are asked once each and cached the same
way: each under its own lock, so a slow answer makes wait only the callers who want that fact.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._moved import (
    GET_CLIENT_2X_PARAMETERS,
    NOTHING,
    keyword_only_error,
    shown_without_catch_all,
    without_nothing,
)
from .client_cache import KeyedCache, client_key, creation_lock
from .client_descriptor import forget_cached_clients
from .exceptions import NoCredentialsError
from .identity import (
    CallerIdentity,
    get_account_alias,
    get_caller_identity,
    mask_aws_account_id,
    mask_iam_principal_arn,
    mask_user_id,
)
from .region import resolve_region

if TYPE_CHECKING:
    from typing import NoReturn

    import boto3.session
    import botocore.session
    from boto3.resources.base import ServiceResource
    from botocore.credentials import Credentials, ReadOnlyCredentials

    from .credentials.refreshable import LazyRefreshableProvider

__all__ = ["SessionMixin"]

_CREDENTIALS = "credentials"
_IDENTITY = "caller identity"
_ALIAS = "account alias"


def _signs_with_session_credentials(client_kwargs: dict[str, Any]) -> bool:
    """Whether a client made with these arguments uses the session's credentials."""
    from botocore import UNSIGNED  # loaded by then: the session exists

    config = client_kwargs.get("config")
    unsigned = getattr(config, "signature_version", None) is UNSIGNED
    return not unsigned and not client_kwargs.get("aws_access_key_id")


class SessionMixin:
    """The manager's session, credential and identity members (see the module docstring)."""

    aws_access_key_id: str | None
    aws_secret_access_key: str | None
    aws_session_token: str | None
    region_name: str | None
    profile_name: str | None
    botocore_session: botocore.session.Session | None
    default_client_kwargs: dict[str, Any]
    credential_provider: LazyRefreshableProvider | None
    _expiration_time: datetime | None
    _session_lock: threading.Lock
    _sessions: tuple[boto3.session.Session, botocore.session.Session] | None
    _clients: KeyedCache[Any]
    _client_values: dict[Hashable, Any]
    _resources: KeyedCache[ServiceResource]
    _facts: KeyedCache[Any]

    # ------------------------------------------------------------------ session
    def _new_sessions(self) -> tuple[boto3.session.Session, botocore.session.Session]:
        import boto3.session
        import botocore.session

        core = self.botocore_session or botocore.session.Session()
        kwargs: dict[str, Any] = {
            "aws_access_key_id": self.aws_access_key_id,
            "aws_secret_access_key": self.aws_secret_access_key,
            "aws_session_token": self.aws_session_token,
            "region_name": resolve_region(self.region_name),
            "profile_name": self.profile_name,
        }
        present = {name: value for name, value in kwargs.items() if value is not None}
        return boto3.session.Session(botocore_session=core, **present), core

    def _session_pair(self) -> tuple[boto3.session.Session, botocore.session.Session]:
        sessions = self._sessions
        if sessions is None:
            with self._session_lock:
                sessions = self._sessions
                if sessions is None:
                    sessions = self._sessions = self._new_sessions()
        return sessions

    def create_boto_ses(self) -> boto3.session.Session:
        """Create a new boto3 session from this manager's arguments (not cached).

        The botocore session under it is :attr:`botocore_session` when one was given, else a
        new one. :attr:`boto_ses` and :attr:`boto_ses_botocore_session` are not changed.
        """
        return self._new_sessions()[0]

    @property
    def boto_ses(self) -> boto3.session.Session:
        """The boto3 session, created on first use and then reused."""
        return self._session_pair()[0]

    @property
    def boto_ses_botocore_session(self) -> botocore.session.Session:
        """The botocore session under :attr:`boto_ses`."""
        return self._session_pair()[1]

    @property
    def aws_region(self) -> str | None:
        """The session's region: the argument, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, profile."""
        return self.boto_ses.region_name

    # ------------------------------------------------------------------ clients
    @shown_without_catch_all
    def get_client(self, service_name: str, *positional_2x: NoReturn, **client_kwargs: Any) -> Any:
        """Return a client for ``service_name``, cached per full argument set.

        Arguments are those of ``boto3.session.Session.client`` (``region_name``,
        ``endpoint_url``, ``config``...), as keywords, compared by value: asking for ``s3`` in
        two regions gives two clients, two equal ``Config(...)`` objects one. Many threads
        asking at once for the same uncached client get one object, built once.
        ``service_name`` may be a keyword too (``get_client(service_name="s3")``).
        """
        if client_kwargs or positional_2x:  # the default client's path is one lookup
            if positional_2x:
                raise keyword_only_error(
                    "get_client", GET_CLIENT_2X_PARAMETERS, positional_2x, leading="service_name, "
                )
            key = client_key(service_name, client_kwargs)
            try:
                return self._client_values[key]
            except KeyError:
                return self._new_client(key, service_name, client_kwargs)
        try:
            return self._client_values[service_name]
        except KeyError:
            return self._new_client(service_name, service_name, client_kwargs)

    def _new_client(self, key: Hashable, service_name: str, client_kwargs: dict[str, Any]) -> Any:
        """The client under ``key``, built once (:meth:`get_client` found none cached)."""
        if NOTHING in client_kwargs.values():  # 2.x's "not given": the default applies
            return self.get_client(service_name, **without_nothing(client_kwargs))
        return self._clients.get_or_build(
            key, lambda: self._build("client", service_name, client_kwargs)
        )

    @shown_without_catch_all
    def get_resource(
        self, service_name: str, *positional_2x: NoReturn, **resource_kwargs: Any
    ) -> ServiceResource:
        """Return a boto3 resource for ``service_name``, cached per full argument set."""
        key = client_key(service_name, resource_kwargs)
        if positional_2x:
            raise keyword_only_error(
                "get_resource", GET_CLIENT_2X_PARAMETERS, positional_2x, leading="service_name, "
            )
        try:
            return self._resources.values[key]
        except KeyError:
            if resource_kwargs and NOTHING in resource_kwargs.values():  # 2.x's "not given"
                return self.get_resource(service_name, **without_nothing(resource_kwargs))
            return self._resources.get_or_build(
                key, lambda: self._build("resource", service_name, resource_kwargs)
            )

    def _build(self, kind: str, service_name: str, kwargs: dict[str, Any]) -> Any:
        """A new client or resource, ``default_client_kwargs`` under ``kwargs``.

        The session's credentials are loaded first, under their own lock (a network call for
        some sources), so that the lock serialising client creation never covers one.
        """
        boto_ses, core = self._session_pair()
        merged = {**self.default_client_kwargs, **kwargs}
        if _signs_with_session_credentials(merged):
            self._session_credentials()
        make = boto_ses.client if kind == "client" else boto_ses.resource
        with creation_lock(core):
            return make(service_name, **merged)  # type: ignore[call-overload]

    def _session_credentials(self) -> Credentials | None:
        """The session's credentials, loaded once under their own lock (``None`` not kept)."""
        try:
            credentials: Credentials | None = self._facts.values[_CREDENTIALS]
        except KeyError:
            core = self._session_pair()[1]
            credentials = self._facts.get_or_build(_CREDENTIALS, core.get_credentials)
            if credentials is None:  # like botocore: look again next time
                self._facts.forget(_CREDENTIALS)
        return credentials

    def clear_cache(self) -> None:
        """Forget the session, clients, resources, credentials and identity (rebuilt on use)."""
        with self._session_lock:
            self._sessions = None
            self._clients.clear()
            self._resources.clear()
            self._facts.clear()
            # after emptying the cache get_client reads (see client_descriptor's docstring)
            forget_cached_clients(self)

    @property
    def _client_cache(self) -> Mapping[Hashable, Any]:
        """2.x's private name for the client cache, kept for code that read it: a read-only
        view of the clients cached now (keyed by service name, or by all the arguments)."""
        return MappingProxyType(self._clients.values)

    @property
    def _resource_cache(self) -> Mapping[Hashable, Any]:
        """2.x's private name for the resource cache: a read-only view, as ``_client_cache``."""
        return MappingProxyType(self._resources.values)

    # ------------------------------------------------------------------ credentials
    def get_credentials(self) -> Credentials:
        """The session's botocore credentials; raise a clear error when there are none."""
        credentials = self._session_credentials()
        if credentials is None:
            looked_in = (
                f"profile {self.profile_name!r}"
                if self.profile_name
                else "arguments, environment variables, shared config/credentials files, "
                "container and instance metadata"
            )
            raise NoCredentialsError(looked_in=looked_in)
        return credentials

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        """A consistent (access key, secret, token) triple, refreshed first when needed."""
        return self.get_credentials().get_frozen_credentials()

    @property
    def expiration_time(self) -> datetime | None:
        """When the current credentials expire; ``None`` for long-term keys.

        For an auto-refreshing manager this is the expiry of the credentials in use now
        (they are fetched or refreshed first when needed).
        """
        if self.credential_provider is not None:
            self.get_frozen_credentials()
            return self.credential_provider.latest_expiry
        return self._expiration_time

    def is_expired(self, delta: int | float = 0) -> bool:
        """Whether the credentials expire within ``delta`` seconds from now.

        Always ``False`` for a manager that refreshes its credentials itself (``auto_refresh``,
        web identity, GitHub OIDC): it renews them before they expire. Its
        :attr:`expiration_time` is still the current credentials' expiry.
        """
        if self.credential_provider is not None:
            return False
        expiry = self.expiration_time
        if expiry is None:
            return False
        return datetime.now(timezone.utc) + timedelta(seconds=delta) >= expiry

    # ------------------------------------------------------------------ identity
    def _caller_identity(self) -> CallerIdentity:
        try:
            identity: CallerIdentity = self._facts.values[_IDENTITY]
        except KeyError:
            identity = self._facts.get_or_build(
                _IDENTITY, lambda: get_caller_identity(self.get_client("sts"))
            )
        return identity

    @property
    def aws_account_user_id(self) -> str:
        """The caller's user id (``AIDA...``, or ``AROA...:session`` for a role)."""
        return self._caller_identity().user_id

    @property
    def aws_account_id(self) -> str:
        """The 12-digit account id of the caller."""
        return self._caller_identity().account_id

    @property
    def principal_arn(self) -> str:
        """The ARN of the calling principal (user, assumed role, root)."""
        return self._caller_identity().arn

    @property
    def aws_account_alias(self) -> str | None:
        """The account alias, or ``None`` when the account has none."""
        return self._account_alias()

    def _account_alias(self) -> str | None:
        try:
            alias: str | None = self._facts.values[_ALIAS]
        except KeyError:
            alias = self._facts.get_or_build(
                _ALIAS, lambda: get_account_alias(self.get_client("iam"))
            )
        return alias

    @property
    def masked_aws_account_user_id(self) -> str:
        """:attr:`aws_account_user_id` with most characters masked."""
        return mask_user_id(self.aws_account_user_id)

    @property
    def masked_aws_account_id(self) -> str:
        """:attr:`aws_account_id` with the middle digits masked."""
        return mask_aws_account_id(self.aws_account_id)

    @property
    def masked_principal_arn(self) -> str:
        """:attr:`principal_arn` with the account id masked."""
        return mask_iam_principal_arn(self.principal_arn)

    def who_am_i(self, *, masked: bool = True) -> dict[str, str | None]:
        """The identity facts as :meth:`print_who_am_i` prints them (masked by default).

        The alias is ``<not set>`` for an account without one, and ``<unavailable: CODE>``
        (the error code, e.g. ``AccessDenied``) when it cannot be read: a CI role rarely may
        call ``iam:ListAccountAliases``, and who it is does not depend on that.
        """
        if masked:
            user_id, account_id, arn = (
                self.masked_aws_account_user_id,
                self.masked_aws_account_id,
                self.masked_principal_arn,
            )
        else:
            user_id, account_id, arn = (
                self.aws_account_user_id,
                self.aws_account_id,
                self.principal_arn,
            )
        return {
            "User Id": user_id,
            "AWS Account Id": account_id,
            "Principal Arn": arn,
            "AWS Account Alias": self._alias_as_shown(),
            "AWS Region": self.aws_region,
        }

    def _alias_as_shown(self) -> str:
        """The alias, ``<not set>``, or ``<unavailable: CODE>`` when it cannot be read."""
        from botocore.exceptions import BotoCoreError, ClientError  # loaded: identity was read

        try:
            alias = self._account_alias()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code") or "Unknown"
            return f"<unavailable: {code}>"
        except BotoCoreError as error:  # e.g. no route to IAM from a private network
            return f"<unavailable: {type(error).__name__}>"
        return "<not set>" if alias is None else alias

    def print_who_am_i(self, masked: bool = True) -> None:
        """Print who this session is (masked by default); see :meth:`who_am_i`."""
        for name, value in self.who_am_i(masked=masked).items():
            print(f"{name} = {value}")
