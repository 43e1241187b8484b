"""``BotoSesManager``: one object per AWS identity, holding its session, clients and facts.

The class is a facade over three concerns, each in its own module:

- :mod:`~boto_session_manager.session`: the boto3 session, the cached clients and resources
  (:mod:`~boto_session_manager.client_cache`), the credentials and the identity facts;
- :mod:`~boto_session_manager.handoff`: credentials for other programs (``env``, ``awscli``,
  snapshots);
- :mod:`~boto_session_manager.credentials`: one builder per credential source. Each
  ``from_*`` constructor below asks one builder for a
  :class:`~boto_session_manager.credentials.SessionSetup` and passes it to ``__init__``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._moved import (
    ASSUME_ROLE_2X_PARAMETERS,
    BOTO_SES_MANAGER_2X_PARAMETERS,
    keyword_only_error,
    nothing_as_none,
    shown_without_catch_all,
    without_nothing,
)
from .client_cache import KeyedCache
from .clients import ClientMixin
from .credentials import DEFAULT_AUDIENCE, SessionSetup
from .handoff import HandOffMixin, os_environ_set_to, read_snapshot_file, snapshot_setup
from .identity import mask_access_key_id
from .session import SessionMixin

if TYPE_CHECKING:
    from typing import NoReturn

    import boto3.session
    import botocore.session
    from boto3.resources.base import ServiceResource

    from .credential_cache import CredentialCache
    from .credentials.refreshable import LazyRefreshableProvider
    from .credentials.web_identity import TokenLoader, WebIdentityExchange

__all__ = ["BotoSesManager"]


class BotoSesManager(HandOffMixin, SessionMixin, ClientMixin):
    """A boto3 session with cached clients and resources, identity facts and hand-off helpers.

    All arguments are optional; with none, boto3's default credential chain applies, and the
    region is ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the profile's.
    ``default_client_kwargs`` (for example ``{"endpoint_url": ...}``) are passed to every client
    and resource; arguments given to :meth:`get_client` win over them. The ``from_*``
    constructors pass ``credential_provider`` and ``web_identity_exchange`` for refreshing
    credentials. Arguments are keywords only (2.x took them by position).
    """

    @shown_without_catch_all
    def __init__(
        self,
        *positional_2x: NoReturn,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        region_name: str | None = None,
        profile_name: str | None = None,
        botocore_session: botocore.session.Session | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
        expiration_time: datetime | None = None,
        credential_provider: LazyRefreshableProvider | None = None,
        web_identity_exchange: WebIdentityExchange | None = None,
    ) -> None:
        if positional_2x:
            raise keyword_only_error(
                "BotoSesManager", BOTO_SES_MANAGER_2X_PARAMETERS, positional_2x
            )
        # nothing_as_none: 2.x code may pass its "not given" marker, sentinel.NOTHING
        self.aws_access_key_id = nothing_as_none(aws_access_key_id)
        self.aws_secret_access_key = nothing_as_none(aws_secret_access_key)
        self.aws_session_token = nothing_as_none(aws_session_token)
        self.region_name = nothing_as_none(region_name)
        self.profile_name = nothing_as_none(profile_name)
        self.botocore_session = nothing_as_none(botocore_session)
        self.default_client_kwargs: dict[str, Any] = dict(default_client_kwargs or {})
        #: The refreshing credential provider of a refreshing manager, else ``None``.
        self.credential_provider = credential_provider
        #: The token exchange of a web-identity manager, else ``None``.
        self.web_identity_exchange = web_identity_exchange
        self._expiration_time = nothing_as_none(expiration_time)
        self._session_lock = threading.Lock()
        self._sessions: tuple[boto3.session.Session, botocore.session.Session] | None = None
        self._clients: KeyedCache[Any] = KeyedCache()
        self._client_values = self._clients.values  # get_client's lock-free read, one lookup
        self._resources: KeyedCache[ServiceResource] = KeyedCache()
        self._facts: KeyedCache[Any] = KeyedCache()

    @classmethod
    def _from_setup(cls, setup: SessionSetup) -> BotoSesManager:
        return cls(**setup.as_kwargs())

    @contextlib.contextmanager
    def awscli(self) -> Iterator[BotoSesManager]:
        """Set this session's credentials in ``os.environ`` for the AWS CLI; restore on exit.

        The variables are those of :meth:`env`: a manager made from a profile exports
        ``AWS_PROFILE`` (so the CLI refreshes SSO or role credentials itself), any other its
        keys.
        """
        with os_environ_set_to(self.env()):
            yield self

    # ------------------------------------------------------------------ roles
    @shown_without_catch_all
    def assume_role(
        self,
        role_arn: str,
        *positional_2x: NoReturn,
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
        The options after ``role_arn`` are keywords only (2.x took them by position).
        """
        if positional_2x:
            raise keyword_only_error(
                "assume_role", ASSUME_ROLE_2X_PARAMETERS, positional_2x, leading="role_arn, "
            )
        options = {
            "role_session_name": role_session_name,
            "duration_seconds": duration_seconds,
            "tags": tags,
            "transitive_tag_keys": transitive_tag_keys,
            "external_id": external_id,
            "mfa_serial_number": mfa_serial_number,
            "mfa_token": mfa_token,
            "source_identity": source_identity,
            "policy": policy,
            "policy_arns": policy_arns,
            "region_name": region_name,
            "auto_refresh": auto_refresh,
        }
        from .credentials.assume_role import build_assume_role

        # without_nothing: where 2.x code passed sentinel.NOTHING, the default applies
        return self._from_setup(build_assume_role(self, role_arn, **without_nothing(options)))

    # ------------------------------------------------------------------ credential sources
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
        from .credentials.web_identity import build_web_identity

        return cls._from_setup(
            build_web_identity(
                role_arn,
                token_loader=token_loader,
                role_session_name=role_session_name,
                duration_seconds=duration_seconds,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
                time_fetcher=time_fetcher,
            )
        )

    @classmethod
    def from_github_oidc(
        cls,
        role_arn: str,
        *,
        audience: str = DEFAULT_AUDIENCE,
        role_session_name: str | None = None,
        duration_seconds: int = 3600,
        region_name: str | None = None,
        default_client_kwargs: Mapping[str, Any] | None = None,
        token_loader: TokenLoader | None = None,
        environ: Mapping[str, str] | None = None,
        time_fetcher: Callable[[], datetime] | None = None,
        credential_cache: bool | CredentialCache | None = None,
    ) -> BotoSesManager:
        """A manager for ``role_arn`` with ephemeral credentials from GitHub Actions OIDC.

        Each (re)fresh asks the runner's token endpoint for a new ID token and exchanges it
        with ``sts:AssumeRoleWithWebIdentity``. The job needs ``permissions: id-token: write``;
        without it this raises :class:`GitHubOidcNotAvailableError` before any network call.
        ``credential_cache=True`` (or ``BSM_CREDENTIAL_CACHE=1`` in ``environ``) shares the
        credentials with the job's other processes through a cache on disk (off by default).
        """
        from .credential_cache import resolve_credential_cache
        from .credentials.github_token import GitHubOidcTokenLoader
        from .credentials.web_identity import build_web_identity

        loader = token_loader or GitHubOidcTokenLoader.from_environ(environ, audience=audience)
        return cls._from_setup(
            build_web_identity(
                role_arn,
                token_loader=loader,
                role_session_name=role_session_name,
                duration_seconds=duration_seconds,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
                time_fetcher=time_fetcher,
                environ=environ,
                credential_cache=resolve_credential_cache(credential_cache, environ),
            )
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
        honoured; arguments win over the file, and the file's region over the environment's.
        """
        from .credentials.dotenv_file import build_dotenv

        return cls._from_setup(
            build_dotenv(
                path,
                access_key_id_var=access_key_id_var,
                secret_access_key_var=secret_access_key_var,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
            )
        )

    @classmethod
    def from_environment(
        cls,
        *,
        role_arn: str | None = None,
        dotenv_path: str | os.PathLike[str] = ".env",
        source: str | None = None,
        region_name: str | None = None,
        audience: str = DEFAULT_AUDIENCE,
        duration_seconds: int = 3600,
        default_client_kwargs: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        credential_cache: bool | CredentialCache | None = None,
    ) -> BotoSesManager:
        """The right manager for where the code runs: OIDC in GitHub Actions, ``.env`` locally.

        An explicit ``source`` (or ``BSM_CREDENTIAL_SOURCE``: ``github-oidc``, ``dotenv``,
        ``default``) always wins. The OIDC role ARN comes from ``role_arn`` or ``AWS_ROLE_ARN``.
        ``environ`` (default ``os.environ``) is where the variables are read.
        ``credential_cache`` is :meth:`from_github_oidc`'s, for the OIDC source only.
        """
        from .credentials.default_chain import build_default_chain
        from .credentials.dotenv_file import build_dotenv
        from .credentials.selection import (
            CredentialSource,
            oidc_role_arn,
            select_credential_source,
        )

        env = os.environ if environ is None else environ
        chosen = select_credential_source(source=source, dotenv_path=dotenv_path, environ=env)
        if chosen.source is CredentialSource.GITHUB_OIDC:
            return cls.from_github_oidc(
                oidc_role_arn(role_arn, env),
                audience=audience,
                duration_seconds=duration_seconds,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
                environ=env,
                credential_cache=credential_cache,
            )
        if chosen.source is CredentialSource.DOTENV:
            setup = build_dotenv(
                dotenv_path,
                region_name=region_name,
                default_client_kwargs=default_client_kwargs,
                environ=env,
            )
        else:
            setup = build_default_chain(
                region_name=region_name, default_client_kwargs=default_client_kwargs, environ=env
            )
        return cls._from_setup(setup)

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> BotoSesManager:
        """A manager from a dict made by :meth:`to_snapshot`."""
        return cls._from_setup(snapshot_setup(snapshot))

    @classmethod
    def from_snapshot_file(cls, path: str | os.PathLike[str] | None = None) -> BotoSesManager:
        """A manager from a JSON file written by :meth:`temp_snapshot`.

        Without ``path`` (2.x's child-process pattern): the file that ``BSM_SNAPSHOT_FILE``
        names, which :meth:`temp_snapshot` sets while its block runs, else 2.x's location
        ``~/.bsm-snapshot.json`` (``boto_session_manager.paths.PATH_DEFAULT_SNAPSHOT``).
        A missing file raises :class:`SnapshotFileNotFoundError`, a :class:`FileNotFoundError`
        that says where it looked.
        """
        return cls.from_snapshot(read_snapshot_file(path))

    # ------------------------------------------------------------------ repr
    def __repr__(self) -> str:
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
