"""Where the 2.x names went: one table, and the warnings that point 2.x code at the new place.

2.x code keeps working: a 2.x module path (``boto_session_manager.api``, ``exc``, the names
2.x's ``manager`` and ``clients`` imported) forwards each name to where 3.0 defines it, and
says so with a :class:`DeprecationWarning` that names the 3.0 spelling. The warning points at
the line of the caller that used the old name, not at this package or the import machinery,
so Python's default filters show it for scripts (``__main__``) and test runners.

2.x calls that 3.0 refuses fail with the 3.0 spelling: the manager's methods that took
positional options in 2.x have a ``*positional_2x`` catch-all (typed ``NoReturn``, hidden
from ``help()`` by :func:`shown_without_catch_all`) and raise :func:`keyword_only_error`.
2.x's "not given" marker :data:`NOTHING` lives here (``sentinel`` re-exports it, and warns),
so the manager can read it as "not given" without importing ``sentinel``.
"""

from __future__ import annotations

import os
import sys
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing and importlib are loaded only when needed: manager.py imports this)
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, TypeVar

    from .exceptions import KeywordOnlyArgumentsError

    T = TypeVar("T")
    F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "ASSUME_ROLE_2X_PARAMETERS",
    "BOTO_SES_MANAGER_2X_PARAMETERS",
    "GET_CLIENT_2X_PARAMETERS",
    "MOVED",
    "NOTHING",
    "Moved",
    "forwarder",
    "keyword_only_error",
    "manager_getattr",
    "nothing_as_none",
    "shown_without_catch_all",
    "warn_moved",
    "warn_moved_module",
    "without_nothing",
]

_PACKAGE = "boto_session_manager"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_MIGRATION = 'see "Upgrading from 2.x" in the docs'


class Moved:
    """Where a 2.x name lives in 3.0: ``module``, ``name``, and a ``note`` for the warning."""

    __slots__ = ("module", "name", "note")

    def __init__(self, module: str, name: str, note: str = "") -> None:
        self.module = module
        self.name = name
        self.note = note

    def __repr__(self) -> str:
        return f"Moved({self.module!r}, {self.name!r})"

    def spelling(self) -> str:
        """The 3.0 import, e.g. ``from boto_session_manager import BotoSesManager``."""
        return f"from {self.module} import {self.name}"


_ROOT_MANAGER = Moved(_PACKAGE, "BotoSesManager")
_ROOT_ENUM = Moved(_PACKAGE, "AwsServiceEnum")
_NO_CREDENTIALS = Moved(_PACKAGE, "NoCredentialsError", " (the same class)")
_SENTINEL_NOTE = " (kept for 2.x code: 3.0 takes None for an argument not given)"
_SNAPSHOT_PATH = Moved(f"{_PACKAGE}.paths", "PATH_DEFAULT_SNAPSHOT")


def _vendored(name: str) -> Moved:
    return Moved(
        f"{_PACKAGE}.vendor.aws_sts",
        name,
        f" (2.x behaviour; 3.0's own is {_PACKAGE}.identity.{name})",
    )


#: 2.x module -> {2.x name -> where 3.0 has it}. The migration guide lists the same moves.
MOVED: dict[str, dict[str, Moved]] = {
    f"{_PACKAGE}.api": {
        "BotoSesManager": _ROOT_MANAGER,
        "AwsServiceEnum": _ROOT_ENUM,
        "NoBotocoreCredentialError": _NO_CREDENTIALS,
        "PATH_DEFAULT_SNAPSHOT": _SNAPSHOT_PATH,
    },
    f"{_PACKAGE}.exc": {
        "NoBotocoreCredentialError": _NO_CREDENTIALS,
    },
    # names 2.x's manager module imported for its own use, which 2.x code could import from it
    f"{_PACKAGE}.manager": {
        "PATH_DEFAULT_SNAPSHOT": _SNAPSHOT_PATH,
        "AwsServiceEnum": _ROOT_ENUM,
        "NoBotocoreCredentialError": _NO_CREDENTIALS,
        "NOTHING": Moved(f"{_PACKAGE}.sentinel", "NOTHING", _SENTINEL_NOTE),
        "resolve_kwargs": Moved(f"{_PACKAGE}.sentinel", "resolve_kwargs", _SENTINEL_NOTE),
        **{
            name: _vendored(name)
            for name in (
                "get_account_alias",
                "get_caller_identity",
                "mask_aws_account_id",
                "mask_iam_principal_arn",
                "mask_user_id",
            )
        },
    },
    f"{_PACKAGE}.clients": {
        "AwsServiceEnum": _ROOT_ENUM,
    },
}


