"""Rehearse the GitHub workflow on this machine, OIDC included (``nox -s rehearse``).

Development tooling of this repository, like ``cdk/`` and ``benchmarks/``: not part of the
library's wheel. See ``docs/guides/rehearse-the-workflow.rst``.
"""

from .cli import main, rehearse
from .errors import ExpressionError, RehearsalError, WorkflowFileError
from .scenarios import SCENARIOS, Scenario

__all__ = [
    "SCENARIOS",
    "ExpressionError",
    "RehearsalError",
    "Scenario",
    "WorkflowFileError",
    "main",
    "rehearse",
]
