"""Deploy and destroy the project stack, on real AWS or on the local emulator.

``python -m cdk.deploy {synth,deploy,destroy} [aws|local]`` is what ``nox -s synth|deploy|destroy``
run; :func:`deploy_local` / :func:`destroy_local` are importable, so a test fixture can stand
the stack up in a fresh emulator and tear it down.

``deploy``: the CDK CLI (pinned in ``cdk/package-lock.json``, installed with ``npm ci``)
deploys the stack; the account's GitHub OIDC provider is imported when one exists (one per
URL per account) and created by the stack otherwise; then the test user gets a fresh access
key in ``.env``. Locally, ministack runs in the background over HTTPS with a local CA (the
CDK bootstrap bucket refuses plain HTTP), its state under ``.local-aws/``; the OIDC provider
is made through the IAM API (the emulator's CloudFormation lacks that type) and imported.
On AWS, with ``GITHUB_TOKEN`` set, the CI role ARN is stored as the repository variable
``AWS_ROLE_ARN``.

``destroy``: deletes the access keys and ``.env``, deletes the stack (a provider the stack
only imported is left alone), and locally stops the emulator by its pid.

Both are idempotent. Failures raise :class:`DeployError`, one line naming the fix.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boto_session_manager.tests import settings

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient

    from boto_session_manager.testing.local_aws import LocalAws

__all__ = [
    "DeployError",
    "DeployResult",
    "DestroyResult",
    "choose_target",
    "deploy_aws",
    "deploy_local",
    "destroy_aws",
    "destroy_local",
    "ensure_cdk_cli",
    "main",
    "synth",
]

PROJECT_DIR = Path(__file__).resolve().parent.parent
CDK_DIR_NAME = "cdk"
#: Written in the emulator's state folder: the provider deploy made (so destroy removes it).
DEPLOY_STATE_FILE = "deploy.json"
TARGETS = ("aws", "local")
#: GitHub's own variable for its REST API root (set on runners; GitHub Enterprise differs).
GITHUB_API_URL_VAR = "GITHUB_API_URL"
_CDK_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "NODE_NO_WARNINGS": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

Log = Callable[[str], None]


def _log(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


class DeployError(Exception):
    """A one-line reason why deploy/destroy stopped, naming the fix."""


@dataclass(frozen=True)
class DeployResult:
    """Where the stack went and what it holds (no secret: the key id only)."""

    target: str
    stack_name: str
    test_user_name: str
    test_role_arn: str
    ci_role_arn: str
    oidc_provider_arn: str
    access_key_id: str
    dotenv_path: Path
    endpoint_url: str | None = None
    ca_bundle: Path | None = None
    region: str = settings.AWS_REGION


@dataclass(frozen=True)
class DestroyResult:
    """What destroy removed."""

    target: str
    nothing_to_destroy: bool
    stack_deleted: bool = False
    deleted_key_ids: tuple[str, ...] = ()
    deleted_oidc_provider_arn: str | None = None
    emulator_stopped: bool = False


# -- choosing where --------------------------------------------------------------------------


def choose_target(requested: str | None, environ: Mapping[str, str], *, log: Log = _log) -> str:
    """``aws`` or ``local``: as requested, else ``aws`` when an AWS profile for CDK is set."""
    if requested is not None:
        if requested not in TARGETS:
            raise DeployError(
                f"unknown target {requested!r}: use `nox -s deploy -- local` (the emulator) "
                "or `nox -s deploy -- aws` (needs AWS_PROFILE_FOR_CDK)"
            )
        return requested
    if environ.get(settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK):
        return "aws"
    log("=" * 78)
    log(f"NO AWS PROFILE CONFIGURED ({settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK} is not set):")
    log("TARGETING THE LOCAL AWS EMULATOR. Set it, or pass `-- aws`, for a real account.")
    log("=" * 78)
    return "local"


# -- the CDK CLI -------------------------------------------------------------------------------


def _pinned_cli_version(cdk_dir: Path) -> str:
    package = json.loads((cdk_dir / "package.json").read_text(encoding="utf-8"))
    return str(package["devDependencies"]["aws-cdk"])


def _installed_cli_version(cdk_dir: Path) -> str | None:
    try:
        package = json.loads(
            (cdk_dir / "node_modules" / "aws-cdk" / "package.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    return str(package.get("version"))


def ensure_cdk_cli(cdk_dir: Path, *, log: Log = _log) -> Path:
    """The pinned CDK CLI in ``cdk/node_modules``, installed with ``npm ci`` when missing."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise DeployError(
            f"{' and '.join(missing)} not found on PATH: the CDK CLI needs Node.js >= 18 with "
            "npm (e.g. `apt-get install nodejs npm`, or https://nodejs.org)"
        )
    cli = cdk_dir / "node_modules" / ".bin" / "cdk"
    if cli.exists() and _installed_cli_version(cdk_dir) == _pinned_cli_version(cdk_dir):
        return cli
    log(f"installing the CDK CLI {_pinned_cli_version(cdk_dir)} (npm ci --prefix {cdk_dir})")
    started = time.monotonic()
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(cdk_dir)],
        cwd=cdk_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not cli.exists():
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise DeployError(
            f"`npm ci` in {cdk_dir} failed ({last}): check that the npm registry is reachable "
            "and package-lock.json is intact"
        )
    log(f"CDK CLI installed in {time.monotonic() - started:.1f} s")
    return cli


