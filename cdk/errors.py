"""The errors of the project's CDK app and scripts: one line each, naming the fix.

They are the project's, not the library's (``boto_session_manager.exceptions``): a user of
the library never meets them. ``python -m cdk.deploy`` prints ``error: <message>`` and exits 1.
"""

from __future__ import annotations

__all__ = ["ContextError", "DeployError", "ProjectError", "SubjectLookupError"]


class ProjectError(Exception):
    """Base class: a one-line reason why synth, deploy or destroy stopped, with the fix."""


class ContextError(ProjectError, ValueError):
    """The CDK context (or what it leaves to be found) cannot make a safe CI-role trust."""


class SubjectLookupError(ProjectError):
    """GitHub's REST API did not say how the repository's OIDC ``sub`` is written."""


class DeployError(ProjectError):
    """Deploy or destroy could not go on."""
