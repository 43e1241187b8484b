"""Values in GitHub Actions expressions: coercion, truthiness, equality and the built-in functions.

As GitHub defines them (docs.github.com, "Evaluate expressions in workflows and actions"):
``null``/booleans/numbers/strings convert to numbers across types, strings compare without
regard to case, and ``&&``/``||`` work on truthiness (``null``, ``false``, ``0``, ``''`` and
``NaN`` are false).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from .errors import ExpressionError

__all__ = ["BUILTINS", "compare", "equal", "kind_of", "number", "to_string", "truthy"]

Function = Callable[..., Any]


# -- coercion, as GitHub defines it ------------------------------------------------------------


def kind_of(value: Any) -> str:
    """The expression type of a value: null, bool, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def number(value: Any) -> float:
    """A value as a number, as GitHub converts it (NaN when it is not one)."""
    kind = kind_of(value)
    if kind == "null":
        return 0.0
    if kind in ("bool", "number"):
        return float(value)
    if kind == "string":
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def to_string(value: Any) -> str:
    """A value as the runner puts it into a string (``null`` is empty, ``1.0`` is ``1``)."""
    kind = kind_of(value)
    if kind == "null":
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        if math.isfinite(value) and float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if kind == "string":
        return str(value)
    return "Array" if kind == "array" else "Object"


def truthy(value: Any) -> bool:
    """GitHub's truthiness: ``null``, ``false``, ``0``, ``''`` and ``NaN`` are false."""
    if kind_of(value) == "number":
        return value != 0 and not math.isnan(value)
    return value not in (None, False, "")


def equal(left: Any, right: Any) -> bool:
    """``==``: same type compared directly (strings without case), else as numbers."""
    lk, rk = kind_of(left), kind_of(right)
    if lk == rk:
        if lk == "string":
            return bool(left.casefold() == right.casefold())
        if lk in ("array", "object"):
            return left is right
        return bool(left == right)
    if "array" in (lk, rk) or "object" in (lk, rk):
        return False
    return number(left) == number(right)


def compare(op: str, left: Any, right: Any) -> bool:
    """``<``, ``<=``, ``>``, ``>=``: strings without case, else as numbers (NaN: false)."""
    a: Any
    b: Any
    if kind_of(left) == kind_of(right) == "string":
        a, b = left.casefold(), right.casefold()
    else:
        a, b = number(left), number(right)
        if math.isnan(a) or math.isnan(b):
            return False
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


# -- functions ----------------------------------------------------------------------------------


def _format(template: Any, *args: Any) -> str:
    text, out, i = to_string(template), [], 0
    while i < len(text):
        if text.startswith("{{", i) or text.startswith("}}", i):
            out.append(text[i])
            i += 2
            continue
        match = re.match(r"\{(\d+)\}", text[i:])
        if match:
            index = int(match.group(1))
            if index >= len(args):
                raise ExpressionError(f"format({text!r}) has no argument {{{index}}}")
            out.append(to_string(args[index]))
            i += len(match.group(0))
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _from_json(text: Any) -> Any:
    source = to_string(text)
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        shown = source if len(source) <= 60 else source[:57] + "..."
        raise ExpressionError(f"fromJSON({shown!r}): not JSON ({error.msg})") from None


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(equal(element, item) for element in search)
    return to_string(item).casefold() in to_string(search).casefold()


def _join(items: Any, separator: Any = ",") -> str:
    if not isinstance(items, list):
        return to_string(items)
    return to_string(separator).join(to_string(item) for item in items)


BUILTINS: dict[str, Function] = {
    "contains": _contains,
    "startswith": lambda a, b: to_string(a).casefold().startswith(to_string(b).casefold()),
    "endswith": lambda a, b: to_string(a).casefold().endswith(to_string(b).casefold()),
    "format": _format,
    "join": _join,
    "tojson": lambda value: json.dumps(_plain(value), indent=2),
    "fromjson": _from_json,
}
