"""The project's CDK app and the scripts that deploy it (``nox -s synth|deploy|destroy``).

``app.py`` wires the stack; ``stack.py`` and its constructs (``github_oidc.py``,
``principals.py``) describe it; ``access_key.py`` manages the test user's access key and
``.env`` outside CloudFormation; ``deploy.py`` chains it all on real AWS or the local emulator.
"""

from __future__ import annotations

__all__: list[str] = []
