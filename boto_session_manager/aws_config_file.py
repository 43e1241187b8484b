"""The AWS config file: a profile written or updated in place, and credentials that shadow others.

- :func:`write_profile` sets keys of one profile in ``AWS_CONFIG_FILE`` (default
  ``~/.aws/config``): other profiles, other keys of the profile and every comment stay as
  they are; keys that would take precedence over the new ones in the SDKs' credential chain
  (``role_arn``, ``sso_*``, static keys...) are removed from that profile; the file is
  replaced atomically (mode 0600).
- :func:`credential_process_command` quotes a command line for ``credential_process`` the
  way botocore splits it (``shlex`` on POSIX, the C runtime's rules on Windows), which is
  also what the shells the Go and JavaScript SDKs run it with accept.
- :func:`default_profile_credentials` says whether the default profile holds credentials of
  its own, which SDKs use before a container-credentials endpoint.

Sections are read as botocore reads them: ``[default]`` or ``[profile NAME]`` in the config
file, ``[NAME]`` in the shared credentials file; ``#`` and ``;`` start comments; indented
lines continue the key above them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .exceptions import AwsConfigFileError

__all__ = [
    "SHADOWING_KEYS",
    "check_profile_name",
    "config_file_path",
    "credential_process_command",
    "default_profile_credentials",
    "set_profile_text",
    "write_profile",
]

#: Keys that give a profile credentials of its own (any of them makes the profile win over
#: later providers such as a container endpoint, or over ``credential_process``).
SHADOWING_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "role_arn",
        "source_profile",
        "credential_source",
        "web_identity_token_file",
        "credential_process",
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "sso_region",
        "login_session",
    }
)
_HEADER = re.compile(r"\[(?P<header>.+)\]")
_KEY = re.compile(r"(?P<key>[^\s=:][^=:]*?)\s*[=:]")
#: Profile names this module writes: what every SDK's INI reader takes without quoting.
_PROFILE_NAME = re.compile(r"[\w.+@-]{1,128}", re.ASCII)
#: Where the JavaScript SDK's INI reader starts an inline comment.
_INLINE_COMMENT = re.compile(r"\s[#;]")


def config_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """``AWS_CONFIG_FILE``, else ``~/.aws/config``, with ``~`` expanded."""
    env = os.environ if environ is None else environ
    return Path(os.path.expanduser(env.get("AWS_CONFIG_FILE") or "~/.aws/config"))


def _credentials_file_path(environ: Mapping[str, str]) -> Path:
    path = environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(os.path.expanduser(path))


def _profile_of(header: str) -> str | None:
    """The profile a config-file section header names, or ``None`` (``sso-session`` ...)."""
    header = header.strip()
    if header == "default":
        return header
    if not header.startswith("profile"):
        return None
    try:
        parts = shlex.split(header)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 and parts[0] == "profile" else None


def _sections(text: str) -> list[tuple[str | None, list[str]]]:
    """The text as (section header or ``None`` before the first, its lines) blocks."""
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines(keepends=True):
        found = _HEADER.match(line.strip()) if line[:1] not in (" ", "\t") else None
        if found:
            blocks.append((found.group("header"), [line]))
        else:
            blocks[-1][1].append(line)
    return blocks


def _keys_of(lines: Sequence[str]) -> list[tuple[str | None, str]]:
    """Each line with the key it belongs to (continuation lines too), ``None`` for others."""
    tagged: list[tuple[str | None, str]] = []
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            current = None
            tagged.append((None, line))
        elif line[:1] in (" ", "\t") and current is not None:
            tagged.append((current, line))
        else:
            found = _KEY.match(stripped)
            current = found.group("key").strip().lower() if found else None
            tagged.append((current, line))
    return tagged


def set_profile_text(text: str, name: str, values: Mapping[str, str]) -> str:
    """``text`` (an AWS config file) with profile ``name`` holding ``values``.

    In the first section of the profile, ``values`` replace the lines of the same keys, and
    the other keys of :data:`SHADOWING_KEYS` are removed; a later duplicate section loses
    those keys too. A missing profile is appended. Everything else is kept byte for byte.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    drop = SHADOWING_KEYS | set(values)
    written = False
    out: list[str] = []
    for header, lines in _sections(text):
        if header is None or _profile_of(header) != name:
            out.extend(lines)
            continue
        head, body = lines[0], lines[1:]
        out.append(head if head.endswith(("\n", "\r")) else head + newline)
        if not written:
            out.extend(f"{key} = {value}{newline}" for key, value in values.items())
            written = True
        out.extend(line for key, line in _keys_of(body) if key not in drop)
    if not written:
        so_far = "".join(out)
        if so_far and not so_far.endswith(("\n", "\r")):
            out.append(newline)
        last_line = so_far.rstrip("\r\n").rsplit("\n", 1)[-1]
        if last_line.strip():  # a blank line between the last section and the new one
            out.append(newline)
        section = "default" if name == "default" else f"profile {name}"
        out.append(f"[{section}]{newline}")
        out.extend(f"{key} = {value}{newline}" for key, value in values.items())
    return "".join(out)


