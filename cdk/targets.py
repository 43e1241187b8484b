"""Where deploy and destroy act: the local emulator or an AWS account, behind one protocol.

A :class:`DeployTarget` opens an :class:`Account` (a boto3 session, the account id, the
region, and what the CDK CLI needs to reach it), says whether the stack may create the GitHub
OIDC provider itself, and cleans up what it started. ``deploy.py`` reads top to bottom on it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from . import settings
from .errors import DeployError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_sts import STSClient

    from boto_session_manager.testing.local_aws import LocalAws

__all__ = ["Account", "AwsAccountTarget", "DeployTarget", "LocalEmulatorTarget"]

#: Written in the emulator's state folder: the provider deploy made (so destroy removes it).
DEPLOY_STATE_FILE = "deploy.json"
_KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")

Log = Callable[[str], None]


@dataclass(frozen=True)
class Account:
    """One endpoint and account, opened by a target."""

    session: boto3.Session
    account_id: str
    region: str
    #: For messages: "the emulator at https://127.0.0.1:PORT (pid N)", "account N (region)".
    where: str
    #: The environment the CDK CLI runs with, and its extra arguments (``--profile``).
    cdk_env: Mapping[str, str] = field(repr=False)
    cdk_args: tuple[str, ...] = ()
    profile: str | None = None
    endpoint_url: str | None = None
    ca_bundle: Path | None = None

    def client_kwargs(self) -> dict[str, Any]:
        """Client arguments: region, and the endpoint and CA bundle of an emulator."""
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.endpoint_url:
            kwargs["endpoint_url"] = self.endpoint_url
        if self.ca_bundle is not None:
            kwargs["verify"] = str(self.ca_bundle)
        return kwargs

    def client(self, service: Any) -> Any:
        """An admin client of ``service`` in this account."""
        return self.session.client(service, **self.client_kwargs())

    def key_sts(self, access_key_id: str, secret_access_key: str) -> STSClient:
        """STS for a key pair, with this account's endpoint (and profile settings: CA, ...)."""
        import boto3

        session = boto3.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=self.region,
            profile_name=self.profile,
        )
        return session.client("sts", **self.client_kwargs())

    def dotenv_extra(self) -> dict[str, str]:
        """What ``.env`` holds beside the key: the region, and an emulator's endpoint and CA."""
        extra = {settings.DOTENV_REGION_VAR: self.region}
        if self.endpoint_url:
            extra[settings.DOTENV_ENDPOINT_URL_VAR] = self.endpoint_url
        if self.ca_bundle is not None:
            extra[settings.DOTENV_CA_BUNDLE_VAR] = str(self.ca_bundle.resolve())
        return extra


class DeployTarget(Protocol):
    """Where the stack goes."""

    #: ``local`` or ``aws``.
    name: ClassVar[str]
    #: Whether the stack creates the provider itself (the emulator's CloudFormation cannot).
    stack_creates_provider: ClassVar[bool]
    #: What to run when a deploy stopped half-way.
    cleanup_hint: ClassVar[str]

    def open(self, *, start: bool, log: Log) -> Account | None:
        """The account to act on; with ``start`` False, ``None`` when there is nothing."""

    def created_provider(self) -> str | None:
        """The provider a deploy made through the IAM API (destroy removes it)."""

    def remember_created_provider(self, arn: str | None) -> None:
        """Record (or forget, with ``None``) the provider a deploy made."""

    def close(self, *, log: Log) -> bool:
        """After destroy: stop what deploy started; whether something was stopped."""


