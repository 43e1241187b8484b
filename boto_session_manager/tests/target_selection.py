"""Which AWS endpoint and credentials ``nox -s tests`` gives the integration suite, and why.

Kept free of third-party imports so the noxfile can use it before anything is installed.

- Explicit ``--aws local|real`` / ``--credentials oidc|dotenv`` always win.
- Inside GitHub Actions with an ID token: real AWS through OIDC (role from ``AWS_ROLE_ARN``).
- Inside GitHub Actions without one (a pull request from a fork): integration tests skipped.
- Locally with a ``.env`` holding a key (from ``nox -s deploy``): that key, at its endpoint.
- Otherwise: a fresh local emulator, deployed into and torn down by the test session.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import settings

__all__ = ["TestTarget", "choose_test_target", "split_test_arguments"]

AWS_VAR = "BSM_TEST_AWS"
CREDENTIALS_VAR = "BSM_TEST_CREDENTIALS"
SKIP_VAR = "BSM_TEST_SKIP_INTEGRATION"
_TOKEN_VARS = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


class TargetError(ValueError):
    """The requested combination cannot run here; the message says what to do."""


@dataclass(frozen=True)
class TestTarget:
    """The choice, its reason, and the environment variables that tell pytest about it."""

    __test__ = False  # not a pytest test class

    aws: str  # "local", "real", "dotenv-endpoint" or "skip"
    credentials: str  # "dotenv", "oidc" or "-"
    reason: str
    env: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the log (no secret: names and paths only)."""
        return f"integration tests: aws={self.aws}, credentials={self.credentials} ({self.reason})"


def split_test_arguments(posargs: Sequence[str]) -> tuple[str | None, str | None, list[str]]:
    """Take ``--aws`` and ``--credentials`` out of the session's arguments; the rest is pytest's."""
    parser = argparse.ArgumentParser(prog="nox -s tests --", add_help=False)
    parser.add_argument("--aws", choices=("local", "real"))
    parser.add_argument("--credentials", choices=("oidc", "dotenv"))
    known, rest = parser.parse_known_args(list(posargs))
    return known.aws, known.credentials, rest


def _dotenv_has_key(path: Path) -> bool:
    # credentials.dotenv_file.dotenv_has_access_key needs python-dotenv, which nox's own
    # interpreter may lack: this stdlib reading only answers "is there a key at all".
    if not path.is_file():
        return False
    names = {
        line.split("=", 1)[0].strip().removeprefix("export ").strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if "=" in line and line.split("=", 1)[1].strip()
    }
    return {settings.DOTENV_ACCESS_KEY_ID_VAR, settings.DOTENV_SECRET_ACCESS_KEY_VAR} <= names


def choose_test_target(
    *,
    aws: str | None,
    credentials: str | None,
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path = Path(settings.DOTENV_PATH),
) -> TestTarget:
    """Decide where the integration tests run, and why."""
    env = os.environ if environ is None else environ
    in_actions = env.get("GITHUB_ACTIONS") == "true"
    has_token = all(env.get(name) for name in _TOKEN_VARS)
    has_dotenv = _dotenv_has_key(dotenv_path)

    if aws == "local":
        return TestTarget(
            "local",
            credentials or "dotenv",
            "chosen with --aws local: a fresh "
            "local emulator, deployed into and torn down by this run",
            {AWS_VAR: "local", CREDENTIALS_VAR: credentials or "dotenv"},
        )
    if aws == "real" or (aws is None and credentials is not None):
        chosen = credentials or ("oidc" if has_token else "dotenv")
        if chosen == "oidc" and not has_token:
            raise TargetError(
                "--credentials oidc against real AWS needs a GitHub Actions ID token: run it "
                "in a workflow job with `permissions: id-token: write`"
            )
        if chosen == "dotenv" and not has_dotenv:
            raise TargetError(
                f"--credentials dotenv needs {dotenv_path} with a key: run `nox -s deploy`"
            )
        return TestTarget(
            "real",
            chosen,
            f"chosen with --aws/--credentials: the stack that "
            f"`nox -s deploy` made, through {chosen}",
            {AWS_VAR: "real", CREDENTIALS_VAR: chosen},
        )
    if in_actions and has_token:
        if not env.get(settings.GITHUB_REPO_VAR_ROLE_ARN):
            raise TargetError(
                f"inside GitHub Actions with an ID token but {settings.GITHUB_REPO_VAR_ROLE_ARN} "
                f"is empty: set the repository variable (`nox -s deploy -- aws` with GITHUB_TOKEN "
                f"does) and pass it as `env: {settings.GITHUB_REPO_VAR_ROLE_ARN}: "
                f"${{{{ vars.{settings.GITHUB_REPO_VAR_ROLE_ARN} }}}}`"
            )
        return TestTarget(
            "real",
            "oidc",
            "inside GitHub Actions with an ID token: OIDC into the CI role",
            {AWS_VAR: "real", CREDENTIALS_VAR: "oidc"},
        )
    if in_actions:
        reason = (
            "inside GitHub Actions without an ID token (a pull request from a fork gets "
            "none, or the job lacks `permissions: id-token: write`): integration tests "
            "skipped"
        )
        return TestTarget("skip", "-", reason, {SKIP_VAR: reason})
    if has_dotenv:
        return TestTarget(
            "dotenv-endpoint",
            "dotenv",
            f"{dotenv_path} holds an access key (from `nox -s deploy`): its endpoint, its key",
            {CREDENTIALS_VAR: "dotenv"},
        )
    return TestTarget(
        "local",
        "dotenv",
        "no GitHub Actions token and no .env: a fresh local "
        "emulator, deployed into and torn down by this run",
        {AWS_VAR: "local", CREDENTIALS_VAR: "dotenv"},
    )
