"""The ``${{ }}`` evaluator: GitHub's semantics, but a name it cannot find is an error."""

from __future__ import annotations

from typing import Any

import pytest

from rehearsal.errors import ExpressionError
from rehearsal.expressions import (
    Context,
    evaluate,
    evaluate_condition,
    interpolate,
    interpolate_tree,
    references,
    to_string,
)

CONTEXTS: dict[str, Any] = {
    "vars": Context("vars", {"AWS_ROLE_ARN": "arn:aws:iam::1:role/ci"}, hint="from the stack"),
    "github": Context(
        "github",
        {
            "ref": "refs/heads/main",
            "event_name": "push",
            "event": {"commits": [{"id": "a"}, {"id": "b"}], "labels": {"x": {"n": 1}}},
        },
    ),
    "needs": Context(
        "needs",
        {
            "matrix": Context(
                "needs.matrix",
                {"outputs": Context("needs.matrix.outputs", {"python": '["3.10", "3.11"]'})},
            )
        },
    ),
    "env": Context("env", {"Name": "value"}, case_sensitive=True),
}
STATUS = {"success": lambda: True, "failure": lambda: False, "always": lambda: True}


class TestValues:
    def test_literals(self) -> None:
        """null, booleans, numbers (hex, exponent) and quoted strings with '' read as GitHub's."""
        assert evaluate("null", {}) is None
        assert evaluate("true", {}) is True
        assert evaluate("0xff", {}) == 255
        assert evaluate("-2.5e1", {}) == -25
        assert evaluate("'it''s'", {}) == "it's"

    def test_equality_coerces_like_github(self) -> None:
        """Strings compare case-insensitively; mixed types compare as numbers."""
        assert evaluate("'ABC' == 'abc'", {}) is True
        assert evaluate("'1' == 1", {}) is True
        assert evaluate("null == 0", {}) is True
        assert evaluate("true == 1", {}) is True
        assert evaluate("'a' == 0", {}) is False  # NaN never equals

    def test_and_or_return_an_operand(self) -> None:
        """``&&``/``||`` give back an operand, the idiom for a conditional value."""
        assert evaluate("github.ref == 'refs/heads/main' && 'prod' || 'dev'", CONTEXTS) == "prod"
        assert evaluate("'' || 'fallback'", {}) == "fallback"
        assert evaluate("!0 && !''", {}) is True

    def test_ordering(self) -> None:
        """``<``/``>`` work on numbers and, case-insensitively, on strings."""
        assert evaluate("1 < 2 && 'b' > 'A'", {}) is True

    def test_to_string(self) -> None:
        """Whole numbers print without a fraction, null as nothing, booleans in lower case."""
        assert [to_string(v) for v in (3.0, None, True, 1.5)] == ["3", "", "true", "1.5"]


class TestContexts:
    def test_paths_index_and_star(self) -> None:
        """``a.b``, ``a['b']``, ``a[0]`` and ``a.*.b`` reach into contexts."""
        assert evaluate("github['event_name']", CONTEXTS) == "push"
        assert evaluate("github.event.commits[1].id", CONTEXTS) == "b"
        assert evaluate("github.event.commits.*.id", CONTEXTS) == ["a", "b"]
        assert evaluate("github.event.labels.*.n", CONTEXTS) == [1]

    def test_names_are_case_insensitive_but_env_is_not(self) -> None:
        """``vars.aws_role_arn`` finds AWS_ROLE_ARN; ``env`` keeps case, as on Linux runners."""
        assert evaluate("VARS.aws_role_arn", CONTEXTS) == "arn:aws:iam::1:role/ci"
        assert evaluate("env.Name", CONTEXTS) == "value"
        with pytest.raises(ExpressionError, match=r"env\.NAME is not defined"):
            evaluate("env.NAME", CONTEXTS)

    def test_a_misspelt_variable_is_an_error_naming_it(self) -> None:
        """GitHub gives '' for vars.AWS_ROLE_ARM; here the error names it and the known names."""
        with pytest.raises(ExpressionError) as caught:
            interpolate("${{ vars.AWS_ROLE_ARM }}", CONTEXTS)
        message = str(caught.value)
        assert "vars.AWS_ROLE_ARM is not defined" in message
        assert "AWS_ROLE_ARN" in message and "from the stack" in message

    def test_an_unknown_context_is_an_error(self) -> None:
        """A context that is not available at that key is named with the available ones."""
        with pytest.raises(ExpressionError, match=r"matrix is not a context available here"):
            evaluate("matrix.python", CONTEXTS)

    def test_needs_outputs_and_from_json(self) -> None:
        """``fromJSON(needs.<job>.outputs.<name>)`` keeps its type when it is the whole value."""
        value = interpolate("${{ fromJSON(needs.matrix.outputs.python) }}", CONTEXTS)
        assert value == ["3.10", "3.11"]
        with pytest.raises(ExpressionError, match=r"needs\.matrix\.outputs\.pyhton"):
            interpolate("${{ needs.matrix.outputs.pyhton }}", CONTEXTS)

    def test_the_event_payload_stays_lenient(self) -> None:
        """A field an event does not carry is null, as on GitHub (payloads differ by event)."""
        assert evaluate("github.event.pull_request.head.repo.fork", CONTEXTS) is None


