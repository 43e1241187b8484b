"""How long before expiry credentials are refreshed: one rule for every process.

botocore's refreshable credentials refresh in an *advisory* window (one thread refreshes, the
others keep the old credentials) and a *mandatory* window (callers wait). Its defaults, 15 and
10 minutes, would refresh 900-second credentials on every call, so both windows shrink with
shorter lifetimes. The credential cache shared by processes uses the advisory window as its
refresh margin, so a process reading the cache and a process refreshing in memory agree on
when credentials are too old.

Standard library only: the credential cache's fast path imports it.
"""

from __future__ import annotations

__all__ = ["ADVISORY_SECONDS", "MANDATORY_SECONDS", "refresh_margin", "refresh_windows"]

#: botocore's default windows (seconds before expiry).
ADVISORY_SECONDS = 15 * 60
MANDATORY_SECONDS = 10 * 60


def refresh_windows(duration_seconds: int) -> tuple[int, int]:
    """The (advisory, mandatory) windows for credentials living ``duration_seconds``.

    botocore's 15 and 10 minutes, shrunk to a third and a sixth of shorter lifetimes: 900-second
    credentials refresh 300 s before expiry (advisory) and 150 s before (mandatory).
    """
    return (
        min(ADVISORY_SECONDS, duration_seconds // 3),
        min(MANDATORY_SECONDS, duration_seconds // 6),
    )


def refresh_margin(duration_seconds: int) -> int:
    """Seconds of life credentials must have left to be used: the advisory window."""
    return refresh_windows(duration_seconds)[0]
