"""The rehearsal's errors: one line each, naming the cause and, where there is one, the fix."""

from __future__ import annotations

__all__ = ["ExpressionError", "RehearsalError", "WorkflowFileError"]


class RehearsalError(Exception):
    """The workflow would not run as written; the message names where and why."""


class ExpressionError(RehearsalError):
    """A ``${{ }}`` expression that cannot be evaluated (unknown name, bad syntax, bad JSON)."""


class WorkflowFileError(RehearsalError):
    """The workflow file or a runner file (``$GITHUB_ENV``, ``$GITHUB_OUTPUT``) is malformed."""