class TestFunctions:
    def test_string_functions(self) -> None:
        """contains/startsWith/endsWith ignore case; format fills {0} and keeps {{ }}."""
        assert evaluate("contains('Hello', 'ELL') && startsWith('abc', 'A')", {}) is True
        assert evaluate("endsWith('abc', 'BC')", {}) is True
        assert evaluate("format('{0}-{{x}}-{1}', 'a', 2)", {}) == "a-{x}-2"
        assert evaluate("contains(fromJSON('[\"a\", \"b\"]'), 'B')", {}) is True

    def test_join_and_to_json(self) -> None:
        """join() separates with ',' by default; toJSON() pretty-prints."""
        assert evaluate("join(github.event.commits.*.id)", CONTEXTS) == "a,b"
        assert evaluate("toJSON(fromJSON('{\"a\": 1}'))", {}) == '{\n  "a": 1\n}'

    def test_bad_json_and_unknown_functions_are_errors(self) -> None:
        """fromJSON of text that is not JSON, and an unknown function, name the problem."""
        with pytest.raises(ExpressionError, match=r"fromJSON\('nope'\): not JSON"):
            evaluate("fromJSON('nope')", {})
        with pytest.raises(ExpressionError, match=r"frobnicate\(\) is not a function"):
            evaluate("frobnicate(1)", {})

    def test_syntax_errors_name_the_expression(self) -> None:
        """Unbalanced parentheses and stray tokens are parse errors quoting the expression."""
        with pytest.raises(ExpressionError, match=r"cannot parse \$\{\{ \(1 == 1 \}\}"):
            evaluate("(1 == 1", {})
        with pytest.raises(ExpressionError, match="unclosed"):
            interpolate("${{ 1 == 1", {})


class TestInterpolation:
    def test_mixed_text_becomes_a_string(self) -> None:
        """Text around an expression makes a string; ``}}`` inside quotes does not close it."""
        assert interpolate("tests (Python ${{ 3.0 }})", {}) == "tests (Python 3)"
        assert interpolate("${{ '}}' }}!", {}) == "}}!"

    def test_trees_keep_keys(self) -> None:
        """Every string of a mapping or list is evaluated; keys stay as written."""
        tree = {"${{ x }}": ["${{ 1 }}", {"b": "${{ github.event_name }}"}]}
        assert interpolate_tree(tree, CONTEXTS) == {"${{ x }}": [1, {"b": "push"}]}

    def test_conditions_default_to_success(self) -> None:
        """An ``if:`` without a status function means ``success() && (...)``."""
        failing = {**STATUS, "success": lambda: False}
        assert evaluate_condition("github.event_name == 'push'", CONTEXTS, STATUS) is True
        assert evaluate_condition("github.event_name == 'push'", CONTEXTS, failing) is False
        assert evaluate_condition("${{ always() }}", CONTEXTS, failing) is True

    def test_references(self) -> None:
        """``references`` lists the context names a string reads, for the preflight check."""
        found = references("a ${{ vars.X && github.ref }} b ${{ format('{0}', vars.Y) }}")
        assert found == {("vars", "X"), ("vars", "Y"), ("github", "ref")}
        assert references("vars.Z == 'z'", condition=True) == {("vars", "Z")}
