"""The CDK app: wires the project stack, nothing else (``cdk synth`` runs this file)."""

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

from cdk.stack import CONTEXT_KEYS, ProjectStack, ProjectStackConfig, project_synthesizer

__all__ = ["STACK_ID", "build_app", "main"]

#: The construct id of the stack in the app (its CloudFormation name comes from settings).
STACK_ID = "ProjectStack"


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
    values = {key: app.node.try_get_context(key) for key in CONTEXT_KEYS.values()}
    stack = ProjectStack(
        app,
        STACK_ID,
        config=ProjectStackConfig.from_context(values),
        synthesizer=project_synthesizer(),
    )
    return app, stack


def main() -> None:
    """Synthesize the app into the CLI's output directory."""
    app, _stack = build_app()
    app.synth()


if __name__ == "__main__":
    main()
