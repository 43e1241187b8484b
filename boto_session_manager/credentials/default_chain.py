"""boto3's own credential chain: environment variables, profiles, SSO, container and instance roles.

:func:`build_default_chain` adds nothing to the chain itself: it fixes the region by the
order every SDK follows (:mod:`~boto_session_manager.region`), which botocore alone gets
wrong when only ``AWS_REGION`` is set, and keeps the default client arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..region import resolve_region
from . import SessionSetup

__all__ = ["build_default_chain"]


def build_default_chain(
    *,
    region_name: str | None = None,
    default_client_kwargs: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> SessionSetup:
    """The setup of a manager on boto3's default chain (``environ`` defaults to os.environ)."""
    return SessionSetup(
        region_name=resolve_region(region_name, environ),
        default_client_kwargs=dict(default_client_kwargs or {}),
    )