#: 2.x's ``BotoSesManager(...)`` parameters in their positional order.
BOTO_SES_MANAGER_2X_PARAMETERS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "region_name",
    "botocore_session",
    "profile_name",
    "default_client_kwargs",
    "expiration_time",
)
#: 2.x's ``get_client(service_name, ...)`` (and ``get_resource``) parameters after the name.
GET_CLIENT_2X_PARAMETERS = (
    "region_name",
    "api_version",
    "use_ssl",
    "verify",
    "endpoint_url",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "config",
)
#: 2.x's ``assume_role(role_arn, ...)`` parameters after ``role_arn``, in order.
ASSUME_ROLE_2X_PARAMETERS = (
    "role_session_name",
    "duration_seconds",
    "tags",
    "transitive_tag_keys",
    "external_id",
    "mfa_serial_number",
    "mfa_token",
    "source_identity",
    "region_name",
    "auto_refresh",
)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` (seen from the caller of this function) of the first frame outside
    this package and the import machinery: the line of user code that used the old name.

    :func:`warnings.warn` itself steps over ``importlib._bootstrap`` frames, so those are not
    counted.
    """
    import importlib

    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None and (
        frame.f_code.co_filename.startswith((_PACKAGE_DIR, "<frozen importlib"))
        or frame.f_code.co_filename == importlib.__file__
    ):
        frame = frame.f_back
        name = frame.f_code.co_filename
        if not ("importlib" in name and "_bootstrap" in name):
            level += 1
    return level


def warn_moved(old: str, moved: Moved) -> None:
    """Warn that ``old`` (a dotted 2.x name) is now spelled as ``moved`` says."""
    warnings.warn(
        f"{old} is a 2.x name; in 3.0 write `{moved.spelling()}`{moved.note} ({_MIGRATION})",
        DeprecationWarning,
        stacklevel=_caller_stacklevel(),
    )


def warn_moved_module(old: str, instead: str) -> None:
    """Warn, at import time, that the 2.x module ``old`` is kept for 2.x code only."""
    warnings.warn(
        f"{old} is kept for 2.x code; in 3.0 {instead} ({_MIGRATION})",
        DeprecationWarning,
        stacklevel=_caller_stacklevel(),
    )


def forwarder(module: str) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) for ``module`` that serves its 2.x names.

    Each access warns (see :func:`warn_moved`) and returns the 3.0 object; nothing is cached
    on the old module, so every place that still uses an old name is reported.
    """
    table = MOVED[module]

    def __getattr__(name: str) -> Any:
        moved = table.get(name)
        if moved is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warn_moved(f"{module}.{name}", moved)
        import importlib

        return getattr(importlib.import_module(moved.module), moved.name)

    return __getattr__


#: ``boto_session_manager.manager``'s ``__getattr__`` (manager.py imports it under that name).
manager_getattr = forwarder(f"{_PACKAGE}.manager")


def keyword_only_error(
    function: str, parameters: Sequence[str], args: Sequence[object], *, leading: str = ""
) -> KeywordOnlyArgumentsError:
    """The error for 2.x code calling ``function`` with ``args`` positionally.

    ``parameters`` are 2.x's names of those positions in order; ``leading`` is what stays
    positional in 3.0 (e.g. ``"role_arn, "``). The suggested spelling shows names, never the
    values (which can be secrets)::

        raise keyword_only_error("BotoSesManager", ("aws_access_key_id", ...), args)
    """
    from .exceptions import KeywordOnlyArgumentsError

    items = [f"{name}=..." for name in parameters[: len(args)]]
    if len(args) > len(parameters):
        items.append("...")
    spelling = f"{function}({leading}{', '.join(items)})"
    which = "all arguments" if not leading else f"every argument after {leading.rstrip(', ')}"
    return KeywordOnlyArgumentsError(function=function, which=which, spelling=spelling)


def shown_without_catch_all(function: F) -> F:
    """``function`` as ``help()`` and the docs show it: without its ``*positional_2x``.

    The catch-all exists only so that a 2.x positional call gets
    :func:`keyword_only_error`'s message instead of Python's; it is typed ``NoReturn``, so
    type checkers reject such a call too. The function itself is returned unchanged.
    """
    import inspect  # loaded already (dataclasses imports it)

    signature = inspect.signature(function)
    parameters = [p for p in signature.parameters.values() if p.kind is not p.VAR_POSITIONAL]
    setattr(function, "__signature__", signature.replace(parameters=parameters))  # noqa: B010
    return function


class _NothingType:
    """The type of :data:`NOTHING`; there is one instance."""

    __slots__ = ()
    _instance: _NothingType | None = None

    def __new__(cls) -> _NothingType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOTHING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "NOTHING"  # pickles as this module's attribute: unpickling gives the singleton


#: 2.x's "argument not given" marker (``boto_session_manager.sentinel.NOTHING``). 3.0 takes
#: ``None`` for that; where 2.x code passes ``NOTHING`` to the manager, it means the same.
NOTHING: Any = _NothingType()


def nothing_as_none(value: T | None) -> T | None:
    """``value``, or ``None`` where 2.x code passed :data:`NOTHING`."""
    return None if value is NOTHING else value


def without_nothing(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``arguments`` without those 2.x code gave as :data:`NOTHING` (their defaults apply)."""
    return {name: value for name, value in arguments.items() if value is not NOTHING}
