"""An access key kept in a local ``.env`` file, for developers' machines.

Read with python-dotenv's ``dotenv_values``: the process environment is never changed.
The file may also name the endpoint (``AWS_ENDPOINT_URL``), its CA bundle
(``AWS_CA_BUNDLE``) and the region, which is how ``nox -s deploy`` points every tool at
the local AWS emulator.

The file must be UTF-8 (a byte-order mark is allowed). A file that cannot be read or decoded,
a directory given as the file, and an ``AWS_ENDPOINT_URL`` botocore would refuse each raise
:class:`~boto_session_manager.DotenvFileError`, naming the file and the fix.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..exceptions import DotenvFileError, DotenvFileNotFoundError, DotenvVariableError
from ..region import resolve_region
from . import SessionSetup
from .urls import shown_url

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


_SAVE_AS_UTF8 = "Save it as UTF-8"
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16: its mark starts the same way
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _text(path: Path) -> str:
    """The file's text, or an error naming what is wrong with it and the fix."""
    if path.is_dir():
        raise DotenvFileError(
            path=path,
            problem="it is a directory",
            fix="Pass the path of the .env file itself (a .env folder, such as a virtualenv, "
            "is not one).",
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DotenvFileNotFoundError(path=path) from None
    except OSError as exc:
        raise DotenvFileError(
            path=path,
            problem=f"it cannot be read ({exc.strerror or type(exc).__name__})",
            fix="Check that it is a regular file you may read (mode 0600).",
        ) from None
    for mark, encoding in _WIDE_ENCODINGS:
        if raw.startswith(mark):
            raise DotenvFileError(
                path=path,
                problem=f"it is {encoding} encoded (as PowerShell's `>` writes files)",
                fix=f"{_SAVE_AS_UTF8}: `iconv -f {encoding} -t UTF-8 {path} > {path}.utf8 && "
                f"mv {path}.utf8 {path}`, or `Out-File -Encoding utf8` in PowerShell.",
            )
    if b"\x00" in raw:  # ASCII in UTF-16 without a mark decodes as UTF-8, NULs and all
        raise DotenvFileError(
            path=path,
            problem="it holds NUL bytes (UTF-16 without a byte-order mark?)",
            fix=f"{_SAVE_AS_UTF8}: `iconv -f UTF-16LE -t UTF-8 {path} > {path}.utf8 && "
            f"mv {path}.utf8 {path}`.",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DotenvFileError(
            path=path,
            problem=f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not UTF-8",
            fix=f"{_SAVE_AS_UTF8} (the encoding python-dotenv reads).",
        ) from None


def _values(path: Path) -> dict[str, str | None]:
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(_text(path))))


def dotenv_has_access_key(
    path: str | os.PathLike[str],
    *,
    access_key_id_var: str = ACCESS_KEY_ID_VAR,
    secret_access_key_var: str = SECRET_ACCESS_KEY_VAR,
) -> bool:
    """Whether ``path`` is a file holding both key variables (non-empty).

    ``False`` when nothing is at ``path`` or it is a directory (a ``.env/`` virtualenv);
    :class:`~boto_session_manager.DotenvFileError` when it is a file that cannot be read or
    decoded, since the user meant it as a ``.env`` and should hear why it is not used.
    """
    target = Path(path)
    if not target.exists() or target.is_dir():
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

    endpoint_url = optional("AWS_ENDPOINT_URL")
    if endpoint_url is not None:
        _check_endpoint_url(target, endpoint_url)
    return DotenvCredentials(
        path=target,
        access_key_id=required(access_key_id_var),
        secret_access_key=required(secret_access_key_var),
        session_token=optional("AWS_SESSION_TOKEN"),
        region_name=optional("AWS_REGION", "AWS_DEFAULT_REGION"),
        endpoint_url=endpoint_url,
        ca_bundle=_relative_to(target, optional("AWS_CA_BUNDLE")),
    )


def _check_endpoint_url(path: Path, url: str) -> None:
    """Refuse, naming the file, an endpoint URL botocore would refuse at the first client."""
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        usable = False
    if not (usable and (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))):
        raise DotenvFileError(
            path=path,
            problem=f"AWS_ENDPOINT_URL={shown_url(url)} is not an http(s) URL with a valid host",
            fix="Write it as https://HOST[:PORT] or http://HOST:PORT (`nox -s deploy` writes "
            "it), or remove the line to use AWS's own endpoints.",
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
