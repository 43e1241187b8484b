"""The documentation's code cannot rot: its ``>>>`` examples run, its snippets stay true.

Every ``>>>`` example in ``docs/**/*.rst`` runs with the standard library's doctest, one page
per test, in a scratch folder with no AWS or GitHub variables set (so a developer's ``.env`` or
a GitHub runner does not change the answers). Examples run offline: static example keys,
botocore's ``Stubber``, and the package's own local servers.

The Python snippets that are not examples (README, ``.. code-block:: python``) are compiled, and
the attributes they use on ``BotoSesManager`` must exist. The troubleshooting page must name
every error class the library defines.
"""

from __future__ import annotations

import ast
import doctest
import inspect
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager import BotoSesManager, exceptions

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(p for p in DOCS.rglob("*.rst") if "_build" not in p.parts)
EXAMPLE_PAGES = [p for p in PAGES if re.search(r"^ *>>> ", p.read_text(encoding="utf-8"), re.M)]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
#: Variables that would change which credential path the examples take.
_ENV_PREFIXES = ("AWS_", "ACTIONS_ID_TOKEN_", "GITHUB_", "BSM_", "RUNNER_")


def _page_id(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A scratch working folder and an environment without AWS, GitHub or bsm variables."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) or name == "CI":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _stop_servers(globs: dict[str, Any]) -> None:
    """Stop any local server an example left running (after a failure, say)."""
    for value in globs.values():
        stop = getattr(value, "stop", None)
        module = type(value).__module__
        if callable(stop) and module.startswith("boto_session_manager.testing"):
            stop()


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=_page_id)
def test_page_examples_run(page: Path, clean_environment: Path) -> None:
    """Every ``>>>`` example on the page gives the output the page shows."""
    text = page.read_text(encoding="utf-8")
    globs: dict[str, Any] = {"__name__": f"docs.{page.stem}"}
    test = doctest.DocTestParser().get_doctest(text, globs, _page_id(page), str(page), 0)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    try:
        result = runner.run(test, out=report.write, clear_globs=False)
    finally:
        _stop_servers(globs)
    assert result.attempted > 0
    assert result.failed == 0, report.getvalue()


def _manager_attributes() -> set[str]:
    """Names a manager has: those of a real instance (methods, properties, attributes).

    Building one makes no call (everything in it is lazy), and ``dir`` of the instance lists
    what ``__init__`` sets as well as the class's members.
    """
    return set(dir(BotoSesManager(region_name="us-east-1")))


def _python_snippets() -> Iterator[tuple[str, str]]:
    """``(where, code)`` for each Python code block of the README and the docs."""
    fence = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
    for number, match in enumerate(fence.finditer(README.read_text(encoding="utf-8")), 1):
        yield f"README.md#{number}", match.group(1)
    directive = re.compile(r"^( *)\.\. code-block:: python\n((?:\1 +.*\n|\s*\n)+)", re.M)
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for number, match in enumerate(directive.finditer(text), 1):
            body = inspect.cleandoc("\n" + match.group(2))
            yield f"{_page_id(page)}#{number}", body


SNIPPETS = list(_python_snippets())


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_python_snippets_use_real_names(where: str, code: str) -> None:
    """A snippet compiles, and every attribute it reads on a manager exists on BotoSesManager."""
    tree = ast.parse(code, filename=where)
    managers = {"BotoSesManager", "bsm", "ci", "app", "role"}
    known = _manager_attributes()
    missing = sorted(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in managers
        and node.attr not in known
    )
    assert not missing, f"{where} uses BotoSesManager attributes that do not exist: {missing}"


def _troubleshooting_page() -> str:
    """The troubleshooting page with its whitespace collapsed (messages wrap across lines)."""
    return " ".join((DOCS / "troubleshooting.rst").read_text(encoding="utf-8").split())


def test_troubleshooting_names_every_error() -> None:
    """The troubleshooting page has an entry for every error class the library raises."""
    from boto_session_manager import cli

    page = _troubleshooting_page()
    errors = [getattr(exceptions, name) for name in exceptions.__all__] + [cli.CliError]
    unnamed = [error.__name__ for error in errors if error.__name__ not in page]
    assert not unnamed, f"troubleshooting.rst does not mention {unnamed}"


def test_troubleshooting_quotes_current_messages() -> None:
    """Every fixed part of every error message appears on the page, as the code words it."""
    page = _troubleshooting_page()
    stale = []
    for name in exceptions.__all__:
        error = getattr(exceptions, name)
        if error is exceptions.BotoSesManagerError:
            continue  # the base class is never raised itself
        template = error.fmt.replace("{{", "\x00").replace("}}", "\x01")
        for part in re.split(r"\{[^{}]*\}", template):
            text = " ".join(part.replace("\x00", "{").replace("\x01", "}").split())
            if len(text) >= 10 and text not in page:
                stale.append(f"{name}: {text!r}")
    assert not stale, "troubleshooting.rst quotes outdated messages:\n" + "\n".join(stale)


def test_examples_exist() -> None:
    """The docs have runnable examples at all (a moved folder must not silently skip them)."""
    assert len(EXAMPLE_PAGES) >= 3
    assert len(SNIPPETS) >= 3


def test_known_manager_names_come_from_a_real_manager() -> None:
    """The names snippets may use include what __init__ sets, and not made-up ones."""
    known = _manager_attributes()
    assert {"default_client_kwargs", "web_identity_exchange", "credential_provider"} <= known
    assert {"env", "aws_account_id", "s3_client", "from_github_oidc"} <= known
    assert "no_such_attribute" not in known
