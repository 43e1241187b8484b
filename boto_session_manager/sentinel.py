"""2.x's "argument not given" marker, kept so 2.x code runs.

3.0 takes ``None`` (or the argument left out) for "not given", and never needs ``NOTHING``;
this module exists for 2.x code that built its own calls with it. Importing it warns
(:class:`DeprecationWarning`).

- :data:`NOTHING`: a falsy singleton, ``repr`` ``NOTHING``, distinct from ``None``. Passed
  to the manager (its constructor, ``get_client``, ``assume_role``), it means "not given".
- :func:`resolve_kwargs`: the keyword arguments without those that are ``NOTHING``
  (``None`` is a value and stays), optionally renamed through a mapping.
"""

from __future__ import annotations

from typing import Any

from ._moved import NOTHING, warn_moved_module

__all__ = ["NOTHING", "resolve_kwargs"]


def resolve_kwargs(_mapper: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """``kwargs`` without the ``NOTHING`` values, keys renamed by ``_mapper`` where it has them.

    >>> resolve_kwargs(_mapper={"role_arn": "RoleArn"}, role_arn="arn", external_id=NOTHING)
    {'RoleArn': 'arn'}
    """
    rename = _mapper or {}
    return {rename.get(key, key): value for key, value in kwargs.items() if value is not NOTHING}


warn_moved_module(__name__, "leave an argument out, or pass None, where 2.x code passed NOTHING")
