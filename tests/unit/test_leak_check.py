"""No secret in test output: the leak-check helper, and a guard over the test suite itself.

``assert secret not in text`` prints the secret when it fails (pytest's assertion rewriting
shows both operands), and in GitHub Actions the integration tests hold live credentials.
"""

from __future__ import annotations

import ast
import doctest
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from boto_session_manager.testing import leak_check
from boto_session_manager.testing.leak_check import (
    Leak,
    assert_no_secrets,
    find_leaks,
    fingerprint,
    redact,
)

TESTS = Path(__file__).resolve().parents[1]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#: identifiers (and string keys) that name a secret: ``secret``, ``request_token``, ``SECRET``,
#: ``AWS_SECRET_ACCESS_KEY``, ``ci_creds.token``; not ``tokens_served`` nor ``secrets``.
_SECRET_WORD = re.compile(r"(?i)^(?:.*_)?(?:secret|token|password|jwt)(?:_.*)?$")


class TestHelper:
    def test_no_leak_passes(self) -> None:
        """Secrets absent from every place: no error."""
        assert_no_secrets({"key": SECRET}, {"log": "nothing here", "repr": "Manager()"})

    def test_a_leak_names_label_place_line_and_column_only(self) -> None:
        """The failure says which secret (by label) and where; never the secret itself."""
        text = f"first line\nsecond {SECRET} line"
        with pytest.raises(AssertionError) as info:
            assert_no_secrets({"secret key": SECRET}, {"stderr": text, "repr": "clean"})
        message = str(info.value)
        assert message == "secret leaked: secret key found in stderr at line 2, column 8"

    def test_every_leak_is_listed(self) -> None:
        """Two secrets in two places: four leaks, each found."""
        leaks = find_leaks({"a": "AAAA", "b": "BBBB"}, {"x": "AAAA BBBB", "y": "BBBBAAAA"})
        assert leaks == [
            Leak("a", "x", 1, 1),
            Leak("a", "y", 1, 5),
            Leak("b", "x", 1, 6),
            Leak("b", "y", 1, 1),
        ]

    @pytest.mark.parametrize("value", ["", None])
    def test_an_empty_secret_is_refused(self, value: str | None) -> None:
        """Scanning for nothing proves nothing: an empty or missing secret is an error."""
        with pytest.raises(ValueError, match="'session token' is empty or missing"):
            assert_no_secrets({"session token": value}, {"log": "text"})

    def test_fingerprint_is_stable_short_and_not_the_secret(self) -> None:
        """Equal values have equal fingerprints; the fingerprint holds only length and hash."""
        assert fingerprint(SECRET) == fingerprint(str(SECRET))
        assert fingerprint(SECRET) != fingerprint(SECRET + "x")
        assert re.fullmatch(r"<41 chars sha256:[0-9a-f]{12}>", fingerprint(SECRET))

    def test_redact_replaces_every_occurrence_longest_first(self) -> None:
        """Secrets become ``***``, a secret containing another one included."""
        assert redact("a=SECRET b=SECRETLONG c=", ["SECRET", "SECRETLONG", ""]) == (
            "a=*** b=*** c="
        )

    def test_module_examples(self) -> None:
        """The examples in the module's docstring run as written."""
        assert doctest.testmod(leak_check).failed == 0


def test_a_failing_leak_check_prints_no_secret(tmp_path: Path) -> None:
    """In pytest's own failure report a plain assert shows the secret; the helper does not."""
    (tmp_path / "test_leaky.py").write_text(
        "from boto_session_manager.testing import assert_no_secrets\n"
        f"SECRET = {SECRET!r}\n"
        "TEXT = 'log: ' + SECRET\n"
        "def test_plain():\n"
        "    assert SECRET not in TEXT\n"
        "def test_helper():\n"
        "    assert_no_secrets({'secret key': SECRET}, {'log': TEXT})\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-vv", "--tb=long"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    plain, _, helper = result.stdout.partition("_ test_helper _")
    helper = helper.partition("short test summary info")[0]  # which quotes test_plain again
    assert "_ test_plain _" in plain and helper
    assert SECRET in plain.partition("_ test_plain _")[2]  # why the helper exists
    assert "secret key found in log at line 1, column 6" in helper
    assert_no_secrets({"secret": SECRET}, {"test_helper's report": helper})


def _test_files() -> Iterator[Path]:
    for path in sorted(TESTS.rglob("*.py")):
        if "__pycache__" not in path.parts:
            yield path


def _names_a_secret(node: ast.AST) -> bool:
    """Whether an expression reads a secret-named variable, attribute or string key.

    A literal is no secret of the run (a variable's name, a fixed text), and what goes through
    ``fingerprint()`` or ``redact()`` is safe to print.
    """
    if isinstance(node, ast.Constant):
        return False
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("fingerprint", "redact")
    ):
        return False
    word = None
    if isinstance(node, ast.Name):
        word = node.id
    elif isinstance(node, ast.Attribute):
        word = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        word = str(node.slice.value)
    if word is not None and _SECRET_WORD.match(word):
        return True
    return any(_names_a_secret(child) for child in ast.iter_child_nodes(node))


def _leaky_asserts(source: str, where: str, *, live: bool) -> Iterator[str]:
    """``assert`` comparisons that would print a secret when they fail.

    Everywhere: ``<secret> not in <text>``, the leak check itself. With ``live`` (tests under
    ``integration/``, whose credentials are live in GitHub Actions): any ``in``, ``not in``,
    ``==`` or ``!=`` with a secret on either side.
    """
    for statement in ast.walk(ast.parse(source, filename=where)):
        if not isinstance(statement, ast.Assert):
            continue
        for compare in ast.walk(statement.test):
            if not isinstance(compare, ast.Compare):
                continue
            operands = [compare.left, *compare.comparators]
            for op, left, right in zip(compare.ops, operands, operands[1:], strict=False):
                leak_check_form = isinstance(op, ast.NotIn) and _names_a_secret(left)
                live_form = (
                    live
                    and isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq))
                    and (_names_a_secret(left) or _names_a_secret(right))
                )
                if leak_check_form or live_form:
                    yield f"{where}:{statement.lineno}: {ast.unparse(compare)[:80]}"


def test_no_test_compares_a_secret_in_a_plain_assert() -> None:
    """Leak checks go through assert_no_secrets/fingerprint, so a failure prints no secret."""
    offenders = [
        line
        for path in _test_files()
        for line in _leaky_asserts(
            path.read_text(encoding="utf-8"),
            str(path.relative_to(TESTS.parent)),
            live="integration" in path.relative_to(TESTS).parts,
        )
    ]
    assert offenders == [], "use assert_no_secrets or fingerprint():\n" + "\n".join(offenders)


def test_the_guard_sees_the_leaky_forms() -> None:
    """The guard flags a plain leak check and, in live tests, any compared secret."""
    sample = (
        "def test_x(ci_creds, secret, text, env):\n"
        "    assert secret not in text\n"
        "    assert ci_creds.token == 'x'\n"
        "    assert 'AWS_SESSION_TOKEN' not in text\n"
        "    assert env['AWS_SECRET_ACCESS_KEY'] in text\n"
        "    assert fingerprint(secret) == fingerprint(env['AWS_SESSION_TOKEN'])\n"
        "    assert tokens_served == 1\n"
    )
    live = [line.split(":")[1] for line in _leaky_asserts(sample, "sample", live=True)]
    unit = [line.split(":")[1] for line in _leaky_asserts(sample, "sample", live=False)]
    assert live == ["2", "3", "5"]
    assert unit == ["2"]
