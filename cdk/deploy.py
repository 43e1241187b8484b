"""Synthesize, deploy and destroy the project stack: ``python -m cdk.deploy ACTION [TARGET]``.

``nox -s synth|deploy|destroy`` run this. :func:`deploy` and :func:`destroy` take a
:class:`~cdk.targets.DeployTarget` (the local emulator or an AWS account) and read top to
bottom; a test fixture calls them with a fresh emulator.

``deploy``: find the repository and its ``sub`` format (see :func:`prepare_context`), install
the pinned CDK CLI, open the target, import the account's GitHub OIDC provider when it has one
(one per URL per account; the emulator's CloudFormation cannot create one, so there it is made
through the IAM API first), synthesize once, in this process (cdk-nag included; the CLI
deploys that assembly and does not run the app again), bootstrap, deploy, give the test user
a fresh access key in
``.env``, and on AWS store the CI role ARN as the repository variable ``AWS_ROLE_ARN`` when
``GITHUB_TOKEN`` is set. ``destroy``: delete the access keys and ``.env``, the stack, a provider
deploy made, and stop an emulator it started. Both are idempotent; failures raise one line
(:class:`~cdk.errors.ProjectError`) naming the fix.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import settings
from .cdk_cli import ensure_cdk_cli, run_cdk
from .cloudformation import delete_stack, stack_outputs, stack_owned_provider
from .deployment import Deployment
from .errors import DeployError, ProjectError
from .github_api import api_token, api_url
from .targets import Account, AwsAccountTarget, DeployTarget, LocalEmulatorTarget

__all__ = [
    "PROJECT_DIR",
    "DestroyResult",
    "choose_target",
    "deploy",
    "destroy",
    "main",
    "prepare_context",
    "synth",
]

PROJECT_DIR = Path(__file__).resolve().parent.parent
CDK_DIR_NAME = "cdk"
CONTEXT_FILE = "cdk.context.json"
TARGETS = ("aws", "local")

Log = Callable[[str], None]


def _log(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


@dataclass(frozen=True)
class DestroyResult:
    """What destroy removed."""

    target: str
    nothing_to_destroy: bool
    stack_deleted: bool = False
    deleted_key_ids: tuple[str, ...] = ()
    deleted_oidc_provider_arn: str | None = None
    emulator_stopped: bool = False


# -- context: the repository and its sub format ------------------------------------------------


def _read_context(cdk_dir: Path) -> dict[str, Any]:
    """``cdk.json``'s context, then the cached lookups of ``cdk.context.json`` (as the CLI)."""
    context: dict[str, Any] = {}
    for name, key in (("cdk.json", "context"), (CONTEXT_FILE, None)):
        try:
            data = json.loads((cdk_dir / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except ValueError as error:
            raise DeployError(f"{cdk_dir / name} is not valid JSON ({error}): fix it") from None
        context.update((data.get(key) if key else data) or {})
    return context


def prepare_context(
    project_dir: Path,
    environ: Mapping[str, str],
    *,
    overrides: Mapping[str, Any] | None = None,
    log: Log = _log,
) -> dict[str, Any]:
    """The app's full context: its files, ``overrides``, and the repository.

    Finds the repository (and says from where), makes sure its ``sub`` format is known
    (explicit context, the cache, or GitHub's API, whose answer is cached), and checks the
    whole configuration before anything is deployed.
    """
    from .config import ProjectStackConfig
    from .github_repository import OWNER_CONTEXT_KEY, REPOSITORY_CONTEXT_KEY, find_repository
    from .github_subject import resolve_subject_format

    cdk_dir = project_dir / CDK_DIR_NAME
    context = {**_read_context(cdk_dir), **(overrides or {})}
    repository = find_repository(context, environ, cwd=project_dir)
    log(f"GitHub repository {repository.full_name} (from {repository.source})")
    context |= resolve_subject_format(
        repository,
        context,
        context_file=cdk_dir / CONTEXT_FILE,
        api_url=api_url(environ),
        token=api_token(environ),
        log=log,
    )
    named = {OWNER_CONTEXT_KEY: repository.owner, REPOSITORY_CONTEXT_KEY: repository.name}
    context |= named
    config = ProjectStackConfig.from_context(context, repository=repository)
    log(f"CI role trusts sub {', '.join(config.subject.sub_patterns())}")
    return context


# -- synth ---------------------------------------------------------------------------------------


def synth(
    *,
    project_dir: Path = PROJECT_DIR,
    environ: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    nag: bool = True,
    log: Log = _log,
) -> Path:
    """Synthesize the app into ``cdk.out/`` (cdk-nag AwsSolutions checks included)."""
    full = prepare_context(
        project_dir, os.environ if environ is None else environ, overrides=context, log=log
    )
    return _synthesize(project_dir, full, nag=nag, log=log)


def _synthesize(
    project_dir: Path, context: Mapping[str, Any], *, nag: bool = True, log: Log
) -> Path:
    """The app with ``context``, synthesized in this process into ``PROJECT/cdk.out``.

    In this process, not the CLI's: the CDK's node runtime starts once per process, so a second
    synthesis (a second deploy, in a test) takes a tenth of a second instead of seconds.
    """
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from cdk.app import build_app

    outdir = project_dir / "cdk.out"
    started = time.monotonic()
    app, stack = build_app(context=context, outdir=str(outdir), nag=nag)
    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces validation failures as RuntimeError
        raise DeployError(
            f"synthesis failed: {str(error).splitlines()[0]} (see the findings above; fix them "
            "or acknowledge them with a reason)"
        ) from error
    log(f"synthesized {stack.stack_name} into {outdir} in {time.monotonic() - started:.1f} s")
    return outdir


# -- deploy --------------------------------------------------------------------------------------


def _provider_context(target: DeployTarget, account: Account, *, log: Log) -> dict[str, str]:
    """``{"oidcProviderArn": ARN}`` when the stack must import the account's provider."""
    from boto_session_manager.testing.web_identity_roles import (
        find_github_provider,
        github_provider_arn,
    )

    iam, cfn = account.client("iam"), account.client("cloudformation")
    owned = stack_owned_provider(cfn, settings.CFN_STACK_NAME)
    if owned:
        log(f"the stack owns the GitHub OIDC provider {owned}: keeping it")
        return {}
    existing = find_github_provider(iam)
    if existing is None and target.stack_creates_provider:
        log("the account has no GitHub OIDC provider: the stack creates it")
        return {}
    if existing is None:
        existing, _created = github_provider_arn(iam)
        target.remember_created_provider(existing)
        log(f"created the GitHub OIDC provider through the IAM API: {existing}")
    else:
        log(f"importing the account's GitHub OIDC provider {existing} (the stack will not own it)")
    return {"oidcProviderArn": existing}


def deploy(
    target: DeployTarget,
    *,
    project_dir: Path = PROJECT_DIR,
    dotenv_path: str | os.PathLike[str] | None = None,
    context: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    github_token: str | None = None,
    log: Log = _log,
) -> Deployment:
    """Deploy the stack to ``target`` and write the test user's key to ``.env``.

    ``context`` adds CDK context (as ``-c`` would). With ``github_token`` and an AWS target,
    the CI role ARN is stored as the repository variable ``AWS_ROLE_ARN``.
    """
    from .access_key import check_dotenv_not_tracked, rotate_access_key

    env = os.environ if environ is None else environ
    cdk_dir = project_dir / CDK_DIR_NAME
    dotenv = Path(dotenv_path) if dotenv_path is not None else project_dir / settings.DOTENV_PATH
    check_dotenv_not_tracked(dotenv)  # before touching anything
    full_context = prepare_context(project_dir, env, overrides=context, log=log)
    cli = ensure_cdk_cli(cdk_dir, log=log)
    account = target.open(start=True, log=log)
    assert account is not None  # start=True always gives one
    log(f"deploying to {account.where}")
    try:
        provider = _provider_context(target, account, log=log)
        assembly = _synthesize(project_dir, {**full_context, **provider}, log=log)
        cfn = account.client("cloudformation")
        if stack_outputs(cfn, "CDKToolkit") is None:
            run_cdk(
                cli,
                ["bootstrap", f"aws://{account.account_id}/{account.region}", *account.cdk_args],
                app=None,  # the environment is explicit: the app is not needed
                env=account.cdk_env,
                cdk_dir=cdk_dir,
                what=f"bootstrapping {account.where}",
                log=log,
            )
        run_cdk(
            cli,
            ["deploy", "--all", "--require-approval", "never", *account.cdk_args],
            app=assembly,
            env=account.cdk_env,
            cdk_dir=cdk_dir,
            what=f"deploying to {account.where}",
            log=log,
        )
        rotate_access_key(
            iam=account.client("iam"),
            sts_factory=account.key_sts,
            user_name=settings.TEST_IAM_USER_NAME,
            dotenv_path=dotenv,
            extra_env=account.dotenv_extra(),
            log=log,
        )
    except ProjectError as error:
        raise type(error)(f"{error}; {target.cleanup_hint}") from None
    deployment = Deployment.from_outputs(
        stack_outputs(cfn, settings.CFN_STACK_NAME) or {},
        stack_name=settings.CFN_STACK_NAME,
        region=account.region,
        endpoint_url=account.endpoint_url,
        ca_bundle=account.ca_bundle,
        dotenv_path=dotenv,
    )
    if target.name == "aws":
        from .github_repository import OWNER_CONTEXT_KEY, REPOSITORY_CONTEXT_KEY
        from .github_variables import publish_role_arn

        publish_role_arn(
            deployment.ci_role_arn,
            owner=full_context[OWNER_CONTEXT_KEY],
            repository=full_context[REPOSITORY_CONTEXT_KEY],
            token=github_token,
            api_url=api_url(env),
            log=log,
        )
    return deployment


# -- destroy -------------------------------------------------------------------------------------


def destroy(
    target: DeployTarget,
    *,
    project_dir: Path = PROJECT_DIR,
    dotenv_path: str | os.PathLike[str] | None = None,
    log: Log = _log,
) -> DestroyResult:
    """Delete the access keys, ``.env``, the stack and a provider deploy made; stop what it
    started. Nothing there is not an error."""
    from boto_session_manager.testing.web_identity_roles import find_github_provider

    from .access_key import delete_access_keys, forget_stale_local_dotenv

    dotenv = Path(dotenv_path) if dotenv_path is not None else project_dir / settings.DOTENV_PATH
    account = target.open(start=False, log=log)
    if account is None:
        log("nothing to destroy: no local AWS emulator is running (no live pid in .local-aws/)")
        forget_stale_local_dotenv(dotenv, log=log)
        return DestroyResult(target=target.name, nothing_to_destroy=True)
    log(f"destroying in {account.where}")
    iam, cfn = account.client("iam"), account.client("cloudformation")
    deleted_keys = delete_access_keys(
        iam=iam, user_name=settings.TEST_IAM_USER_NAME, dotenv_path=dotenv, log=log
    )
    owned = stack_owned_provider(cfn, settings.CFN_STACK_NAME)
    stack_deleted = delete_stack(cfn, settings.CFN_STACK_NAME, log=log)
    deleted_provider = owned if stack_deleted else None
    created = target.created_provider()
    if created and find_github_provider(iam) == created:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=created)
        deleted_provider = created
        log(f"deleted the GitHub OIDC provider deploy had created: {created}")
    target.remember_created_provider(None)
    stopped = target.close(log=log)
    nothing = not (stack_deleted or deleted_keys or deleted_provider)
    if nothing:
        log("nothing else to destroy: no stack, key or provider was there")
    return DestroyResult(
        target=target.name,
        nothing_to_destroy=nothing and not stopped,
        stack_deleted=stack_deleted,
        deleted_key_ids=deleted_keys,
        deleted_oidc_provider_arn=deleted_provider,
        emulator_stopped=stopped,
    )


# -- command line --------------------------------------------------------------------------------


def choose_target(
    requested: str | None,
    environ: Mapping[str, str],
    *,
    project_dir: Path = PROJECT_DIR,
    log: Log = _log,
) -> DeployTarget:
    """As requested, else the AWS account when ``AWS_PROFILE_FOR_CDK`` is set, else local."""
    var = settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK
    if requested not in (None, *TARGETS):
        raise DeployError(
            f"unknown target {requested!r}: use `nox -s deploy -- local` (the emulator) "
            f"or `nox -s deploy -- aws` (needs {var})"
        )
    profile = environ.get(var, "")
    if requested == "aws" or (requested is None and profile):
        if not profile:
            raise DeployError(
                f"target aws needs {var}: set it to the AWS profile CDK should use "
                f"(e.g. `export {var}=my-admin`)"
            )
        return AwsAccountTarget(profile)
    if requested is None:
        log("=" * 78)
        log(f"NO AWS PROFILE CONFIGURED ({var} is not set):")
        log("TARGETING THE LOCAL AWS EMULATOR. Set it, or pass `-- aws`, for a real account.")
        log("=" * 78)
    return LocalEmulatorTarget(project_dir / settings.LOCAL_AWS_STATE_DIR)


def _context_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r}: write KEY=VALUE, e.g. githubOwner=octo-org")
    return key, value


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    project_dir: Path = PROJECT_DIR,
) -> int:
    """``python -m cdk.deploy {synth,deploy,destroy} [aws|local] [-c KEY=VALUE ...]``; exit
    status 0 or 1."""
    parser = argparse.ArgumentParser(prog="python -m cdk.deploy", description=__doc__)
    parser.add_argument("action", choices=("synth", "deploy", "destroy"))
    parser.add_argument("target", nargs="?", help="aws or local (default: local unless "
                        f"{settings.ENV_VAR_NAME_FOR_AWS_PROFILE_FOR_CDK} is set)")  # fmt: skip
    parser.add_argument(
        "-c", "--context", action="append", type=_context_pair, default=[], metavar="KEY=VALUE",
        help="CDK context on top of cdk/cdk.json's, as the CDK CLI's -c (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    context = dict(args.context)
    env = os.environ if environ is None else environ
    from boto_session_manager.exceptions import BotoSesManagerError

    started = time.monotonic()
    try:
        if args.action == "synth":
            synth(project_dir=project_dir, environ=env, context=context)
            return 0
        target = choose_target(args.target, env, project_dir=project_dir)
        if args.action == "deploy":
            result = deploy(
                target,
                project_dir=project_dir,
                environ=env,
                context=context,
                github_token=api_token(env),
            )
            _log(f"test user:  {result.test_user_name}")
            _log(f"test role:  {result.test_role_arn}")
            _log(f"CI role:    {result.ci_role_arn} (trusts {result.github_repository})")
            _log(f".env:       {result.dotenv_path}")
            if result.endpoint_url:
                _log(f"endpoint:   {result.endpoint_url} (CA {result.ca_bundle})")
            _log(f"deployed ({target.name}) in {time.monotonic() - started:.1f} s")
        else:
            destroy(target, project_dir=project_dir)
            _log(f"destroyed ({target.name}) in {time.monotonic() - started:.1f} s")
    except (ProjectError, BotoSesManagerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
