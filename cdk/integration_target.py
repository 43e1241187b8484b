"""Where the integration suite runs, and why: decided once, handed to pytest as one JSON value.

``nox -s tests`` runs ``python -m cdk.integration_target [--aws ...] [--credentials ...]`` in
its virtualenv (so the library's own ``dotenv_has_access_key`` judges the ``.env``), logs the
reason, and passes the printed JSON to pytest as ``BSM_TEST_TARGET``; the integration
fixtures only read it. Run by hand without it, pytest decides by these same rules.

- Explicit ``--aws local|real`` / ``--credentials oidc|dotenv`` always win.
- Inside GitHub Actions with an ID token: the deployed stack through OIDC (``AWS_ROLE_ARN``).
- Inside GitHub Actions without one: skipped for a pull request from a fork or a Dependabot
  run (GitHub gives them none), an error naming ``id-token: write`` for any other run.
- Locally with a ``.env`` holding a key (from ``nox -s deploy``): that key, at its endpoint.
- Otherwise: a fresh local emulator, deployed into and torn down by the test session.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import settings

__all__ = [
    "TARGET_VAR",
    "TargetError",
    "TestTarget",
    "choose_test_target",
    "current_test_target",
    "split_test_arguments",
]

#: The one variable that tells pytest where to run (JSON of :class:`TestTarget`).
TARGET_VAR = "BSM_TEST_TARGET"
FRESH_EMULATOR, DEPLOYED, SKIP = "fresh-emulator", "deployed", "skip"
_TOKEN_VARS = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
_PROJECT_DOTENV = Path(__file__).resolve().parent.parent / settings.DOTENV_PATH


class TargetError(ValueError):
    """The requested combination cannot run here; the message says what to do."""


@dataclass(frozen=True)
class TestTarget:
    """Which stack the integration suite tests, through which credentials, and why."""

    __test__ = False  # not a pytest test class

    #: ``fresh-emulator`` (started, deployed into, torn down by the test session),
    #: ``deployed`` (the stack ``nox -s deploy`` made, wherever it runs) or ``skip``.
    stack: str
    #: ``dotenv`` (the test user's key) or ``oidc`` (the CI role); ``None`` when skipped.
    credentials: str | None
    reason: str
    #: The ``.env`` with the test user's key (``deployed`` through ``dotenv``).
    dotenv_path: str | None = None

    def __post_init__(self) -> None:
        if self.stack not in (FRESH_EMULATOR, DEPLOYED, SKIP):
            raise TargetError(f"unknown stack {self.stack!r} in {TARGET_VAR}")
        if self.credentials not in (None, "dotenv", "oidc"):
            raise TargetError(f"unknown credentials {self.credentials!r} in {TARGET_VAR}")

    def describe(self) -> str:
        """One line for the log (no secret: names and paths only)."""
        return (
            f"integration tests: stack={self.stack}, credentials={self.credentials or '-'} "
            f"({self.reason})"
        )

    def to_json(self) -> str:
        """The value of ``BSM_TEST_TARGET``."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TestTarget:
        """Read ``BSM_TEST_TARGET`` back; anything else is a :class:`TargetError`."""
        try:
            data: Any = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError) as error:
            raise TargetError(
                f"{TARGET_VAR} is not a test target ({error}); let `nox -s tests` set it, or "
                f"unset it"
            ) from None


def split_test_arguments(posargs: Sequence[str]) -> tuple[str | None, str | None, list[str]]:
    """Take ``--aws`` and ``--credentials`` out of the session's arguments; the rest is pytest's."""
    parser = argparse.ArgumentParser(prog="nox -s tests --", add_help=False)
    parser.add_argument("--aws", choices=("local", "real"))
    parser.add_argument("--credentials", choices=("oidc", "dotenv"))
    known, rest = parser.parse_known_args(list(posargs))
    return known.aws, known.credentials, rest


def _dotenv_has_key(path: Path) -> bool:
    """The library's own judgement (python-dotenv), so nox and ``from_dotenv`` agree."""
    from boto_session_manager.credentials.dotenv_file import dotenv_has_access_key
    from boto_session_manager.exceptions import BotoSesManagerError

    try:
        return dotenv_has_access_key(path)
    except BotoSesManagerError as error:  # unreadable: say so rather than guess
        raise TargetError(str(error)) from None