@dataclass
class LocalEmulatorTarget:
    """The local emulator: a given one, or the one in ``state_dir`` (started when missing).

    A given emulator (a test fixture's) is never stopped here; one found or started in
    ``state_dir`` is stopped by :meth:`close`, its TLS material with it.
    """

    state_dir: Path = Path(settings.LOCAL_AWS_STATE_DIR)
    emulator: LocalAws | None = None
    name: ClassVar[str] = "local"
    stack_creates_provider: ClassVar[bool] = False
    cleanup_hint: ClassVar[str] = "`nox -s destroy` removes it and stops the emulator"
    _owned: LocalAws | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.emulator is not None and self.emulator.state_dir is not None:
            self.state_dir = self.emulator.state_dir

    def _find_or_start(self, *, start: bool, log: Log) -> LocalAws | None:
        from boto_session_manager.testing.local_aws import find_local_aws, start_local_aws

        running = find_local_aws(self.state_dir)
        if running is not None:
            log(f"reusing the local AWS emulator at {running.endpoint_url} (pid {running.pid})")
            return running
        if not start:
            return None
        started = time.monotonic()
        emulator = start_local_aws(tls=True, state_dir=self.state_dir, detach=True)
        log(
            f"started the local AWS emulator at {emulator.endpoint_url} (pid {emulator.pid}, "
            f"state in {self.state_dir}) in {time.monotonic() - started:.1f} s"
        )
        return emulator

    def open(self, *, start: bool, log: Log) -> Account | None:
        """The given emulator, or the one in ``state_dir``."""
        emulator = self.emulator
        if emulator is None:
            emulator = self._owned = self._find_or_start(start=start, log=log)
            if emulator is None:
                return None
        if emulator.ca_bundle is None:
            raise DeployError(
                "the CDK CLI needs the emulator over HTTPS (the bootstrap bucket denies plain "
                "HTTP): start it with start_local_aws(tls=True)"
            )
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return Account(
            session=emulator.boto3_session(),
            account_id=emulator.account_id,
            region=emulator.region,
            where=f"the emulator at {emulator.endpoint_url} (pid {emulator.pid})",
            cdk_env={**base, **emulator.client_env()},
            endpoint_url=emulator.endpoint_url,
            ca_bundle=emulator.ca_bundle,
        )

    def _state(self) -> dict[str, Any]:
        try:
            value = json.loads((self.state_dir / DEPLOY_STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def created_provider(self) -> str | None:
        """The provider the last deploy made through the IAM API."""
        arn = self._state().get("created_oidc_provider_arn")
        return str(arn) if arn else None

    def remember_created_provider(self, arn: str | None) -> None:
        """Keep the provider's ARN in the state folder (or forget it)."""
        path = self.state_dir / DEPLOY_STATE_FILE
        if arn is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(json.dumps({**self._state(), "created_oidc_provider_arn": arn}) + "\n")

    def close(self, *, log: Log) -> bool:
        """Stop the emulator found or started in ``state_dir`` (never a given one)."""
        if self._owned is None:
            return False
        self._owned.stop()
        log(f"stopped the local AWS emulator (pid {self._owned.pid})")
        for name in ("ca.pem", "server.pem", "server.key"):  # its TLS material dies with it
            (self.state_dir / name).unlink(missing_ok=True)
        self._owned = None
        return True


@dataclass
class AwsAccountTarget:
    """The AWS account of a named profile (``AWS_PROFILE_FOR_CDK``)."""

    profile: str
    name: ClassVar[str] = "aws"
    stack_creates_provider: ClassVar[bool] = True
    cleanup_hint: ClassVar[str] = "`nox -s destroy -- aws` removes it"

    def open(self, *, start: bool, log: Log) -> Account:
        """A session of the profile that works (checked with ``sts:GetCallerIdentity``)."""
        import boto3
        import botocore.exceptions

        profile, var = self.profile, settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK
        fix = f"`aws sso login --profile {profile}` or `aws configure --profile {profile}`"
        try:
            session = boto3.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            raise DeployError(
                f"AWS profile {profile!r} (from {var}) is not configured: run "
                f"`aws configure --profile {profile}` or `aws sso login --profile {profile}`, or "
                f"set {var} to a profile in ~/.aws/config"
            ) from None
        region = session.region_name or settings.AWS_REGION
        try:
            identity = session.client("sts", region_name=region).get_caller_identity()
        except botocore.exceptions.BotoCoreError as error:
            raise DeployError(
                f"AWS profile {profile!r} (from {var}) cannot be used ({type(error).__name__}): "
                f"refresh its credentials ({fix})"
            ) from None
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "ClientError")
            raise DeployError(
                f"AWS profile {profile!r} (from {var}) was refused by STS ({code}): refresh or "
                "replace its credentials"
            ) from None
        account = identity["Account"]
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in _KEY_VARS and not k.startswith("AWS_ENDPOINT_URL")
        }
        region_env = {"AWS_PROFILE": profile, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
        return Account(
            session=session,
            account_id=account,
            region=region,
            where=f"account {account} ({region}, profile {profile!r})",
            cdk_env={**base, **region_env},
            cdk_args=("--profile", profile),
            profile=profile,
        )

    def created_provider(self) -> str | None:
        """None: on AWS the stack itself creates the provider when the account has none."""
        return None

    def remember_created_provider(self, arn: str | None) -> None:
        """Nothing to remember (see :meth:`created_provider`)."""

    def close(self, *, log: Log) -> bool:
        """Nothing was started."""
        return False
