"""``python -m rehearsal``: rehearse the CI workflow on this machine (``nox -s rehearse``).

Exit status 0 when no rehearsed job failed, 1 otherwise; a workflow fault is one line
on stderr, ``rehearsal failed: <file>: <where>: <cause and fix>``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .engine import Machine, Rehearsal
from .errors import RehearsalError
from .preflight import preflight
from .project import PROJECT_DIR, ROLE_VARIABLE, AwsSide, deployed_stack, rehearsed_repository
from .scenarios import SCENARIOS, Scenario
from .workflow import load_workflow
from .workspace import machine_environment, snapshot_working_tree

__all__ = ["main", "rehearse"]

DEFAULT_WORKFLOW = Path(".github/workflows/main.yml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__)
    parser.add_argument(
        "--workflow", type=Path, default=DEFAULT_WORKFLOW, help="default: %(default)s"
    )
    parser.add_argument(
        "--scenario", choices=SCENARIOS, default="push", help="default: %(default)s"
    )
    parser.add_argument(
        "--job",
        action="append",
        default=[],
        help="rehearse this job and what it needs (repeatable)",
    )
    parser.add_argument(
        "--aws",
        choices=("local", "none"),
        default="local",
        help="local: a fresh emulator with the stack deployed (default); none: no AWS at all",
    )
    parser.add_argument(
        "--var", action="append", default=[], metavar="NAME=VALUE", help="a repository variable"
    )
    parser.add_argument(
        "--all-combinations",
        action="store_true",
        help="rehearse every matrix combination with the interpreter at hand",
    )
    parser.add_argument("--keep", action="store_true", help="keep the workspace afterwards")
    return parser


def _variables(pairs: Sequence[str]) -> dict[str, str]:
    variables = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise RehearsalError(f"--var {pair!r}: write NAME=VALUE")
        variables[name] = value
    return variables


@contextlib.contextmanager
def _aws(
    kind: str | AwsSide, state_dir: Path, variables: dict[str, str], repository: str
) -> Iterator[AwsSide]:
    if isinstance(kind, AwsSide):  # a stack the caller deployed
        yield AwsSide({**kind.variables, **variables}, kind.endpoint_env, kind.source)
        return
    if kind == "none":
        yield AwsSide(variables=variables)
        return
    with deployed_stack(state_dir, repository) as side:
        yield AwsSide({**side.variables, **variables}, side.endpoint_env, side.source)


def rehearse(
    workflow_path: Path,
    scenario: Scenario,
    *,
    jobs: Sequence[str] = (),
    aws: str | AwsSide = "local",
    variables: dict[str, str] | None = None,
    all_combinations: bool = False,
    keep: bool = False,
    project_dir: Path = PROJECT_DIR,
    out: TextIO = sys.stdout,
) -> bool:
    """Rehearse ``jobs`` (all by default) of a workflow; whether every one succeeded.

    ``aws`` is ``"local"`` (a fresh emulator with the stack deployed), ``"none"``, or an
    :class:`AwsSide` the caller already has (a stack it deployed, and its endpoint).
    """
    from boto_session_manager.testing import GitHubOidcIssuer, GitHubRunContext

    given = dict(variables or {})
    workflow = load_workflow(workflow_path)
    job_ids = workflow.order(jobs)
    has_stack = aws == "local" or isinstance(aws, AwsSide)
    if isinstance(aws, AwsSide):
        names = {**aws.variables, **given}
    else:  # the role variable of a stack about to be deployed is known to come
        names = {**given, **({ROLE_VARIABLE: ""} if aws == "local" else {})}
    source = "the deployed stack" if has_stack else "the command line (--var)"
    warnings = preflight(
        workflow, scenario, job_ids, variables=names, variables_source=source,
        role_variable=ROLE_VARIABLE,
    )  # fmt: skip
    repository, found_in = rehearsed_repository()
    root = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    try:
        workspace = root / "work" / repository.partition("/")[2]
        for folder in ("temp", "tool-cache", "aws"):
            (root / folder).mkdir()
        sha = snapshot_working_tree(project_dir, workspace)
        started = time.monotonic()
        if aws == "local":
            print("starting the local AWS emulator and deploying the stack into it", file=out)
        with _aws(aws, root / "aws", given, repository) as side:
            run = GitHubRunContext(
                repository=repository, ref=scenario.ref, sha=sha, event_name=scenario.event_name,
                head_ref=scenario.head_ref, base_ref=scenario.base_ref, workflow=workflow.name,
                workflow_path=_relative(workflow_path, project_dir),
            )  # fmt: skip
            with GitHubOidcIssuer(context=run) as issuer:
                machine = Machine(
                    repository=repository, variables=side.variables, variables_source=side.source,
                    aws_env=side.endpoint_env, base_env=machine_environment(os.environ),
                    workspace=workspace, runner_temp=root / "temp", tool_cache=root / "tool-cache",
                    sha=sha, role_variable=ROLE_VARIABLE,
                )  # fmt: skip
                rehearsal = Rehearsal(
                    workflow, scenario, machine, issuer, out=out, all_combinations=all_combinations
                )
                rehearsal.say(
                    f"rehearsing {workflow.path} for {scenario.description}: {repository} "
                    f"({found_in}) at "
                    f"{scenario.ref}; jobs {', '.join(job_ids)}; AWS: "
                    f"{side.source if has_stack else 'none'}"
                )
                for warning in warnings:
                    rehearsal.warn(warning)
                ok = rehearsal.run(job_ids)
                _summary(rehearsal, time.monotonic() - started)
        return ok
    finally:
        if keep:
            print(f"workspace kept: {root}", file=out)
        else:
            shutil.rmtree(root, ignore_errors=True)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _summary(rehearsal: Rehearsal, seconds: float) -> None:
    say = rehearsal.say
    say(f"── summary: {rehearsal.scenario.description} ({seconds:.0f} s)")
    for results in rehearsal.results.values():
        for result in results:
            token = f"; ID tokens served: {result.tokens_served}" if result.id_token else ""
            reason = f" ({result.reason})" if result.reason else ""
            say(f"   {result.name}: {result.result} in {result.seconds:.1f} s{token}{reason}")
    for line in rehearsal.not_rehearsed:
        say(f"   not rehearsed: {line}")
    say(
        f"   masked: {len(rehearsal.masker)} value(s) registered, "
        f"{rehearsal.masker.replacements} occurrence(s) printed as ***"
    )
    for kind, message in rehearsal.annotations:
        say(f"   {kind}: {message}")
    for warning in rehearsal.warnings:
        say(f"   warning: {warning}")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and rehearse; 0 when every rehearsed job succeeded."""
    args = _parser().parse_args(argv)
    try:
        ok = rehearse(
            args.workflow,
            SCENARIOS[args.scenario],
            jobs=args.job,
            aws=args.aws,
            variables=_variables(args.var),
            all_combinations=args.all_combinations,
            keep=args.keep,
        )
    except RehearsalError as error:
        print(f"rehearsal failed: {error}", file=sys.stderr)
        return 1
    if not ok:
        print("rehearsal failed: a job failed (see the summary above)", file=sys.stderr)
    return 0 if ok else 1