def _cdk_env(base: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    env.update(_CDK_ENV)
    env.update(overrides)
    return env


def _run_cdk(
    cli: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cdk_dir: Path,
    what: str,
    log: Log,
) -> None:
    command = [str(cli), *args, "--no-notices", "--app", _app_command()]
    log(f"cdk {' '.join(args)}")
    started = time.monotonic()
    result = subprocess.run(command, cwd=cdk_dir, env=dict(env), check=False)
    if result.returncode != 0:
        raise DeployError(
            f"`cdk {args[0]}` failed (exit {result.returncode}) while {what}: see the CDK "
            "output above"
        )
    log(f"cdk {args[0]} done in {time.monotonic() - started:.1f} s")


def _app_command() -> str:
    return f"{shlex.quote(sys.executable)} app.py"


# -- AWS API helpers ---------------------------------------------------------------------------


def _stack_outputs(cfn: CloudFormationClient, stack_name: str) -> dict[str, str] | None:
    try:
        stacks = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as error:
        if "does not exist" in str(error):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return {out["OutputKey"]: out["OutputValue"] for out in stacks[0].get("Outputs", [])}


def _stack_owned_provider(cfn: CloudFormationClient, stack_name: str) -> str | None:
    """The OIDC provider ARN the stack itself created (create mode), if any."""
    if _stack_outputs(cfn, stack_name) is None:
        return None
    resources = cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
    for resource in resources:
        if resource["ResourceType"] == "AWS::IAM::OIDCProvider":
            return resource.get("PhysicalResourceId")
    return None


def _account_provider(iam: IAMClient) -> str | None:
    """The account's GitHub OIDC provider ARN, if it has one."""
    suffix = f":oidc-provider/{settings.GITHUB_OIDC_PROVIDER_HOST}"
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if provider["Arn"].endswith(suffix):
            return provider["Arn"]
    return None


def _delete_stack(cfn: CloudFormationClient, stack_name: str, *, log: Log) -> bool:
    if _stack_outputs(cfn, stack_name) is None:
        log(f"stack {stack_name} does not exist: nothing to delete")
        return False
    log(f"deleting stack {stack_name}")
    cfn.delete_stack(StackName=stack_name)
    waiter = cfn.get_waiter("stack_delete_complete")
    try:
        waiter.wait(StackName=stack_name, WaiterConfig={"Delay": 2, "MaxAttempts": 450})
    except Exception as error:
        raise DeployError(
            f"deleting stack {stack_name} failed ({type(error).__name__}): see its events in "
            "the CloudFormation console, fix the cause, then run `nox -s destroy` again"
        ) from error
    log(f"stack {stack_name} deleted")
    return True


def _sts_factory(
    region: str, client_kwargs: Mapping[str, Any], *, profile: str | None = None
) -> Callable[[str, str], STSClient]:
    """STS clients for a key pair; with ``profile``, its settings (endpoint, CA) but the key's
    credentials (explicit keys win over the profile's)."""
    import boto3

    def factory(access_key_id: str, secret_access_key: str) -> STSClient:
        session = boto3.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
            profile_name=profile,
        )
        return session.client("sts", **client_kwargs)

    return factory


