"""An access key kept in a local ``.env`` file, for developers' machines.

Read with python-dotenv's ``dotenv_values``: the process environment is never changed.
The file may also name the endpoint (``AWS_ENDPOINT_URL``), its CA bundle
(``AWS_CA_BUNDLE``) and the region, which is how ``nox -s deploy`` points every tool at
the local AWS emulator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import DotenvFileNotFoundError, DotenvVariableError
from ..region import resolve_region
from . import SessionSetup

__all__ = ["DotenvCredentials", "build_dotenv", "dotenv_has_access_key", "read_dotenv_credentials"]

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


def build_dotenv(
    path: str | os.PathLike[str] = ".env",
    *,
    access_key_id_var: str = ACCESS_KEY_ID_VAR,
    secret_access_key_var: str = SECRET_ACCESS_KEY_VAR,
    region_name: str | None = None,
    default_client_kwargs: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> SessionSetup:
    """The setup of a manager on the ``.env`` key; arguments win over the file.

    Region: ``region_name``, else the file's, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``
    from ``environ`` (default ``os.environ``), else the profile's.
    """
    found = read_dotenv_credentials(
        path, access_key_id_var=access_key_id_var, secret_access_key_var=secret_access_key_var
    )
    client_kwargs: dict[str, Any] = {}
    if found.endpoint_url:
        client_kwargs["endpoint_url"] = found.endpoint_url
    if found.ca_bundle:
        client_kwargs["verify"] = found.ca_bundle
    client_kwargs.update(default_client_kwargs or {})
    return SessionSetup(
        aws_access_key_id=found.access_key_id,
        aws_secret_access_key=found.secret_access_key,
        aws_session_token=found.session_token,
        region_name=resolve_region(region_name or found.region_name, environ),
        default_client_kwargs=client_kwargs,
    )
