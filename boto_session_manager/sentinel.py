"""2.x's "argument not given" marker, kept so 2.x code runs.

3.0 takes ``None`` (or the argument left out) for "not given", and never needs ``NOTHING``;
this module exists for 2.x code that built its own calls with it. Importing it warns
(:class:`DeprecationWarning`).

- :data:`NOTHING`: a falsy singleton, ``repr`` ``NOTHING``, distinct from ``None``.
- :func:`resolve_kwargs`: the keyword arguments without those that are ``NOTHING``
  (``None`` is a value and stays), optionally renamed through a mapping.
"""

from __future__ import annotations

from typing import Any, final

from ._moved import warn_moved_module

__all__ = ["NOTHING", "resolve_kwargs"]


@final
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
        return "NOTHING"  # pickles as the module attribute: unpickling gives the singleton


#: "Not given": unlike ``None``, which boto3 reads as a value (``region_name=None``).
NOTHING: Any = _NothingType()


def resolve_kwargs(_mapper: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """``kwargs`` without the ``NOTHING`` values, keys renamed by ``_mapper`` where it has them.

    >>> resolve_kwargs(_mapper={"role_arn": "RoleArn"}, role_arn="arn", external_id=NOTHING)
    {'RoleArn': 'arn'}
    """
    rename = _mapper or {}
    return {rename.get(key, key): value for key, value in kwargs.items() if value is not NOTHING}


warn_moved_module(__name__, "leave an argument out, or pass None, where 2.x code passed NOTHING")