def check_profile_name(name: str) -> str:
    """``name`` if every SDK reads it back unquoted, else :class:`AwsConfigFileError`."""
    if _PROFILE_NAME.fullmatch(name):
        return name
    raise AwsConfigFileError(
        path=config_file_path(),
        problem=f"the profile name {name!r} is not one this command writes",
        fix="Use 1 to 128 letters, digits and '_.+@-'",
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8"
        raise AwsConfigFileError(
            path=path,
            problem=f"it cannot be read ({reason or type(exc).__name__})",
            fix="Point AWS_CONFIG_FILE at a UTF-8 file you may write, or fix this one",
        ) from None


def write_profile(path: Path, name: str, values: Mapping[str, str]) -> Path:
    """Set ``values`` in profile ``name`` of the config file at ``path`` (atomic, 0600)."""
    from .files import write_secure_file

    check_profile_name(name)
    for key, value in values.items():
        if "\n" in value or "\r" in value:
            raise AwsConfigFileError(
                path=path, problem=f"the value of {key} holds a line break", fix="Remove it"
            )
    text = _read(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return write_secure_file(path, set_profile_text(text, name, values))
    except OSError as exc:
        raise AwsConfigFileError(
            path=path,
            problem=f"it cannot be written ({exc.strerror or type(exc).__name__})",
            fix="Point AWS_CONFIG_FILE at a file in a folder you may write",
        ) from None


def credential_process_command(argv: Sequence[str], *, platform: str = sys.platform) -> str:
    """``argv`` as one ``credential_process`` value that botocore splits back into ``argv``."""
    command = subprocess.list2cmdline(argv) if platform == "win32" else shlex.join(argv)
    if "\n" in command or "\r" in command or _INLINE_COMMENT.search(command):
        raise AwsConfigFileError(
            path=config_file_path(),
            problem="the credential_process command would hold a line break, or ' #' or ' ;' "
            "(which some SDKs read as the start of a comment)",
            fix="Install Python and the .env file at paths without those characters",
        )
    return command


def default_profile_credentials(environ: Mapping[str, str] | None = None) -> str | None:
    """Where the default profile has credentials of its own (``"[default] in PATH"``), or
    ``None``: what an SDK uses first when ``AWS_PROFILE`` is unset."""
    env = os.environ if environ is None else environ
    candidates = (
        (_credentials_file_path(env), lambda header: header.strip() == "default"),
        (config_file_path(env), lambda header: _profile_of(header) == "default"),
    )
    for path, is_default in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for header, lines in _sections(text):
            if header is None or not is_default(header):
                continue
            if any(key in SHADOWING_KEYS for key, _line in _keys_of(lines[1:])):
                return f"[{header.strip()}] in {path}"
    return None
