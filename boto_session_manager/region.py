"""Which region a manager uses: the order every AWS SDK and the AWS CLI v2 follow.

1. the explicit ``region_name`` argument;
2. ``AWS_REGION`` (the AWS CLI v2, the other SDKs, GitHub's examples);
3. ``AWS_DEFAULT_REGION`` (the only one botocore reads);
4. the profile's ``region`` in the AWS config file.

botocore itself covers 3 and 4, so a manager passes it the region from 1 or 2 when there is
one and leaves the rest to botocore.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["REGION_VARS", "resolve_region"]

#: The region variables, in the order they are read.
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")


def resolve_region(region_name: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``region_name``, else ``AWS_REGION``, else ``AWS_DEFAULT_REGION`` from ``environ``.

    ``None`` means "none of them": botocore then takes the profile's region.
    ``environ`` defaults to ``os.environ``; empty values count as unset.
    """
    if region_name:
        return region_name
    env = os.environ if environ is None else environ
    for name in REGION_VARS:
        value = env.get(name, "").strip()
        if value:
            return value
    return None
