"""The test user's access key, kept out of CloudFormation: create, rotate, delete; write ``.env``.

Rotation never leaves the developer without a working key: a new key is created, checked
with ``sts:GetCallerIdentity`` (retried briefly: IAM is eventually consistent), written to
``.env`` (atomically, mode 0600), and only then are the older keys deleted. IAM allows two
keys per user; when both slots are taken, an inactive key, or else the older one, is removed
first, but never the key ``.env`` holds.

``.env`` is refused where git would track it (``git check-ignore``). No secret is ever printed:
messages name keys by a masked id only (the library's ``mask_access_key_id``).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from boto_session_manager.files import write_secure_file
from boto_session_manager.identity import mask_access_key_id

from . import settings
from .errors import ProjectError

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_sts import STSClient

__all__ = [
    "DOTENV_MARKER",
    "AccessKeyError",
    "RotationResult",
    "check_dotenv_not_tracked",
    "delete_access_keys",
    "forget_stale_local_dotenv",
    "keys_to_make_room",
    "read_dotenv_key_id",
    "render_dotenv",
    "rotate_access_key",
]

#: First line of every ``.env`` this module writes; ``delete_access_keys`` removes only those.
DOTENV_MARKER = "# Written by `nox -s deploy` (cdk/access_key.py); `nox -s destroy` deletes it."
#: STS error codes a brand-new key may get until IAM has propagated it.
_NOT_YET_CODES = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied"})


class AccessKeyError(ProjectError):
    """A one-line reason why the access key or ``.env`` could not be handled, with the fix."""


@dataclass(frozen=True)
class RotationResult:
    """What a rotation did (key ids only, never the secret)."""

    access_key_id: str
    dotenv_path: Path
    deleted_key_ids: tuple[str, ...]
    verify_attempts: int


def check_dotenv_not_tracked(path: Path) -> None:
    """Raise unless git would ignore ``path`` (or ``path`` is outside any git work tree)."""
    directory = path.parent.resolve()
    try:
        result = subprocess.run(
            ["git", "check-ignore", "-q", "--", path.name],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return  # no git on this machine: nothing could track it
    if result.returncode == 0:
        return
    if result.returncode == 1:
        raise AccessKeyError(
            f"refusing to write {path}: git would track it; add `{path.name}` to .gitignore "
            "(or `git rm --cached` it if it is already tracked)"
        )
    if "not a git repository" in result.stderr:
        return
    raise AccessKeyError(f"cannot tell whether git ignores {path}: {result.stderr.strip()}")


def read_dotenv_key_id(path: Path) -> str | None:
    """The access key id a ``.env`` file holds, if any."""
    if not path.is_file():
        return None
    from dotenv import dotenv_values

    value = dotenv_values(path).get(settings.DOTENV_ACCESS_KEY_ID_VAR)
    return value or None


def _quote(value: str) -> str:
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def render_dotenv(
    *, access_key_id: str, secret_access_key: str, extra: Mapping[str, str] = {}
) -> str:
    """The text of ``.env``: marker line, key pair, then ``extra`` (region, endpoint, CA)."""
    lines = [
        DOTENV_MARKER,
        "# The test IAM user's access key. Never commit this file.",
        f"{settings.DOTENV_ACCESS_KEY_ID_VAR}={_quote(access_key_id)}",
        f"{settings.DOTENV_SECRET_ACCESS_KEY_VAR}={_quote(secret_access_key)}",
    ]
    lines += [f"{name}={_quote(value)}" for name, value in extra.items()]
    return "\n".join(lines) + "\n"


def _error_code(error: Exception) -> str:
    response: Any = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def keys_to_make_room(
    keys: Sequence[Mapping[str, Any]], *, keep: str | None, limit: int = 2
) -> list[str]:
    """Which existing keys to delete so one more fits: inactive first, then oldest; not ``keep``."""
    excess = len(keys) - (limit - 1)
    if excess <= 0:
        return []
    candidates = [key for key in keys if key["AccessKeyId"] != keep]
    candidates.sort(key=lambda key: (key.get("Status") == "Active", key.get("CreateDate")))
    return [str(key["AccessKeyId"]) for key in candidates[:excess]]


def _verify_key(
    sts_factory: Callable[[str, str], STSClient],
    *,
    access_key_id: str,
    secret_access_key: str,
    user_name: str,
    timeout: float,
) -> int:
    """Call GetCallerIdentity with the new key until it works; return the attempts made."""
    deadline = time.monotonic() + timeout
    delay = 0.2
    attempts = 0
    while True:
        attempts += 1
        try:
            identity = sts_factory(access_key_id, secret_access_key).get_caller_identity()
        except Exception as error:
            if _error_code(error) not in _NOT_YET_CODES or time.monotonic() + delay > deadline:
                raise AccessKeyError(
                    f"the new access key {mask_access_key_id(access_key_id)} does not work "
                    f"({_error_code(error) or type(error).__name__}); it was deleted and "
                    ".env left as it was: check the test user's policy and retry"
                ) from error
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        if not identity["Arn"].endswith(f":user/{user_name}"):
            raise AccessKeyError(
                f"the new access key {mask_access_key_id(access_key_id)} authenticates as "
                f"{identity['Arn']}, not user {user_name}"
            )
        return attempts


def rotate_access_key(
    *,
    iam: IAMClient,
    sts_factory: Callable[[str, str], STSClient],
    user_name: str,
    dotenv_path: str | os.PathLike[str],
    extra_env: Mapping[str, str] = {},
    verify_timeout: float = 30.0,
    log: Callable[[str], None] = print,
) -> RotationResult:
    """Give ``user_name`` a fresh working access key in ``.env`` and delete its other keys.

    ``sts_factory(key_id, secret)`` makes an STS client for the new key (endpoint, CA and
    region included). ``extra_env`` adds lines to ``.env`` (region, endpoint URL, CA path).
    """
    path = Path(dotenv_path)
    check_dotenv_not_tracked(path)
    current = read_dotenv_key_id(path)
    existing = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
    deleted: list[str] = []
    for key_id in keys_to_make_room(existing, keep=current):
        iam.delete_access_key(UserName=user_name, AccessKeyId=key_id)
        deleted.append(key_id)
        log(f"deleted access key {mask_access_key_id(key_id)} to make room (two keys per user)")
    created = iam.create_access_key(UserName=user_name)["AccessKey"]
    new_id, new_secret = created["AccessKeyId"], created["SecretAccessKey"]
    log(f"created access key {mask_access_key_id(new_id)} for {user_name}")
    try:
        attempts = _verify_key(
            sts_factory,
            access_key_id=new_id,
            secret_access_key=new_secret,
            user_name=user_name,
            timeout=verify_timeout,
        )
    except AccessKeyError:
        iam.delete_access_key(UserName=user_name, AccessKeyId=new_id)
        raise
    write_secure_file(
        path,
        render_dotenv(access_key_id=new_id, secret_access_key=new_secret, extra=extra_env),
    )
    log(f"wrote {path} (mode 0600) with access key {mask_access_key_id(new_id)}")
    for key in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
        key_id = key["AccessKeyId"]
        if key_id != new_id:
            iam.delete_access_key(UserName=user_name, AccessKeyId=key_id)
            deleted.append(key_id)
            log(f"deleted old access key {mask_access_key_id(key_id)}")
    return RotationResult(
        access_key_id=new_id,
        dotenv_path=path,
        deleted_key_ids=tuple(deleted),
        verify_attempts=attempts,
    )


def delete_access_keys(
    *,
    iam: IAMClient,
    user_name: str,
    dotenv_path: str | os.PathLike[str],
    log: Callable[[str], None] = print,
) -> tuple[str, ...]:
    """Delete every access key of ``user_name`` and the ``.env`` this module wrote.

    A missing user means there is nothing to delete. A ``.env`` without this module's marker
    line is left alone (it is not ours).
    """
    deleted: list[str] = []
    try:
        keys = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
    except iam.exceptions.NoSuchEntityException:
        keys = []
    for key in keys:
        iam.delete_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"])
        deleted.append(key["AccessKeyId"])
        log(f"deleted access key {mask_access_key_id(key['AccessKeyId'])} of {user_name}")
    path = Path(dotenv_path)
    if _written_by_deploy(path):
        path.unlink()
        log(f"deleted {path}")
    elif path.is_file():
        log(f"left {path} alone: it was not written by `nox -s deploy`")
    return tuple(deleted)


def _written_by_deploy(path: Path) -> bool:
    """Whether ``path`` is a file whose first line is :data:`DOTENV_MARKER`."""
    return path.is_file() and path.read_text(encoding="utf-8").split("\n", 1)[0] == DOTENV_MARKER


def forget_stale_local_dotenv(dotenv: Path, *, log: Callable[[str], None]) -> None:
    """Delete a ``.env`` deploy wrote for an emulator that no longer runs (its key died with
    it); any other file is left alone."""
    from dotenv import dotenv_values

    from .deployment import is_loopback_url

    if not _written_by_deploy(dotenv):
        return
    endpoint = dotenv_values(dotenv).get(settings.DOTENV_ENDPOINT_URL_VAR) or ""
    if is_loopback_url(endpoint):
        dotenv.unlink()
        log(f"deleted {dotenv}: it pointed at the stopped emulator {endpoint}")