def choose_test_target(
    *,
    aws: str | None,
    credentials: str | None,
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path = _PROJECT_DOTENV,
) -> TestTarget:
    """Decide where the integration tests run, and why."""
    env = os.environ if environ is None else environ
    in_actions = env.get("GITHUB_ACTIONS") == "true"
    has_token = all(env.get(name) for name in _TOKEN_VARS)
    dotenv = str(dotenv_path)

    if aws == "local":
        return TestTarget(
            FRESH_EMULATOR,
            credentials or "dotenv",
            "chosen with --aws local: a fresh local emulator, deployed into and torn down by "
            "this run",
        )
    if aws == "real" or (aws is None and credentials is not None):
        chosen = credentials or ("oidc" if has_token else "dotenv")
        if chosen == "oidc" and not has_token:
            raise TargetError(
                "--credentials oidc against real AWS needs a GitHub Actions ID token: run it "
                "in a workflow job with `permissions: id-token: write`"
            )
        if chosen == "dotenv" and not _dotenv_has_key(dotenv_path):
            raise TargetError(
                f"--credentials dotenv needs {dotenv_path} with a key: run `nox -s deploy`"
            )
        return TestTarget(
            DEPLOYED,
            chosen,
            f"chosen with --aws/--credentials: the stack that `nox -s deploy` made, through "
            f"{chosen}",
            dotenv if chosen == "dotenv" else None,
        )
    if in_actions and has_token:
        variable = settings.GITHUB_REPO_VAR_ROLE_ARN
        if not env.get(variable):
            raise TargetError(
                f"inside GitHub Actions with an ID token but {variable} is empty: set the "
                f"repository variable (`nox -s deploy -- aws` with GITHUB_TOKEN does) and pass "
                f"it as `env: {variable}: ${{{{ vars.{variable} }}}}`"
            )
        return TestTarget(
            DEPLOYED, "oidc", "inside GitHub Actions with an ID token: OIDC into the CI role"
        )
    if in_actions:
        return _without_id_token(env)
    if _dotenv_has_key(dotenv_path):
        return TestTarget(
            DEPLOYED,
            "dotenv",
            f"{dotenv_path} holds an access key (from `nox -s deploy`): its endpoint, its key",
            dotenv,
        )
    return TestTarget(
        FRESH_EMULATOR,
        "dotenv",
        "no GitHub Actions token and no .env with a key: a fresh local emulator, deployed "
        "into and torn down by this run",
    )


#: Events whose payload names the pull request's head repository.
_PULL_REQUEST_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")


def _untrusted_run(env: Mapping[str, str]) -> str | None:
    """Why GitHub gives this run no ID token by design (fork, Dependabot), or ``None``.

    Read from the event payload (``GITHUB_EVENT_PATH``); an unreadable payload counts as a
    fork, so a run whose origin cannot be told is skipped rather than failed.
    """
    if env.get("GITHUB_ACTOR") == "dependabot[bot]":
        return "a Dependabot run gets no ID token"
    if env.get("GITHUB_EVENT_NAME") not in _PULL_REQUEST_EVENTS:
        return None
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        head = event["pull_request"]["head"]["repo"]
        base = event["repository"]["full_name"]
    except (KeyError, TypeError, OSError, ValueError):
        return "a pull request whose head repository cannot be read (treated as a fork)"
    if not isinstance(head, dict) or head.get("fork") or head.get("full_name") != base:
        return "a pull request from a fork gets no ID token"
    return None


def _without_id_token(env: Mapping[str, str]) -> TestTarget:
    """Inside Actions without an ID token: skip for forks and Dependabot, else say the fix."""
    untrusted = _untrusted_run(env)
    if untrusted is not None:
        return TestTarget(
            SKIP, None, f"inside GitHub Actions without an ID token ({untrusted}): "
            "integration tests skipped",
        )  # fmt: skip
    raise TargetError(
        f"inside GitHub Actions ({env.get('GITHUB_EVENT_NAME') or 'an event'} in this "
        "repository) without an ID token: add `permissions: id-token: write` to the job in "
        "the workflow file (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN "
        "are set only with it)"
    )


def current_test_target(
    environ: Mapping[str, str] | None = None, *, dotenv_path: Path = _PROJECT_DOTENV
) -> TestTarget:
    """The target ``nox -s tests`` chose (``BSM_TEST_TARGET``), or by the same rules."""
    env = os.environ if environ is None else environ
    given = env.get(TARGET_VAR)
    if given:
        return TestTarget.from_json(given)
    return choose_test_target(aws=None, credentials=None, environ=env, dotenv_path=dotenv_path)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the chosen target as JSON (its reason on stderr); one error line and 1 if none."""
    aws, credentials, rest = split_test_arguments(sys.argv[1:] if argv is None else argv)
    if rest:
        print(f"error: unexpected arguments {rest}", file=sys.stderr)
        return 2
    try:
        target = choose_test_target(aws=aws, credentials=credentials)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(target.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main())
