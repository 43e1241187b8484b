"""Task sessions: ``nox -l`` lists them, ``nox -s tests`` is the one CI runs."""

from __future__ import annotations

import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint"]

# the noxfile imports the project's stdlib-only helpers from cdk/ (CDK CLI installer, the
# splitting of the tests session's arguments)
sys.path.insert(0, str(Path(__file__).resolve().parent))

PYPROJECT = nox.project.load_toml("pyproject.toml")
DEPENDABOT = ".github/dependabot.yml"
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


def install_cdk_cli(session: nox.Session) -> None:
    """Install the CDK CLI pinned in cdk/package.json (``npm ci``) unless it is there."""
    from cdk.cdk_cli import ensure_cdk_cli
    from cdk.errors import DeployError

    try:
        ensure_cdk_cli(Path("cdk"), log=session.log)
    except DeployError as error:
        session.error(str(error))


@nox.session(python=CURRENT_PYTHON)
def tests(session: nox.Session) -> None:
    """Run the unit, CDK and integration tests; `-- --aws local|real --credentials oidc|dotenv`."""
    from cdk.integration_target import TARGET_VAR, TestTarget, split_test_arguments

    aws, credentials, pytest_args = split_test_arguments(session.posargs)
    install_groups(session, "test", "cdk")
    install_cdk_cli(session)
    # decided once, inside the session's venv: the library itself judges the .env
    choice = [
        *(["--aws", aws] if aws else []),
        *(["--credentials", credentials] if credentials else []),
    ]
    output = session.run("python", "-m", "cdk.integration_target", *choice, silent=True)
    if not isinstance(output, str):  # --install-only
        return
    target = TestTarget.from_json(output.strip().splitlines()[-1])
    session.log(target.describe())
    # coverage of the library package; its floor (pyproject) applies to whole-suite runs only,
    # so `nox -s tests -- tests/unit/test_x.py` is not failed by it
    coverage = ["--cov"] if not pytest_args else ["--cov", "--cov-fail-under=0"]
    # the library's OIDC managers and every `bsm` the tests start share one STS exchange per
    # credential lifetime (BSM_CREDENTIAL_CACHE), in a cache of this session's own
    cache_dir = str(Path(session.virtualenv.location, "credential-cache"))
    cache = {"BSM_CREDENTIAL_CACHE": "1", "BSM_CREDENTIAL_CACHE_DIR": cache_dir}
    # whole-suite runs use every core (at most 4), one test file per worker at a time, in
    # collection order (the CDK deploy files, few tests but long, start first);
    # tests/shared_setup.py deploys the fresh stack once for all workers
    xdist = ["-n", "auto", "--maxprocesses", "4", "--dist", "loadfile", "--no-loadscope-reorder"]
    parallel = [] if pytest_args else xdist
    session.run(
        "pytest", *coverage, *parallel, *pytest_args, env={TARGET_VAR: target.to_json(), **cache}
    )


@nox.session(python=CURRENT_PYTHON)
def lint(session: nox.Session) -> None:
    """Run ruff, mypy (strict: package, cdk/, noxfile), actionlint, workflow/dependabot schemas."""
    install_groups(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    workflows = [str(p) for p in sorted(Path(".github/workflows").glob("*.yml"))]
    session.run("actionlint", *workflows)
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("check-jsonschema", "--builtin-schema", "vendor.dependabot", DEPENDABOT)
    session.run("pre-commit", "validate-config", ".pre-commit-config.yaml")


@nox.session(python=CURRENT_PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs into docs/_build/html (warnings are errors, nitpicky); run their examples."""
    install_groups(session, "docs")
    # -E: read every page again, so an unchanged page's warnings still fail the build
    session.run(
        "sphinx-build", "-W", "--keep-going", "-n", "-E", "-q",
        "-b", "html", "docs", "docs/_build/html",
    )  # fmt: skip
    session.run("pytest", "-p", "no:cacheprovider", "tests/unit/test_docs_examples.py")
    session.log("docs built: docs/_build/html/index.html")


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


# -- the project's AWS infrastructure (cdk/) --------------------------------------------------


@nox.session(python=CURRENT_PYTHON)
def synth(session: nox.Session) -> None:
    """Synthesize the CDK app into cdk.out/ (cdk-nag checks; no AWS credentials needed)."""
    install_groups(session, "cdk")
    session.run("python", "-m", "cdk.deploy", "synth", *session.posargs)


@nox.session(python=CURRENT_PYTHON, default=False)
def deploy(session: nox.Session) -> None:
    """Deploy the stack and write .env: `-- aws` (AWS_PROFILE_FOR_CDK) or `-- local` (emulator)."""
    install_groups(session, "cdk")
    install_cdk_cli(session)
    session.run("python", "-m", "cdk.deploy", "deploy", *session.posargs)


@nox.session(python=CURRENT_PYTHON, default=False)
def destroy(session: nox.Session) -> None:
    """Delete the access key, .env and the stack (`-- aws` or `-- local`, which stops ministack)."""
    install_groups(session)  # boto3 and python-dotenv suffice: no CDK synthesis to destroy
    session.run("python", "-m", "cdk.deploy", "destroy", *session.posargs)


# -- the CI workflow, rehearsed on this machine (rehearsal/) -------------------------------------


@nox.session(python=CURRENT_PYTHON, default=False)
def rehearse(session: nox.Session) -> None:
    """Run the CI workflow here, OIDC included: `-- --scenario push|pull-request|fork-pull-request`.

    AWS is a fresh local emulator with the stack deployed; see docs/guides/rehearse-the-workflow.
    """
    install_groups(session, "test", "cdk", "rehearsal")
    install_cdk_cli(session)
    session.run("python", "-m", "rehearsal", *session.posargs)
