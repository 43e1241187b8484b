"""GitHub Actions expressions (``${{ }}``), evaluated the way the runner does, but strictly.

The language is GitHub's (docs.github.com, "Evaluate expressions in workflows and actions"):
literals (``null``, booleans, numbers, ``'strings'`` with ``''`` for a quote), context paths
(``a.b``, ``a['b']``, ``a[0]``, ``a.*.b``), ``! < <= > >= == != && ||``, parentheses, and the
functions ``contains startsWith endsWith format join toJSON fromJSON`` (case-insensitive
names); the caller adds status functions and ``hashFiles``. Comparisons coerce as GitHub does
(numbers across types, strings case-insensitively), and ``&&`` / ``||`` return an operand.

The one deliberate difference: GitHub turns a name it does not find into an empty string, so a
misspelt ``vars.AWS_ROLE_ARM`` runs on as ``''``. Here every :class:`Context` is strict: a
missing key is an :class:`ExpressionError` naming the path and the names that do exist. Plain
dicts inside a context (an event payload, whose shape varies by event) stay lenient (``null``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import ExpressionError
from .values import BUILTINS, Function, compare, equal, kind_of, number, to_string, truthy

__all__ = [
    "Context",
    "evaluate",
    "evaluate_condition",
    "interpolate",
    "interpolate_tree",
    "references",
    "to_string",
    "truthy",
]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>[+-]?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
    | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\].,*])
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"null": None, "true": True, "false": False, "NaN": math.nan, "Infinity": math.inf}
_STATUS_CALL = re.compile(r"\b(success|failure|always|cancelled)\s*\(", re.IGNORECASE)


class Context(dict[str, Any]):
    """A context (or part of one) where a missing key is an error, not an empty string.

    ``label`` is how the path starts in messages (``vars``); ``hint`` says where the names
    come from; ``case_sensitive`` is for ``env`` (on Linux runners names keep their case).
    """

    def __init__(
        self,
        label: str,
        data: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        *,
        hint: str = "",
        case_sensitive: bool = False,
    ) -> None:
        super().__init__(data)
        self.label = label
        self.hint = hint
        self.case_sensitive = case_sensitive

    def lookup(self, key: str, path: str) -> Any:
        """The value under ``key``; an :class:`ExpressionError` naming ``path`` if none."""
        if key in self:
            return self[key]
        if not self.case_sensitive:
            for name, value in self.items():
                if name.lower() == key.lower():
                    return value
        known = ", ".join(sorted(self)) or "nothing"
        hint = f"; {self.hint}" if self.hint else ""
        raise ExpressionError(f"{path} is not defined ({self.label} has: {known}){hint}")


class _Filtered(list[Any]):
    """The result of a ``*`` filter: a following property applies to every element."""


# -- parsing ------------------------------------------------------------------------------------


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(source):
        if not source[position:].strip():
            break
        match = _TOKEN.match(source, position)
        if match is None or match.lastgroup is None:
            raise ExpressionError(f"cannot read ${{{{ {source} }}}} at {source[position:]!r}")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over GitHub's precedence: ``||`` < ``&&`` < equality < order < ``!``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokens(source)
        self.i = 0

    def fail(self, what: str) -> ExpressionError:
        return ExpressionError(f"cannot parse ${{{{ {self.source} }}}}: {what}")

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise self.fail(f"expected {expected!r} at the end" if expected else "unexpected end")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise self.fail(f"expected {expected!r}, found {token[1]!r}")
        self.i += 1
        return token

    def parse(self) -> tuple[Any, ...]:
        if not self.tokens:
            raise self.fail("the expression is empty")
        node = self.binary(0)
        if self.i != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.i][1]!r}")
        return node

    _LEVELS: Sequence[tuple[str, ...]] = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))

    def binary(self, level: int) -> tuple[Any, ...]:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while self.peek() in self._LEVELS[level] and self.tokens[self.i][0] == "op":
            op = self.take()[1]
            node = ("op", op, node, self.binary(level + 1))
        return node

    def unary(self) -> tuple[Any, ...]:
        if self.peek() == "!" and self.tokens[self.i][0] == "op":
            self.take()
            return ("not", self.unary())
        return self.postfix(self.primary())

    def primary(self) -> tuple[Any, ...]:
        kind, text = self.take()
        if kind == "string":
            return ("lit", text[1:-1].replace("''", "'"), text)
        if kind == "number":
            return ("lit", number(text), text)
        if kind == "op" and text == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if kind == "name":
            if self.peek() == "(":
                self.take("(")
                args: list[tuple[Any, ...]] = []
                while self.peek() != ")":
                    args.append(self.binary(0))
                    if self.peek() != ")":
                        self.take(",")
                self.take(")")
                return ("call", text, args)
            if text in _KEYWORDS:
                return ("lit", _KEYWORDS[text], text)
            return ("ctx", text, text)
        raise self.fail(f"unexpected {text!r}")

    def postfix(self, node: tuple[Any, ...]) -> tuple[Any, ...]:
        while self.peek() in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                if name == "*":
                    node = ("star", node, f"{_path(node)}.*")
                elif kind == "name":
                    node = ("prop", node, ("lit", name, name), f"{_path(node)}.{name}")
                else:
                    raise self.fail(f"expected a property name after '.', found {name!r}")
            elif self.peek() == "*":
                self.take("*")
                self.take("]")
                node = ("star", node, f"{_path(node)}[*]")
            else:
                index = self.binary(0)
                self.take("]")
                node = ("prop", node, index, f"{_path(node)}[{_path(index)}]")
        return node


def _path(node: tuple[Any, ...]) -> str:
    return str(node[-1]) if node[0] in ("lit", "ctx", "prop", "star") else "(...)"


# -- evaluation ---------------------------------------------------------------------------------


def _property(value: Any, key: Any, path: str) -> Any:
    if isinstance(value, _Filtered):
        found = _Filtered()
        for element in value:
            item = _property(element, key, path) if isinstance(element, dict | list) else None
            if item is not None:
                found.extend(item if isinstance(item, _Filtered) else [item])
        return found
    if isinstance(value, Context):
        return value.lookup(to_string(key), path)
    if isinstance(value, dict):
        name = to_string(key)
        if name in value:
            return value[name]
        return next((v for k, v in value.items() if k.lower() == name.lower()), None)
    if isinstance(value, list) and kind_of(key) == "number" and float(key).is_integer():
        index = int(key)
        return value[index] if 0 <= index < len(value) else None
    return None


class _Evaluator:
    def __init__(self, contexts: Mapping[str, Any], functions: Mapping[str, Function]) -> None:
        self.contexts = contexts
        self.functions = {**BUILTINS, **{k.lower(): f for k, f in functions.items()}}

    def run(self, node: tuple[Any, ...]) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ctx":
            name = node[1].lower()  # context names ignore case, as on GitHub
            if name not in self.contexts:
                available = ", ".join(sorted(self.contexts)) or "none"
                raise ExpressionError(
                    f"{node[1]} is not a context available here (available: {available})"
                )
            return self.contexts[name]
        if kind == "prop":
            return _property(self.run(node[1]), self.run(node[2]), node[3])
        if kind == "star":
            value = self.run(node[1])
            if isinstance(value, dict):
                return _Filtered(value.values())
            return _Filtered(value) if isinstance(value, list) else _Filtered()
        if kind == "not":
            return not truthy(self.run(node[1]))
        if kind == "call":
            function = self.functions.get(node[1].lower())
            if function is None:
                raise ExpressionError(f"{node[1]}() is not a function the rehearsal knows")
            args = [self.run(arg) for arg in node[2]]
            try:
                return function(*args)
            except TypeError:
                raise ExpressionError(f"{node[1]}() takes other arguments") from None
        op, left = node[1], self.run(node[2])
        if op == "&&":
            return self.run(node[3]) if truthy(left) else left
        if op == "||":
            return left if truthy(left) else self.run(node[3])
        right = self.run(node[3])
        if op == "==":
            return equal(left, right)
        if op == "!=":
            return not equal(left, right)
        return compare(op, left, right)


def evaluate(
    expression: str, contexts: Mapping[str, Any], functions: Mapping[str, Function] = {}
) -> Any:
    """The value of one expression (the text inside ``${{ }}``)."""
    value = _Evaluator(contexts, functions).run(_Parser(expression.strip()).parse())
    return list(value) if isinstance(value, _Filtered) else value


def _pieces(text: str) -> list[str | tuple[str]]:
    """Split a string into literal text and ``(expression,)`` parts."""
    parts: list[str | tuple[str]] = []
    position = 0
    while (start := text.find("${{", position)) != -1:
        parts.append(text[position:start])
        i, quoted = start + 3, False
        while i < len(text):
            if text[i] == "'":
                quoted = not quoted
            elif not quoted and text.startswith("}}", i):
                break
            i += 1
        else:
            raise ExpressionError(f"unclosed ${{{{ in {text!r}: add the closing }}}}")
        parts.append((text[start + 3 : i],))
        position = i + 2
    parts.append(text[position:])
    return [part for part in parts if part != ""]


def interpolate(
    text: str, contexts: Mapping[str, Any], functions: Mapping[str, Function] = {}
) -> Any:
    """A workflow string with its ``${{ }}`` parts evaluated.

    A string that is one expression and nothing else keeps the expression's type (a list from
    ``fromJSON`` stays a list); otherwise the parts are joined as strings.
    """
    parts = _pieces(text)
    if len(parts) == 1 and isinstance(parts[0], tuple):
        return evaluate(parts[0][0], contexts, functions)
    return "".join(
        to_string(evaluate(part[0], contexts, functions)) if isinstance(part, tuple) else part
        for part in parts
    )


def interpolate_tree(
    value: Any, contexts: Mapping[str, Any], functions: Mapping[str, Function] = {}
) -> Any:
    """Interpolate every string inside a YAML value (mapping keys are left as written)."""
    if isinstance(value, str):
        return interpolate(value, contexts, functions)
    if isinstance(value, list):
        return [interpolate_tree(item, contexts, functions) for item in value]
    if isinstance(value, dict):
        return {key: interpolate_tree(item, contexts, functions) for key, item in value.items()}
    return value


def evaluate_condition(
    condition: Any, contexts: Mapping[str, Any], functions: Mapping[str, Function]
) -> bool:
    """An ``if:`` value: ``${{ }}`` optional; ``success() && (...)`` without a status call."""
    if isinstance(condition, bool):
        return condition
    text = to_string(condition).strip()
    parts = _pieces(text)
    if len(parts) == 1 and isinstance(parts[0], tuple):
        text = parts[0][0].strip()
    elif any(isinstance(part, tuple) for part in parts):
        return truthy(interpolate(text, contexts, functions))
    if not _STATUS_CALL.search(text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, contexts, functions))


def _walk(node: tuple[Any, ...], found: set[tuple[str, str]]) -> None:
    kind = node[0]
    if kind == "prop":
        target, key = node[1], node[2]
        if target[0] == "ctx" and key[0] == "lit" and isinstance(key[1], str):
            found.add((target[1].lower(), key[1]))
        _walk(target, found)
        _walk(key, found)
    elif kind == "star" or kind == "not":
        _walk(node[1], found)
    elif kind == "call":
        for arg in node[2]:
            _walk(arg, found)
    elif kind == "op":
        _walk(node[2], found)
        _walk(node[3], found)


def references(text: str, *, condition: bool = False) -> set[tuple[str, str]]:
    """The ``(context, name)`` pairs (``("vars", "AWS_ROLE_ARN")``) that ``text`` reads.

    ``condition`` reads ``text`` as an ``if:`` value, where ``${{ }}`` is optional.
    """
    found: set[tuple[str, str]] = set()
    parts = _pieces(text)
    if condition and not any(isinstance(part, tuple) for part in parts):
        parts = [(text,)] if text.strip() else []
    for part in parts:
        if isinstance(part, tuple):
            _walk(_Parser(part[0].strip()).parse(), found)
    return found
