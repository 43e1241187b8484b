"""What the deploy tests share: the emulator's ARNs, the pinned repository, small helpers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdk import settings
from tests.shared_setup import OWNER_ID, REPOSITORY_ID

if TYPE_CHECKING:
    from boto_session_manager.testing.local_aws import LocalAws

ACCOUNT = settings.LOCAL_AWS_ACCOUNT_ID
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/{settings.TEST_IAM_USER_NAME}"
TEST_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{settings.TEST_IAM_ROLE_NAME}"
CI_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{settings.CI_IAM_ROLE_NAME}"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{settings.GITHUB_OIDC_PROVIDER_HOST}"
OWNER, NAME = "octo-org", "octo-repo"
REPOSITORY = f"{OWNER}/{NAME}"
IMMUTABLE = f"{OWNER}@{OWNER_ID}/{NAME}@{REPOSITORY_ID}"
#: The repository and its ids, as `nox -s deploy` passes them after finding them.
PINNED = {"githubOwner": OWNER, "githubRepository": NAME,
          "githubOwnerId": OWNER_ID, "githubRepositoryId": REPOSITORY_ID}  # fmt: skip


def quiet(_message: str) -> None:
    """Swallow deploy's progress lines."""


def sts_client(emulator: LocalAws, key_id: str | None = None, secret: str | None = None) -> Any:
    """An STS client of the emulator with the given key (admin's when none)."""
    import boto3

    session = boto3.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=emulator.region
    )
    return session.client("sts", **emulator.client_kwargs())


def proc_state(pid: int) -> str:
    """The state letter of process ``pid`` ("Z" for a zombie), or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