def _dotenv_path(project_dir: Path, dotenv_path: str | os.PathLike[str] | None) -> Path:
    return Path(dotenv_path) if dotenv_path is not None else project_dir / settings.DOTENV_PATH


def _read_state(state_dir: Path) -> dict[str, Any]:
    try:
        value = json.loads((state_dir / DEPLOY_STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# -- synth -------------------------------------------------------------------------------------


def synth(*, project_dir: Path = PROJECT_DIR, nag: bool = True, log: Log = _log) -> Path:
    """Synthesize the app offline into ``cdk.out/`` (cdk-nag AwsSolutions checks included)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from cdk.app import build_app

    outdir = project_dir / "cdk.out"
    started = time.monotonic()
    # the CLI reads cdk.json's context (sub narrowing, provider ARN); synth reads the same
    cdk_json = json.loads((project_dir / CDK_DIR_NAME / "cdk.json").read_text(encoding="utf-8"))
    app, stack = build_app(context=cdk_json.get("context"), outdir=str(outdir), nag=nag)
    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces validation failures as RuntimeError
        raise DeployError(
            f"synthesis failed: {str(error).splitlines()[0]} (see the findings above; fix them "
            "or acknowledge them with a reason)"
        ) from error
    log(f"synthesized {stack.stack_name} into {outdir} in {time.monotonic() - started:.1f} s")
    return outdir


# -- local -------------------------------------------------------------------------------------


def _local_emulator(state_dir: Path, *, log: Log) -> LocalAws:
    from boto_session_manager.testing.local_aws import find_local_aws, start_local_aws

    running = find_local_aws(state_dir)
    if running is not None:
        log(f"reusing the local AWS emulator at {running.endpoint_url} (pid {running.pid})")
        return running
    started = time.monotonic()
    emulator = start_local_aws(tls=True, state_dir=state_dir, detach=True)
    log(
        f"started the local AWS emulator at {emulator.endpoint_url} (pid {emulator.pid}, "
        f"state in {state_dir}) in {time.monotonic() - started:.1f} s"
    )
    return emulator


def deploy_local(
    *,
    project_dir: Path = PROJECT_DIR,
    emulator: LocalAws | None = None,
    dotenv_path: str | os.PathLike[str] | None = None,
    log: Log = _log,
) -> DeployResult:
    """Deploy the stack into the local emulator and write ``.env`` for the test user.

    Without ``emulator``, the one recorded in ``.local-aws/`` is reused, or a new one started
    there in the background. A given emulator must serve HTTPS (``start_local_aws(tls=True)``).
    """
    from cdk.access_key import AccessKeyError, rotate_access_key

    cdk_dir = project_dir / CDK_DIR_NAME
    cli = ensure_cdk_cli(cdk_dir, log=log)
    owned = emulator is None
    if emulator is None:
        emulator = _local_emulator(project_dir / settings.LOCAL_AWS_STATE_DIR, log=log)
    if emulator.ca_bundle is None:
        raise DeployError(
            "the CDK CLI needs the emulator over HTTPS (the bootstrap bucket denies plain "
            "HTTP): start it with start_local_aws(tls=True)"
        )
    where = f"the emulator at {emulator.endpoint_url} (pid {emulator.pid})"
    session = emulator.boto3_session()
    kwargs = emulator.client_kwargs()
    iam = session.client("iam", **kwargs)
    cfn = session.client("cloudformation", **kwargs)

    provider_arn = _account_provider(iam)
    if provider_arn is None:
        provider_arn = iam.create_open_id_connect_provider(
            Url=settings.GITHUB_OIDC_PROVIDER_URL, ClientIDList=[settings.GITHUB_OIDC_AUDIENCE]
        )["OpenIDConnectProviderArn"]
        log(f"created the GitHub OIDC provider through the IAM API: {provider_arn}")
        if emulator.state_dir is not None:
            state = _read_state(emulator.state_dir) | {"created_oidc_provider_arn": provider_arn}
            (emulator.state_dir / DEPLOY_STATE_FILE).write_text(json.dumps(state) + "\n")
    else:
        log(f"importing the existing GitHub OIDC provider {provider_arn}")

    env = _cdk_env(
        {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, emulator.client_env()
    )
    try:
        if _stack_outputs(cfn, "CDKToolkit") is None:
            _run_cdk(
                cli,
                ["bootstrap", f"aws://{emulator.account_id}/{emulator.region}"],
                env=env,
                cdk_dir=cdk_dir,
                what=f"bootstrapping {where}",
                log=log,
            )
        _run_cdk(
            cli,
            ["deploy", "--all", "--require-approval", "never",
             "-c", f"oidcProviderArn={provider_arn}"],
            env=env,
            cdk_dir=cdk_dir,
            what=f"deploying to {where}",
            log=log,
        )  # fmt: skip
    except DeployError as error:
        hint = "`nox -s destroy` stops it" if owned else "destroy_local() cleans it up"
        raise DeployError(f"{error}; {where} is still running: {hint}") from None
    outputs = _stack_outputs(cfn, settings.CFN_STACK_NAME) or {}
    dotenv = _dotenv_path(project_dir, dotenv_path)
    extra = {
        settings.DOTENV_REGION_VAR: emulator.region,
        settings.DOTENV_ENDPOINT_URL_VAR: emulator.endpoint_url,
        settings.DOTENV_CA_BUNDLE_VAR: str(emulator.ca_bundle.resolve()),
    }
    try:
        rotation = rotate_access_key(
            iam=iam,
            sts_factory=_sts_factory(emulator.region, kwargs),
            user_name=settings.TEST_IAM_USER_NAME,
            dotenv_path=dotenv,
            extra_env=extra,
            log=log,
        )
    except AccessKeyError as error:
        raise DeployError(f"{error} (the stack is deployed in {where})") from None
    return _result("local", outputs, rotation.access_key_id, dotenv, emulator=emulator)


def _result(
    target: str,
    outputs: Mapping[str, str],
    access_key_id: str,
    dotenv: Path,
    *,
    emulator: LocalAws | None = None,
    region: str = settings.AWS_REGION,
) -> DeployResult:
    from cdk.outputs import (
        OUTPUT_CI_ROLE_ARN,
        OUTPUT_OIDC_PROVIDER_ARN,
        OUTPUT_TEST_ROLE_ARN,
        OUTPUT_TEST_USER_NAME,
    )

    missing = [
        key
        for key in (OUTPUT_TEST_ROLE_ARN, OUTPUT_CI_ROLE_ARN, OUTPUT_TEST_USER_NAME)
        if key not in outputs
    ]
    if missing:
        raise DeployError(f"stack {settings.CFN_STACK_NAME} lacks outputs {missing}: redeploy it")
    return DeployResult(
        target=target,
        stack_name=settings.CFN_STACK_NAME,
        test_user_name=outputs[OUTPUT_TEST_USER_NAME],
        test_role_arn=outputs[OUTPUT_TEST_ROLE_ARN],
        ci_role_arn=outputs[OUTPUT_CI_ROLE_ARN],
        oidc_provider_arn=outputs.get(OUTPUT_OIDC_PROVIDER_ARN, ""),
        access_key_id=access_key_id,
        dotenv_path=dotenv,
        endpoint_url=emulator.endpoint_url if emulator else None,
        ca_bundle=emulator.ca_bundle if emulator else None,
        region=emulator.region if emulator else region,
    )


def _forget_stale_local_dotenv(dotenv: Path, *, log: Log) -> None:
    """Delete a ``.env`` written for an emulator that no longer runs (its key died with it)."""
    from dotenv import dotenv_values

    from cdk.access_key import DOTENV_MARKER

    if not dotenv.is_file():
        return
    if dotenv.read_text(encoding="utf-8").split("\n", 1)[0] != DOTENV_MARKER:
        return
    endpoint = dotenv_values(dotenv).get(settings.DOTENV_ENDPOINT_URL_VAR) or ""
    if endpoint.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
        dotenv.unlink()
        log(f"deleted {dotenv}: it pointed at the stopped emulator {endpoint}")


def destroy_local(
    *,
    project_dir: Path = PROJECT_DIR,
    emulator: LocalAws | None = None,
    dotenv_path: str | os.PathLike[str] | None = None,
    stop_emulator: bool | None = None,
    log: Log = _log,
) -> DestroyResult:
    """Delete the key, ``.env`` and the stack from the emulator; stop it when we started it.

    Without ``emulator``, the one recorded in ``.local-aws/`` is used and stopped;
    ``stop_emulator`` overrides whether it is stopped.
    """
    from cdk.access_key import delete_access_keys

    dotenv = _dotenv_path(project_dir, dotenv_path)
    owned = emulator is None
    if emulator is None:
        from boto_session_manager.testing.local_aws import find_local_aws

        emulator = find_local_aws(project_dir / settings.LOCAL_AWS_STATE_DIR)
        if emulator is None:
            log("nothing to destroy: no local AWS emulator is running (no live pid in .local-aws/)")
            _forget_stale_local_dotenv(dotenv, log=log)
            return DestroyResult(target="local", nothing_to_destroy=True)
    session = emulator.boto3_session()
    kwargs = emulator.client_kwargs()
    iam = session.client("iam", **kwargs)
    cfn = session.client("cloudformation", **kwargs)
    deleted_keys = delete_access_keys(
        iam=iam, user_name=settings.TEST_IAM_USER_NAME, dotenv_path=dotenv, log=log
    )
    stack_deleted = _delete_stack(cfn, settings.CFN_STACK_NAME, log=log)
    deleted_provider: str | None = None
    if emulator.state_dir is not None:
        state = _read_state(emulator.state_dir)
        created = state.get("created_oidc_provider_arn")
        if created and _account_provider(iam) == created:
            iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=created)
            deleted_provider = created
            log(f"deleted the GitHub OIDC provider deploy had created: {created}")
        (emulator.state_dir / DEPLOY_STATE_FILE).unlink(missing_ok=True)
    stopped = False
    if owned if stop_emulator is None else stop_emulator:
        emulator.stop()
        stopped = True
        log(f"stopped the local AWS emulator (pid {emulator.pid})")
        if owned and emulator.state_dir is not None:  # its TLS material dies with it
            for name in ("ca.pem", "server.pem", "server.key"):
                (emulator.state_dir / name).unlink(missing_ok=True)
    nothing = not (stack_deleted or deleted_keys or deleted_provider)
    if nothing:
        log("nothing else to destroy: no stack, key or provider was there")
    return DestroyResult(
        target="local",
        nothing_to_destroy=nothing and not stopped,
        stack_deleted=stack_deleted,
        deleted_key_ids=deleted_keys,
        deleted_oidc_provider_arn=deleted_provider,
        emulator_stopped=stopped,
    )


# -- real AWS ----------------------------------------------------------------------------------


def _aws_session(profile: str) -> tuple[boto3.Session, str, str]:
    """A session for ``profile`` that works: (session, account id, region)."""
    import boto3
    import botocore.exceptions

    var = settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK
    try:
        session = boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound:
        raise DeployError(
            f"AWS profile {profile!r} (from {var}) is not configured: run "
            f"`aws configure --profile {profile}` or `aws sso login --profile {profile}`, or set "
            f"{var} to a profile in ~/.aws/config"
        ) from None
    region = session.region_name or settings.AWS_REGION
    try:
        identity = session.client("sts", region_name=region).get_caller_identity()
    except botocore.exceptions.BotoCoreError as error:
        raise DeployError(
            f"AWS profile {profile!r} (from {var}) cannot be used ({type(error).__name__}): "
            f"refresh its credentials (`aws sso login --profile {profile}` or "
            f"`aws configure --profile {profile}`)"
        ) from None
    except botocore.exceptions.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        raise DeployError(
            f"AWS profile {profile!r} (from {var}) was refused by STS ({code}): refresh or "
            "replace its credentials"
        ) from None
    return session, identity["Account"], region


def deploy_aws(
    *,
    profile: str,
    project_dir: Path = PROJECT_DIR,
    dotenv_path: str | os.PathLike[str] | None = None,
    github_token: str | None = None,
    github_api_url: str | None = None,
    log: Log = _log,
) -> DeployResult:
    """Deploy the stack to the account of ``profile``; write ``.env``; publish AWS_ROLE_ARN."""
    from cdk.access_key import AccessKeyError, check_dotenv_not_tracked, rotate_access_key
    from cdk.github_variables import GITHUB_API_URL, set_repository_variable

    cdk_dir = project_dir / CDK_DIR_NAME
    dotenv = _dotenv_path(project_dir, dotenv_path)
    check_dotenv_not_tracked(dotenv)  # fail before touching the account
    session, account, region = _aws_session(profile)
    cli = ensure_cdk_cli(cdk_dir, log=log)
    log(f"deploying to account {account} in {region} with profile {profile!r}")
    iam = session.client("iam", region_name=region)
    cfn = session.client("cloudformation", region_name=region)

    context: list[str] = []
    owned = _stack_owned_provider(cfn, settings.CFN_STACK_NAME)
    existing = _account_provider(iam)
    if owned:
        log(f"the stack owns the GitHub OIDC provider {owned}: keeping it")
    elif existing:
        log(f"importing the account's GitHub OIDC provider {existing} (the stack will not own it)")
        context = ["-c", f"oidcProviderArn={existing}"]
    else:
        log("the account has no GitHub OIDC provider: the stack creates it")

    env = _cdk_env(
        {
            k: v
            for k, v in os.environ.items()
            if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
            and not k.startswith("AWS_ENDPOINT_URL")
        },
        {"AWS_PROFILE": profile, "AWS_REGION": region, "AWS_DEFAULT_REGION": region},
    )
    if _stack_outputs(cfn, "CDKToolkit") is None:
        _run_cdk(
            cli,
            ["bootstrap", f"aws://{account}/{region}", "--profile", profile],
            env=env,
            cdk_dir=cdk_dir,
            what=f"bootstrapping account {account}",
            log=log,
        )
    _run_cdk(
        cli,
        ["deploy", "--all", "--require-approval", "never", "--profile", profile, *context],
        env=env,
        cdk_dir=cdk_dir,
        what=f"deploying to account {account}",
        log=log,
    )
    outputs = _stack_outputs(cfn, settings.CFN_STACK_NAME) or {}
    try:
        rotation = rotate_access_key(
            iam=iam,
            sts_factory=_sts_factory(region, {}, profile=profile),
            user_name=settings.TEST_IAM_USER_NAME,
            dotenv_path=dotenv,
            extra_env={settings.DOTENV_REGION_VAR: region},
            log=log,
        )
    except AccessKeyError as error:
        raise DeployError(f"{error} (the stack is deployed in account {account})") from None
    result = _result("aws", outputs, rotation.access_key_id, dotenv, region=region)
    if github_token:
        from cdk.github_variables import GitHubVariableError

        try:
            write = set_repository_variable(
                owner=settings.GITHUB_OWNER,
                repository=settings.GITHUB_REPOSITORY,
                name=settings.GITHUB_REPO_VAR_ROLE_ARN,
                value=result.ci_role_arn,
                token=github_token,
                api_url=github_api_url or GITHUB_API_URL,
            )
        except GitHubVariableError as error:
            raise DeployError(
                f"{error} (the stack and .env are in place; only the variable is missing)"
            ) from None
        log(
            f"{'created' if write.created else 'updated'} repository variable "
            f"{settings.GITHUB_REPO_VAR_ROLE_ARN} on "
            f"{settings.GITHUB_OWNER}/{settings.GITHUB_REPOSITORY}"
        )
    else:
        log(
            f"GITHUB_TOKEN not set: set the repository variable {settings.GITHUB_REPO_VAR_ROLE_ARN}"
            f" to {result.ci_role_arn} yourself (or rerun with GITHUB_TOKEN)"
        )
    return result


def destroy_aws(
    *,
    profile: str,
    project_dir: Path = PROJECT_DIR,
    dotenv_path: str | os.PathLike[str] | None = None,
    log: Log = _log,
) -> DestroyResult:
    """Delete the access keys, ``.env`` and the stack from the account of ``profile``."""
    from cdk.access_key import delete_access_keys

    session, account, region = _aws_session(profile)
    iam = session.client("iam", region_name=region)
    cfn = session.client("cloudformation", region_name=region)
    log(f"destroying in account {account} ({region}) with profile {profile!r}")
    deleted_keys = delete_access_keys(
        iam=iam,
        user_name=settings.TEST_IAM_USER_NAME,
        dotenv_path=_dotenv_path(project_dir, dotenv_path),
        log=log,
    )
    owned = _stack_owned_provider(cfn, settings.CFN_STACK_NAME)
    stack_deleted = _delete_stack(cfn, settings.CFN_STACK_NAME, log=log)
    nothing = not (stack_deleted or deleted_keys)
    if nothing:
        log("nothing to destroy: no stack and no access key")
    return DestroyResult(
        target="aws",
        nothing_to_destroy=nothing,
        stack_deleted=stack_deleted,
        deleted_key_ids=deleted_keys,
        deleted_oidc_provider_arn=owned if stack_deleted else None,
    )


# -- command line ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    """``python -m cdk.deploy {synth,deploy,destroy} [aws|local]``; exit status 0 or 1."""
    parser = argparse.ArgumentParser(prog="python -m cdk.deploy", description=__doc__)
    parser.add_argument("action", choices=("synth", "deploy", "destroy"))
    parser.add_argument("target", nargs="?", help="aws or local (default: local unless "
                        f"{settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK} is set)")  # fmt: skip
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    from cdk.access_key import AccessKeyError

    try:
        if args.action == "synth":
            synth()
            return 0
        target = choose_target(args.target, env)
        profile = env.get(settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK, "")
        if target == "aws" and not profile:
            raise DeployError(
                f"target aws needs {settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK}: set it to the "
                "AWS profile CDK should use (e.g. `export AWS_PROFILE_FOR_CDK=my-admin`)"
            )
        started = time.monotonic()
        if args.action == "deploy":
            if target == "local":
                result = deploy_local()
            else:
                result = deploy_aws(
                    profile=profile,
                    github_token=env.get(settings.ENV_VAR_NAME_FOR_GITHUB_TOKEN) or None,
                    github_api_url=env.get(GITHUB_API_URL_VAR) or None,
                )
            _log(f"test user:  {result.test_user_name}")
            _log(f"test role:  {result.test_role_arn}")
            _log(f"CI role:    {result.ci_role_arn}")
            _log(f".env:       {result.dotenv_path}")
            if result.endpoint_url:
                _log(f"endpoint:   {result.endpoint_url} (CA {result.ca_bundle})")
            _log(f"deployed ({target}) in {time.monotonic() - started:.1f} s")
        else:
            if target == "local":
                destroy_local()
            else:
                destroy_aws(profile=profile)
            _log(f"destroyed ({target}) in {time.monotonic() - started:.1f} s")
    except (DeployError, AccessKeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        from boto_session_manager.exceptions import BotoSesManagerError

        if isinstance(error, BotoSesManagerError):
            print(f"error: {error}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
