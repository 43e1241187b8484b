"""The project's CDK app and the scripts around it (``nox -s synth|deploy|destroy|tests``).

- ``settings.py``: the project's names (stack, user, roles, region, ``.env``).
- ``app.py`` wires the stack; ``stack.py`` and its constructs (``github_oidc.py``,
  ``principals.py``) describe it; ``config.py`` reads CDK context, failing closed.
- ``github_repository.py`` finds the repository the CI role trusts; ``github_subject.py`` asks
  GitHub how its ``sub`` is written (cached in ``cdk.context.json``); ``subject_filter.py``
  turns both into ``sub`` patterns that each name one repository.
- ``deploy.py``: ``synth``, ``deploy(target)``, ``destroy(target)`` over ``targets.py`` (the
  local emulator or an AWS account), with ``cdk_cli.py`` (the one CLI installer),
  ``cloudformation.py``, ``access_key.py`` (the test user's key and ``.env``) and
  ``github_variables.py``; the result is a ``deployment.Deployment``.
- ``integration_target.py``: where the integration suite runs, handed to pytest as JSON.

Nothing here ships in the library's wheel.
"""

from __future__ import annotations

__all__: list[str] = []
