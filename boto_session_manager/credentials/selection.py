"""Which credential path to use: explicit choice, GitHub Actions OIDC, a local ``.env``, or boto3.

Order: an explicit choice (argument or ``BSM_CREDENTIAL_SOURCE``) always wins. Otherwise,
inside GitHub Actions, OIDC when the job can request an ID token (and keys already in the
environment, from an earlier ``bsm github-env`` step, when it cannot); outside, the ``.env`` key
when the file holds one; else boto3's default chain. The choice and its reason are logged at
INFO, never a secret.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from ..exceptions import GitHubOidcNotAvailableError, InvalidCredentialSourceError
from .dotenv_file import dotenv_has_access_key
from .github_token import REQUEST_TOKEN_VAR, REQUEST_URL_VAR

__all__ = ["CredentialSource", "Selection", "select_credential_source"]

logger = logging.getLogger("boto_session_manager")

SOURCE_VAR = "BSM_CREDENTIAL_SOURCE"
ROLE_ARN_VAR = "AWS_ROLE_ARN"


class CredentialSource(str, Enum):
    """The credential paths ``from_environment`` can take."""

    GITHUB_OIDC = "github-oidc"
    DOTENV = "dotenv"
    DEFAULT = "default"


@dataclass(frozen=True)
class Selection:
    """The chosen path and why."""

    source: CredentialSource
    reason: str


def _explicit(value: str | CredentialSource, origin: str) -> CredentialSource:
    try:
        return CredentialSource(value)
    except ValueError:
        choices = ", ".join(s.value for s in CredentialSource)
        raise InvalidCredentialSourceError(source=value, origin=origin, choices=choices) from None


def select_credential_source(
    *,
    source: str | CredentialSource | None = None,
    dotenv_path: str | os.PathLike[str] = ".env",
    environ: Mapping[str, str] | None = None,
) -> Selection:
    """Decide which credential path applies here, and say why."""
    env = os.environ if environ is None else environ
    if source is not None:
        selection = Selection(_explicit(source, "the source argument"), "chosen explicitly")
    elif env.get(SOURCE_VAR):
        selection = Selection(_explicit(env[SOURCE_VAR], SOURCE_VAR), f"chosen by {SOURCE_VAR}")
    elif env.get("GITHUB_ACTIONS") == "true":
        if env.get(REQUEST_URL_VAR) and env.get(REQUEST_TOKEN_VAR):
            selection = Selection(
                CredentialSource.GITHUB_OIDC, "inside GitHub Actions with an ID token available"
            )
        elif env.get("AWS_ACCESS_KEY_ID"):
            selection = Selection(
                CredentialSource.DEFAULT,
                "inside GitHub Actions without an ID token, keys already in the environment",
            )
        else:
            raise GitHubOidcNotAvailableError(missing=f"{REQUEST_URL_VAR} and {REQUEST_TOKEN_VAR}")
    elif dotenv_has_access_key(dotenv_path):
        selection = Selection(
            CredentialSource.DOTENV, f"{os.fspath(dotenv_path)} holds an access key"
        )
    else:
        selection = Selection(
            CredentialSource.DEFAULT,
            f"no GitHub Actions, no access key in {os.fspath(dotenv_path)}",
        )
    logger.info("credential source: %s (%s)", selection.source.value, selection.reason)
    return selection
