"""``BotoSesManager``: one object per AWS identity, holding its session, clients and facts."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .clients import ClientMixin
from .exceptions import NoCredentialsError
from .validation import (
    validate_duration_seconds,
    validate_role_arn,
    validate_role_session_name,
)

if TYPE_CHECKING:
    from pathlib import Path

    import boto3.session
    import botocore.session
    from boto3.resources.base import ServiceResource
    from botocore.credentials import Credentials, ReadOnlyCredentials

    from .credentials.refreshable import LazyRefreshableProvider
    from .credentials.web_identity import TokenLoader, WebIdentityExchange
    from .identity import CallerIdentity

__all__ = ["BotoSesManager"]

#: Variables that would shadow or contradict handed-off credentials: removed first.
_CREDENTIAL_ENV_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)
#: Everything ``awscli()`` may set, saved and restored around the block.
_HANDOFF_ENV_VARS = (*_CREDENTIAL_ENV_VARS, "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")

_UNSET: Any = object()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a client argument (dicts and lists become tuples)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return ("__id__", id(value))
    return value


class BotoSesManager(ClientMixin):
    """A boto3 session with cached clients and resources, identity facts and hand-off helpers.

    All arguments are optional; with none, boto3's default credential chain and region apply.
    ``default_client_kwargs`` (for example ``{"endpoint_url": ...}``) are passed to every client
    and resource; arguments given to :meth:`get_client` win over them.
    """

    def __init__(
        self,
        *,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        region_name: str | None = None,
        profile_name: str | None = None,
        botocore_session: botocore.session.Session | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
        expiration_time: datetime | None = None,
    ) -> None:
        self.aws_access_key_id = aws_access_key_id
        self.aws_secret_access_key = aws_secret_access_key
        self.aws_session_token = aws_session_token
        self.region_name = region_name
        self.profile_name = profile_name
        self.botocore_session = botocore_session
        self.default_client_kwargs: dict[str, Any] = dict(default_client_kwargs or {})
        self._expiration_time = expiration_time
        self._lock = threading.RLock()
        self._boto_ses: boto3.session.Session | None = None
        self._botocore_ses: botocore.session.Session
        self._default_clients: dict[str, Any] = {}
        self._clients: dict[Any, Any] = {}
        self._resources: dict[Any, Any] = {}
        self._identity: CallerIdentity | None = None
        self._account_alias: Any = _UNSET
        #: The token exchange of a web-identity manager (counts STS calls), else ``None``.
        self.web_identity_exchange: WebIdentityExchange | None = None
        #: The refreshing credential provider (counts fetches) of a refreshing manager.
        self.credential_provider: LazyRefreshableProvider | None = None

    # ------------------------------------------------------------------ session
    def create_boto_ses(self) -> boto3.session.Session:
        """Create a new boto3 session from this manager's arguments (not cached).

        The botocore session under it is :attr:`botocore_session` when one was given, else a
        new one, kept as :attr:`boto_ses_botocore_session` so nothing private is reached for.
        """
        import boto3.session
        import botocore.session

        core = self.botocore_session or botocore.session.Session()
        kwargs: dict[str, Any] = {
            "aws_access_key_id": self.aws_access_key_id,
            "aws_secret_access_key": self.aws_secret_access_key,
            "aws_session_token": self.aws_session_token,
            "region_name": self.region_name,
            "profile_name": self.profile_name,
        }
        ses = boto3.session.Session(
            botocore_session=core, **{k: v for k, v in kwargs.items() if v is not None}
        )
        self._botocore_ses = core
        return ses

    @property
    def boto_ses_botocore_session(self) -> botocore.session.Session:
        """The botocore session under :attr:`boto_ses`."""
        self.boto_ses  # noqa: B018 - creates the session (and its botocore session) once
        return self._botocore_ses

    @property
    def boto_ses(self) -> boto3.session.Session:
        """The boto3 session, created on first use and then reused."""
        ses = self._boto_ses
        if ses is None:
            with self._lock:
                ses = self._boto_ses
                if ses is None:
                    ses = self._boto_ses = self.create_boto_ses()
        return ses

    # ------------------------------------------------------------------ clients
    def _merged_kwargs(self, client_kwargs: dict[str, Any]) -> dict[str, Any]:
        merged = dict(self.default_client_kwargs)
        merged.update(client_kwargs)
        return merged

    def get_client(self, service_name: str, /, **client_kwargs: Any) -> Any:
        """Return a client for ``service_name``, cached per full argument set.

        Arguments are those of ``boto3.session.Session.client`` (``region_name``,
        ``endpoint_url``, ``config``...). Asking for ``s3`` in two regions gives two clients;
        many threads asking at once for the same uncached client get one object, built once.
        """
        if not client_kwargs:
            client = self._default_clients.get(service_name)
            if client is not None:
                return client
        key = (service_name, _freeze(client_kwargs))
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                kwargs = self._merged_kwargs(client_kwargs)
                client = self.boto_ses.client(service_name, **kwargs)  # type: ignore[call-overload]
                self._clients[key] = client
            if not client_kwargs:
                self._default_clients[service_name] = client
        return client

    def get_resource(self, service_name: str, /, **resource_kwargs: Any) -> ServiceResource:
        """Return a boto3 resource for ``service_name``, cached per full argument set."""
        key = (service_name, _freeze(resource_kwargs))
        resource = self._resources.get(key)
        if resource is not None:
            return resource  # type: ignore[no-any-return]
        with self._lock:
            resource = self._resources.get(key)
            if resource is None:
                kwargs = self._merged_kwargs(resource_kwargs)
                resource = self.boto_ses.resource(service_name, **kwargs)  # type: ignore[call-overload]
                self._resources[key] = resource
        return resource  # type: ignore[no-any-return]

    def clear_cache(self) -> None:
        """Forget the session, clients, resources and identity facts (rebuilt on next use)."""
        from .client_descriptor import forget_cached_clients

        with self._lock:
            self._boto_ses = None
            self._default_clients.clear()
            self._clients.clear()
            self._resources.clear()
            self._identity = None
            self._account_alias = _UNSET
            # after emptying the cache get_client reads (see client_descriptor's docstring)
            forget_cached_clients(self)

    # ------------------------------------------------------------------ identity
    def _caller_identity(self) -> CallerIdentity:
        identity = self._identity
        if identity is None:
            from .identity import get_caller_identity

            with self._lock:
                identity = self._identity
                if identity is None:
                    identity = self._identity = get_caller_identity(self.get_client("sts"))
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
    def aws_region(self) -> str | None:
        """The session's region."""
        return self.boto_ses.region_name

    @property
    def aws_account_alias(self) -> str | None:
        """The account alias, or ``None`` when the account has none."""
        if self._account_alias is _UNSET:
            from .identity import get_account_alias

            with self._lock:
                if self._account_alias is _UNSET:
                    self._account_alias = get_account_alias(self.get_client("iam"))
        alias: str | None = self._account_alias
        return alias

    @property
    def masked_aws_account_user_id(self) -> str:
        """:attr:`aws_account_user_id` with most characters masked."""
        from .identity import mask_user_id

        return mask_user_id(self.aws_account_user_id)

    @property
    def masked_aws_account_id(self) -> str:
        """:attr:`aws_account_id` with the middle digits masked."""
        from .identity import mask_aws_account_id

        return mask_aws_account_id(self.aws_account_id)

    @property
    def masked_principal_arn(self) -> str:
        """:attr:`principal_arn` with the account id masked."""
        from .identity import mask_iam_principal_arn

        return mask_iam_principal_arn(self.principal_arn)

    def who_am_i(self, *, masked: bool = True) -> dict[str, str | None]:
        """The identity facts as a dict (masked by default)."""
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
            "AWS Account Alias": self.aws_account_alias,
            "AWS Region": self.aws_region,
        }

    def print_who_am_i(self, masked: bool = True) -> None:
        """Print who this session is (masked by default)."""
        for name, value in self.who_am_i(masked=masked).items():
            print(f"{name} = {value}")

    # ------------------------------------------------------------------ credentials
    def get_credentials(self) -> Credentials:
        """The session's botocore credentials; raise a clear error when there are none."""
        credentials = self.boto_ses.get_credentials()
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
        """Whether the credentials expire within ``delta`` seconds from now."""
        expiry = self.expiration_time
        if expiry is None:
            return False
        return _utcnow() + timedelta(seconds=delta) >= expiry

    # ------------------------------------------------------------------ assume role
    def assume_role(
        self,
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
    ) -> BotoSesManager:
        """Assume ``role_arn`` and return a new manager for it.

        With ``auto_refresh=True`` the new manager's credentials are refreshed ahead of expiry
        by botocore's refreshable-credentials machinery; ``mfa_token`` may then be a callable
        asked for a fresh code at each refresh. Inputs are checked before any network call.
        """
        validate_role_arn(role_arn)
        validate_duration_seconds(duration_seconds)
        if mfa_serial_number is not None and mfa_token is None:
            from .exceptions import MissingMfaTokenError

            raise MissingMfaTokenError(serial=mfa_serial_number)
        if role_session_name is None:
            import uuid

            role_session_name = f"bsm-{uuid.uuid4().hex}"
        validate_role_session_name(role_session_name)
        if region_name is None:
            region_name = self.aws_region

        import json

        extra_args: dict[str, Any] = {
            "RoleSessionName": role_session_name,
            "DurationSeconds": duration_seconds,
        }
        optional: dict[str, Any] = {
            "Tags": tags,
            "TransitiveTagKeys": transitive_tag_keys,
            "ExternalId": external_id,
            "SerialNumber": mfa_serial_number,
            "SourceIdentity": source_identity,
            "Policy": policy if isinstance(policy, str) or policy is None else json.dumps(policy),
            "PolicyArns": [{"arn": arn} for arn in policy_arns] if policy_arns else None,
        }
        extra_args.update({k: v for k, v in optional.items() if v is not None})

        if auto_refresh:
            from .credentials.assume_role import refreshable_assume_role_session

            botocore_session, provider = refreshable_assume_role_session(
                source_credentials=self.get_credentials(),
                client_creator=self._sts_client_creator(),
                role_arn=role_arn,
                extra_args=extra_args,
                mfa_token=mfa_token,
                region_name=region_name,
            )
            manager = self.__class__(
                botocore_session=botocore_session,
                region_name=region_name,
                default_client_kwargs=self.default_client_kwargs,
            )
            manager.credential_provider = provider
            return manager

        if mfa_serial_number is not None and mfa_token is not None:
            extra_args["TokenCode"] = mfa_token() if callable(mfa_token) else mfa_token
        response = self.get_client("sts").assume_role(RoleArn=role_arn, **extra_args)
        creds = response["Credentials"]
        return self.__class__(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region_name,
            expiration_time=creds["Expiration"],
            default_client_kwargs=self.default_client_kwargs,
        )

    def _sts_client_creator(self) -> Callable[..., Any]:
        """A ``client_creator`` for botocore's fetchers that keeps this manager's client kwargs."""
        botocore_session = self.boto_ses_botocore_session
        defaults = {k: v for k, v in self.default_client_kwargs.items() if k != "config"}

        def create_client(service_name: str, **kwargs: Any) -> Any:
            merged = {**defaults, **kwargs}
            return botocore_session.create_client(service_name, **merged)

        return create_client

    # ------------------------------------------------------------------ credential paths
    @classmethod
    def from_web_identity(
        cls,
        role_arn: str,
        *,
        token_loader: TokenLoader,
        role_session_name: str | None = None,
        duration_seconds: int = 3600,
        region_name: str | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
        time_fetcher: Callable[[], datetime] | None = None,
    ) -> BotoSesManager:
        """A manager for ``role_arn`` through ``sts:AssumeRoleWithWebIdentity``.

        ``token_loader`` returns a fresh JWT each time it is called; every refresh asks it
        again. Nothing is fetched until the credentials are first needed.
        """
        from .credentials.refreshable import LazyRefreshableProvider, refreshing_session
        from .credentials.web_identity import (
            WebIdentityExchange,
            default_role_session_name,
            unsigned_client_creator,
        )

        validate_role_arn(role_arn)
        validate_duration_seconds(duration_seconds)
        if role_session_name is None:
            role_session_name = default_role_session_name()
        validate_role_session_name(role_session_name)

        client_kwargs = dict(default_client_kwargs or {})
        defaults = {k: v for k, v in client_kwargs.items() if k != "config"}
        if region_name:
            defaults["region_name"] = region_name
        exchange = WebIdentityExchange(
            role_arn=role_arn,
            token_loader=token_loader,
            client_creator=unsigned_client_creator(defaults),
            role_session_name=role_session_name,
            duration_seconds=duration_seconds,
        )
        provider = LazyRefreshableProvider(
            exchange,
            method="assume-role-with-web-identity",
            duration_seconds=duration_seconds,
            time_fetcher=time_fetcher,
        )
        manager = cls(
            botocore_session=refreshing_session(provider, region_name=region_name),
            region_name=region_name,
            default_client_kwargs=client_kwargs,
        )
        manager.credential_provider = provider
        manager.web_identity_exchange = exchange
        return manager

    @classmethod
    def from_github_oidc(
        cls,
        role_arn: str,
        *,
        audience: str = "sts.amazonaws.com",
        role_session_name: str | None = None,
        duration_seconds: int = 3600,
        region_name: str | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
        token_loader: TokenLoader | None = None,
        environ: Mapping[str, str] | None = None,
        time_fetcher: Callable[[], datetime] | None = None,
    ) -> BotoSesManager:
        """A manager for ``role_arn`` with ephemeral credentials from GitHub Actions OIDC.

        Each (re)fresh asks the runner's token endpoint for a new ID token and exchanges it
        with ``sts:AssumeRoleWithWebIdentity``. The job needs ``permissions: id-token: write``;
        without it this raises :class:`GitHubOidcNotAvailableError` before any network call.
        """
        from .credentials.github_token import GitHubOidcTokenLoader
        from .credentials.web_identity import default_role_session_name

        loader = token_loader or GitHubOidcTokenLoader.from_environ(environ, audience=audience)
        return cls.from_web_identity(
            role_arn,
            token_loader=loader,
            role_session_name=role_session_name or default_role_session_name(environ),
            duration_seconds=duration_seconds,
            region_name=region_name,
            default_client_kwargs=default_client_kwargs,
            time_fetcher=time_fetcher,
        )

    @classmethod
    def from_dotenv(
        cls,
        path: str | os.PathLike[str] = ".env",
        *,
        access_key_id_var: str = "AWS_ACCESS_KEY_ID",
        secret_access_key_var: str = "AWS_SECRET_ACCESS_KEY",  # noqa: S107 - a variable name
        region_name: str | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
    ) -> BotoSesManager:
        """A manager from the access key in a ``.env`` file (``os.environ`` is not changed).

        ``AWS_ENDPOINT_URL``, ``AWS_CA_BUNDLE`` and ``AWS_REGION`` in the same file are
        honoured; arguments win over the file.
        """
        from .credentials.dotenv_file import read_dotenv_credentials

        found = read_dotenv_credentials(
            path, access_key_id_var=access_key_id_var, secret_access_key_var=secret_access_key_var
        )
        client_kwargs: dict[str, Any] = {}
        if found.endpoint_url:
            client_kwargs["endpoint_url"] = found.endpoint_url
        if found.ca_bundle:
            client_kwargs["verify"] = found.ca_bundle
        client_kwargs.update(default_client_kwargs or {})
        return cls(
            aws_access_key_id=found.access_key_id,
            aws_secret_access_key=found.secret_access_key,
            aws_session_token=found.session_token,
            region_name=region_name or found.region_name,
            default_client_kwargs=client_kwargs,
        )

    @classmethod
    def from_environment(
        cls,
        *,
        role_arn: str | None = None,
        dotenv_path: str | os.PathLike[str] = ".env",
        source: str | None = None,
        region_name: str | None = None,
        audience: str = "sts.amazonaws.com",
        duration_seconds: int = 3600,
        default_client_kwargs: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> BotoSesManager:
        """The right manager for where the code runs: OIDC in GitHub Actions, ``.env`` locally.

        An explicit ``source`` (or ``BSM_CREDENTIAL_SOURCE``: ``github-oidc``, ``dotenv``,
        ``default``) always wins. The OIDC role ARN comes from ``role_arn`` or ``AWS_ROLE_ARN``.
        """
        from .credentials.selection import (
            ROLE_ARN_VAR,
            CredentialSource,
            select_credential_source,
        )
        from .exceptions import MissingRoleArnError

        env = os.environ if environ is None else environ
        selection = select_credential_source(source=source, dotenv_path=dotenv_path, environ=env)
        if selection.source is CredentialSource.GITHUB_OIDC:
            arn = role_arn or env.get(ROLE_ARN_VAR)
            if not arn:
                raise MissingRoleArnError(variable=ROLE_ARN_VAR)
            return cls.from_github_oidc(
                arn,
                audience=audience,
                duration_seconds=duration_seconds,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
                environ=env,
            )
        if selection.source is CredentialSource.DOTENV:
            return cls.from_dotenv(
                dotenv_path, region_name=region_name, default_client_kwargs=default_client_kwargs
            )
        return cls(region_name=region_name, default_client_kwargs=default_client_kwargs)

    # ------------------------------------------------------------------ hand-off
    def env(self, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment variables (``base``, default ``os.environ``) with these credentials.

        For ``subprocess.run(..., env=bsm.env())``; the process environment is not changed.
        """
        environ = dict(os.environ if base is None else base)
        for name in _CREDENTIAL_ENV_VARS:
            environ.pop(name, None)
        creds = self.get_frozen_credentials()
        if not creds.access_key or not creds.secret_key:
            raise NoCredentialsError(looked_in="the session's credentials (they are incomplete)")
        environ["AWS_ACCESS_KEY_ID"] = creds.access_key
        environ["AWS_SECRET_ACCESS_KEY"] = creds.secret_key
        if creds.token:
            environ["AWS_SESSION_TOKEN"] = creds.token
        region = self.aws_region
        if region:
            environ["AWS_REGION"] = environ["AWS_DEFAULT_REGION"] = region
        endpoint_url = self.default_client_kwargs.get("endpoint_url")
        if endpoint_url:
            environ["AWS_ENDPOINT_URL"] = str(endpoint_url)
        ca_bundle = self.default_client_kwargs.get("verify")
        if isinstance(ca_bundle, str):
            environ["AWS_CA_BUNDLE"] = ca_bundle
        return environ

    @contextlib.contextmanager
    def awscli(self) -> Iterator[BotoSesManager]:
        """Set this session's credentials in ``os.environ`` for the AWS CLI; restore on exit."""
        new_env = self.env()
        saved = {name: os.environ.get(name) for name in _HANDOFF_ENV_VARS}
        try:
            for name in _HANDOFF_ENV_VARS:
                if name in new_env:
                    os.environ[name] = new_env[name]
                else:
                    os.environ.pop(name, None)
            yield self
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # ------------------------------------------------------------------ snapshots
    def to_snapshot(self) -> dict[str, Any]:
        """The current credentials, region and expiry as a JSON-able dict (holds secrets)."""
        creds = self.get_frozen_credentials()
        expiry = self.expiration_time
        snapshot: dict[str, Any] = {
            "aws_access_key_id": creds.access_key,
            "aws_secret_access_key": creds.secret_key,
            "aws_session_token": creds.token,
            "region_name": self.aws_region,
            "expiration_time": expiry.isoformat() if expiry else None,
        }
        if self.default_client_kwargs.get("endpoint_url"):
            snapshot["endpoint_url"] = str(self.default_client_kwargs["endpoint_url"])
        if isinstance(self.default_client_kwargs.get("verify"), str):
            snapshot["ca_bundle"] = self.default_client_kwargs["verify"]
        return snapshot

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> BotoSesManager:
        """A manager from a dict made by :meth:`to_snapshot`."""
        expiry = snapshot.get("expiration_time")
        client_kwargs = {
            name: snapshot[key]
            for name, key in (("endpoint_url", "endpoint_url"), ("verify", "ca_bundle"))
            if snapshot.get(key)
        }
        return cls(
            aws_access_key_id=snapshot["aws_access_key_id"],
            aws_secret_access_key=snapshot["aws_secret_access_key"],
            aws_session_token=snapshot.get("aws_session_token"),
            region_name=snapshot.get("region_name"),
            expiration_time=datetime.fromisoformat(expiry) if expiry else None,
            default_client_kwargs=client_kwargs,
        )

    @classmethod
    def from_snapshot_file(cls, path: str | os.PathLike[str]) -> BotoSesManager:
        """A manager from a JSON file written by :meth:`temp_snapshot`."""
        import json
        from pathlib import Path

        return cls.from_snapshot(json.loads(Path(path).read_text(encoding="utf-8")))

    @contextlib.contextmanager
    def temp_snapshot(self, path: str | os.PathLike[str] | None = None) -> Iterator[Path]:
        """Write a snapshot file (atomic, mode 0600), yield its path, remove it on exit.

        The default path is unique to each use, so nested or concurrent uses never clobber
        each other.
        """
        import json
        import tempfile
        from pathlib import Path

        from .files import write_secure_file

        tmp_dir: str | None = None
        if path is None:
            tmp_dir = tempfile.mkdtemp(prefix="bsm-snapshot-")
            target = Path(tmp_dir, "snapshot.json")
        else:
            target = Path(path)
        try:
            write_secure_file(target, json.dumps(self.to_snapshot()))
            yield target
        finally:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            if tmp_dir is not None:
                with contextlib.suppress(OSError):
                    os.rmdir(tmp_dir)

    # ------------------------------------------------------------------ repr
    def __repr__(self) -> str:
        from .identity import mask_access_key_id

        provider = self.credential_provider
        expiry = provider.latest_expiry if provider is not None else self._expiration_time
        parts = [
            f"region_name={self.region_name!r}",
            f"profile_name={self.profile_name!r}",
            f"expiration_time={expiry.isoformat() if expiry else None!r}",
            f"aws_access_key_id={mask_access_key_id(self.aws_access_key_id)!r}",
        ]
        if provider is not None:
            parts.append("auto_refresh=True")
        return f"{type(self).__name__}({', '.join(parts)})"


from ._moved import manager_getattr as __getattr__  # noqa: E402,F401 - 2.x's names
