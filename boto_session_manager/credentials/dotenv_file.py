"""An access key kept in a local ``.env`` file, for developers' machines.

Read with python-dotenv's ``dotenv_values``: the process environment is never changed.
The file may also name the endpoint (``AWS_ENDPOINT_URL``), its CA bundle
(``AWS_CA_BUNDLE``) and the region, which is how ``nox -s deploy`` points every tool at
the local AWS emulator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import DotenvFileNotFoundError, DotenvVariableError

__all__ = ["DotenvCredentials", "dotenv_has_access_key", "read_dotenv_credentials"]

ACCESS_KEY_ID_VAR = "AWS_ACCESS_KEY_ID"
SECRET_ACCESS_KEY_VAR = "AWS_SECRET_ACCESS_KEY"  # noqa: S105 - a variable name


@dataclass(frozen=True)
class DotenvCredentials:
    """What a ``.env`` file says: the key pair and, optionally, region, endpoint, CA bundle."""

    path: Path
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    region_name: str | None = None
    endpoint_url: str | None = None
    ca_bundle: str | None = None


def _values(path: Path) -> dict[str, str | None]:
    from dotenv import dotenv_values

    if not path.is_file():
        raise DotenvFileNotFoundError(path=path)
    return dict(dotenv_values(path))


def dotenv_has_access_key(
    path: str | os.PathLike[str],
    *,
    access_key_id_var: str = ACCESS_KEY_ID_VAR,
    secret_access_key_var: str = SECRET_ACCESS_KEY_VAR,
) -> bool:
    """Whether ``path`` is a file holding both key variables (non-empty)."""
    target = Path(path)
    if not target.is_file():
        return False
    values = _values(target)
    return bool(values.get(access_key_id_var)) and bool(values.get(secret_access_key_var))


def read_dotenv_credentials(
    path: str | os.PathLike[str] = ".env",
    *,
    access_key_id_var: str = ACCESS_KEY_ID_VAR,
    secret_access_key_var: str = SECRET_ACCESS_KEY_VAR,
) -> DotenvCredentials:
    """Read the key pair (and region, endpoint, CA bundle) from a ``.env`` file."""
    target = Path(path)
    values = _values(target)

    def required(name: str) -> str:
        value = values.get(name)
        if name not in values:
            raise DotenvVariableError(variable=name, problem="missing", path=target)
        if not value or not value.strip():
            raise DotenvVariableError(variable=name, problem="empty", path=target)
        return value.strip()

    def optional(*names: str) -> str | None:
        for name in names:
            value = values.get(name)
            if value and value.strip():
                return value.strip()
        return None

    return DotenvCredentials(
        path=target,
        access_key_id=required(access_key_id_var),
        secret_access_key=required(secret_access_key_var),
        session_token=optional("AWS_SESSION_TOKEN"),
        region_name=optional("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=optional("AWS_ENDPOINT_URL"),
        ca_bundle=_relative_to(target, optional("AWS_CA_BUNDLE")),
    )


def _relative_to(dotenv_path: Path, value: str | None) -> str | None:
    """A relative path in the file is relative to the file's folder."""
    if value is None or Path(value).is_absolute():
        return value
    return str(dotenv_path.parent / value)
