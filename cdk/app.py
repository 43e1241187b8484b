"""The CDK app: wires the project stack, nothing else (``cdk synth`` runs this file).

The repository comes from context, ``GITHUB_REPOSITORY`` in Actions, or the ``origin``
remote; its ``sub`` format from context or the lookups cached in ``cdk.context.json``. The app
itself makes no network call: ``nox -s synth|deploy`` (``cdk/deploy.py``) ask GitHub first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script by the CDK CLI: make `cdk` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk.config import ProjectStackConfig
from cdk.github_repository import find_repository
from cdk.stack import ProjectStack, project_synthesizer

__all__ = ["STACK_ID", "build_app", "main"]

#: The construct id of the stack in the app (its CloudFormation name comes from settings).
STACK_ID = "ProjectStack"
PROJECT_DIR = Path(__file__).resolve().parent.parent


def build_app(
    *, context: Mapping[str, Any] | None = None, outdir: str | None = None, nag: bool = True
) -> tuple[App, ProjectStack]:
    """Create the app and its one stack; ``context`` overrides ``cdk.json`` / ``-c`` values.

    With ``nag``, cdk-nag's AwsSolutions checks run at synthesis and fail it on any finding
    not acknowledged with a reason.
    """
    app = App(analytics_reporting=False, context=dict(context or {}), outdir=outdir)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    # every key the app was given: cdk.json, cdk.context.json, -c, and ``context``
    values: dict[str, Any] = dict(app.node.get_all_context())
    repository = find_repository(values, os.environ, cwd=PROJECT_DIR)
    stack = ProjectStack(
        app,
        STACK_ID,
        config=ProjectStackConfig.from_context(values, repository=repository),
        synthesizer=project_synthesizer(),
    )
    return app, stack


def main() -> None:
    """Synthesize the app into the CLI's output directory."""
    app, _stack = build_app()
    app.synth()


if __name__ == "__main__":
    main()
