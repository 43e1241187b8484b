"""The AWS CDK CLI pinned in ``cdk/package.json``: one installer (``npm ci``), one runner.

Standard library only, so the noxfile imports it before any session has installed anything:
``nox -s tests`` and ``nox -s deploy`` call :func:`ensure_cdk_cli`, and so does the deploy
script, so there is one way the CLI gets installed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import DeployError

__all__ = ["CDK_ENV", "ensure_cdk_cli", "run_cdk"]

#: Quiet, offline-friendly settings for every CDK CLI run.
CDK_ENV = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "NODE_NO_WARNINGS": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
}

Log = Callable[[str], None]


def _pinned_version(cdk_dir: Path) -> str:
    package = json.loads((cdk_dir / "package.json").read_text(encoding="utf-8"))
    return str(package["devDependencies"]["aws-cdk"])


def _installed_version(cdk_dir: Path) -> str | None:
    manifest = cdk_dir / "node_modules" / "aws-cdk" / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version"))
    except (OSError, ValueError):
        return None


def ensure_cdk_cli(cdk_dir: Path, *, log: Log) -> Path:
    """The pinned CDK CLI in ``cdk/node_modules``, installed with ``npm ci`` when missing."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise DeployError(
            f"{' and '.join(missing)} not found on PATH: the CDK CLI needs Node.js with npm, "
            "22 or 24 preferred (e.g. `apt-get install nodejs npm`, or https://nodejs.org)"
        )
    cdk_dir = cdk_dir.resolve()  # npm runs in it: a relative --prefix would nest (cdk/cdk)
    cli = cdk_dir / "node_modules" / ".bin" / "cdk"
    if cli.exists() and _installed_version(cdk_dir) == _pinned_version(cdk_dir):
        return cli
    log(f"installing the CDK CLI {_pinned_version(cdk_dir)} (npm ci in {cdk_dir})")
    started = time.monotonic()
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
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


def run_cdk(
    cli: Path,
    args: Sequence[str],
    *,
    app: Path | None,
    env: Mapping[str, str],
    cdk_dir: Path,
    what: str,
    log: Log,
) -> None:
    """Run ``cdk ARGS --app APP``; a failure is one :class:`DeployError` line.

    ``app`` is a synthesized cloud assembly (``cdk.out``), so the CLI does not run the app
    again; ``None`` runs the CLI where no ``cdk.json`` is, so it does not synthesize at all
    (``cdk bootstrap aws://ACCOUNT/REGION`` needs nothing from the app).
    """
    command = [str(cli), *args, "--no-notices", *(["--app", str(app)] if app else [])]
    log(f"cdk {' '.join(args)}")
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        cwd = cdk_dir if app else stack.enter_context(tempfile.TemporaryDirectory(prefix="cdk-"))
        result = subprocess.run(command, cwd=cwd, env={**env, **CDK_ENV}, check=False)
    if result.returncode != 0:
        raise DeployError(
            f"`cdk {args[0]}` failed (exit {result.returncode}) while {what}: see the CDK "
            "output above"
        )
    log(f"cdk {args[0]} done in {time.monotonic() - started:.1f} s")
