"""Local stand-ins for the services this library talks to, reusable in your own tests.

- :class:`GitHubOidcIssuer`: a local GitHub Actions OIDC token endpoint (real HTTP, RS256 JWTs
  shaped like GitHub's, discovery and JWKS, fault injection), driven by a
  :class:`GitHubRunContext`.
- :func:`start_local_aws` / :class:`LocalAws`: the local AWS emulator (ministack with
  ``AUTH=true``, optionally over HTTPS with a local CA), started on a free loopback port and
  stopped by its pid; :func:`find_local_aws` finds one started earlier in a state folder.
- :func:`assert_no_secrets`, :func:`fingerprint`, :func:`redact`: check that secrets stay out
  of logs, output and messages without printing them when the check fails.
- ``boto_session_manager.testing.pytest_plugin``: pytest fixtures for them; enable it with
  ``pytest_plugins = ["boto_session_manager.testing.pytest_plugin"]`` in your ``conftest.py``.

Needs the ``testing`` extra (``pip install boto_session_manager[testing]``). Names are imported
on first use, so importing this package costs nothing until a stand-in is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto_session_manager.testing.github_oidc_issuer import GitHubOidcIssuer, GitHubRunContext
    from boto_session_manager.testing.leak_check import assert_no_secrets, fingerprint, redact
    from boto_session_manager.testing.local_aws import LocalAws, find_local_aws, start_local_aws

__all__ = [
    "GitHubOidcIssuer",
    "GitHubRunContext",
    "LocalAws",
    "assert_no_secrets",
    "find_local_aws",
    "fingerprint",
    "redact",
    "start_local_aws",
]

#: public name -> submodule that defines it (imported lazily, PEP 562)
_LAZY: dict[str, str] = {
    "GitHubOidcIssuer": "github_oidc_issuer",
    "GitHubRunContext": "github_oidc_issuer",
    "LocalAws": "local_aws",
    "find_local_aws": "local_aws",
    "start_local_aws": "local_aws",
    "assert_no_secrets": "leak_check",
    "fingerprint": "leak_check",
    "redact": "leak_check",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first access."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names alongside the module's own attributes."""
    return sorted({*globals(), *__all__})
