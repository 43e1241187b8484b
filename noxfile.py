"""Task sessions: ``nox -l`` lists them, ``nox -s tests`` is the one CI runs."""

from __future__ import annotations


from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON_VERSIONS = nox.project.python_versions(PYPROJECT)
#: The interpreter at hand: nox errors on missing interpreters when ``CI`` is set,
#: so the default sessions run on this one; the version matrix lives in the workflow.
CURRENT_PYTHON = None


def install_groups(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install the project (editable) and the named PEP 735 dependency groups."""
    requirements: list[str] = []
    for group in groups:
        requirements.extend(nox.project.dependency_groups(PYPROJECT, group))
    if project:
        session.install("-e", ".", *requirements)
    elif requirements:
        session.install(*requirements)


@nox.session(python=CURRENT_PYTHON)
def tests(session: nox.Session) -> None:
    """Run the unit, CDK and integration tests (integration against the local emulator by default)."""
    install_groups(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=CURRENT_PYTHON)
def lint(session: nox.Session) -> None:
    """Run ruff, mypy (strict on the package), actionlint and a schema check of the workflow."""
    install_groups(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    workflows = [str(p) for p in sorted(Path(".github/workflows").glob("*.yml"))]
    session.run("actionlint", *workflows)
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)


@nox.session(python=CURRENT_PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate services.py and clients.py from the installed botocore's service data."""
    install_groups(session, "test")
    session.run("python", "scripts/generate_clients.py")


@nox.session(python=CURRENT_PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Print speed and memory figures as ratios against baselines measured in the same run."""
    install_groups(session, "bench")
    session.run("python", "-m", "benchmarks", *session.posargs)
