"""Which credential source ``from_environment`` takes: an ordered list of rules with reasons.

The rules are tried in order, the way botocore's credential resolver tries its providers; the
first that answers decides:

1. an explicit choice: the ``source`` argument;
2. an explicit choice: ``BSM_CREDENTIAL_SOURCE``;
3. inside GitHub Actions: OIDC when the job can request an ID token, else the keys an earlier
   ``bsm github-env`` step put in the environment, else an error naming the missing permission;
4. outside, the ``.env`` key when the file holds one;
5. boto3's default chain.

The choice and its reason are logged at INFO, never a secret.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from ..exceptions import (
    GitHubOidcNotAvailableError,
    InvalidCredentialSourceError,
    MissingRoleArnError,
)
from .dotenv_file import dotenv_has_access_key
from .github_token import REQUEST_TOKEN_VAR, REQUEST_URL_VAR

__all__ = [
    "RULES",
    "CredentialSource",
    "Selection",
    "oidc_role_arn",
    "select_credential_source",
]

logger = logging.getLogger("boto_session_manager")

SOURCE_VAR = "BSM_CREDENTIAL_SOURCE"
ROLE_ARN_VAR = "AWS_ROLE_ARN"


class CredentialSource(str, Enum):
    """The credential sources ``from_environment`` can take."""

    GITHUB_OIDC = "github-oidc"
    DOTENV = "dotenv"
    DEFAULT = "default"


@dataclass(frozen=True)
class Selection:
    """The chosen source and why."""

    source: CredentialSource
    reason: str


@dataclass(frozen=True)
class Where:
    """What the rules look at: an explicit choice, the ``.env`` path, the environment."""

    source: str | CredentialSource | None
    dotenv_path: str | os.PathLike[str]
    environ: Mapping[str, str]


def _explicit(value: str | CredentialSource, origin: str) -> CredentialSource:
    try:
        return CredentialSource(value)
    except ValueError:
        choices = ", ".join(s.value for s in CredentialSource)
        raise InvalidCredentialSourceError(source=value, origin=origin, choices=choices) from None


def explicit_argument(where: Where) -> Selection | None:
    """The ``source`` argument always wins."""
    if where.source is None:
        return None
    return Selection(_explicit(where.source, "the source argument"), "chosen explicitly")


def explicit_variable(where: Where) -> Selection | None:
    """Then ``BSM_CREDENTIAL_SOURCE``."""
    value = where.environ.get(SOURCE_VAR)
    if not value:
        return None
    return Selection(_explicit(value, SOURCE_VAR), f"chosen by {SOURCE_VAR}")


def github_actions(where: Where) -> Selection | None:
    """Inside GitHub Actions: OIDC, else keys already exported, else say what is missing."""
    env = where.environ
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    if env.get(REQUEST_URL_VAR) and env.get(REQUEST_TOKEN_VAR):
        return Selection(
            CredentialSource.GITHUB_OIDC, "inside GitHub Actions with an ID token available"
        )
    if env.get("AWS_ACCESS_KEY_ID"):
        return Selection(
            CredentialSource.DEFAULT,
            "inside GitHub Actions without an ID token, keys already in the environment",
        )
    raise GitHubOidcNotAvailableError(missing=f"{REQUEST_URL_VAR} and {REQUEST_TOKEN_VAR}")


def dotenv_key(where: Where) -> Selection | None:
    """Outside GitHub Actions, the ``.env`` key when the file holds one."""
    if not dotenv_has_access_key(where.dotenv_path):
        return None
    return Selection(CredentialSource.DOTENV, f"{os.fspath(where.dotenv_path)} holds an access key")


def default_chain(where: Where) -> Selection:
    """Otherwise boto3's default chain."""
    return Selection(
        CredentialSource.DEFAULT,
        f"no GitHub Actions, no access key in {os.fspath(where.dotenv_path)}",
    )


#: The rules, in order: the first that returns a selection decides (the last always does).
RULES: tuple[Callable[[Where], Selection | None], ...] = (
    explicit_argument,
    explicit_variable,
    github_actions,
    dotenv_key,
    default_chain,
)


def select_credential_source(
    *,
    source: str | CredentialSource | None = None,
    dotenv_path: str | os.PathLike[str] = ".env",
    environ: Mapping[str, str] | None = None,
) -> Selection:
    """Decide which credential source applies here, and say why."""
    where = Where(source, dotenv_path, os.environ if environ is None else environ)
    selection = next(found for rule in RULES if (found := rule(where)) is not None)
    logger.info("credential source: %s (%s)", selection.source.value, selection.reason)
    return selection


def oidc_role_arn(role_arn: str | None, environ: Mapping[str, str]) -> str:
    """The role for the OIDC source: the argument, else ``AWS_ROLE_ARN``, else an error."""
    arn = role_arn or environ.get(ROLE_ARN_VAR)
    if not arn:
        raise MissingRoleArnError(variable=ROLE_ARN_VAR)
    return arn
