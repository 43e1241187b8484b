"""What every call of GitHub's REST API here shares: the base URL, the headers, the token.

The base URL is ``GITHUB_API_URL`` (set on Actions runners; GitHub Enterprise Server has its
own), ``https://api.github.com`` otherwise. ``GITHUB_TOKEN`` is optional for reads of public
repositories; it travels only in the ``Authorization`` header and never into a message.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DEFAULT_GITHUB_API_URL",
    "GITHUB_API_URL_VAR",
    "GITHUB_TOKEN_VAR",
    "api_headers",
    "api_token",
    "api_url",
]

DEFAULT_GITHUB_API_URL = "https://api.github.com"
GITHUB_API_URL_VAR = "GITHUB_API_URL"
GITHUB_TOKEN_VAR = "GITHUB_TOKEN"  # noqa: S105 - a variable name
_API_VERSION = "2022-11-28"


def api_url(environ: Mapping[str, str]) -> str:
    """The REST API root, without a trailing slash."""
    return (environ.get(GITHUB_API_URL_VAR) or DEFAULT_GITHUB_API_URL).rstrip("/")


def api_token(environ: Mapping[str, str]) -> str | None:
    """``GITHUB_TOKEN``, when set and not empty."""
    return environ.get(GITHUB_TOKEN_VAR) or None


def api_headers(token: str | None) -> dict[str, str]:
    """GitHub's recommended headers, with the bearer token when there is one."""
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": _API_VERSION,
        "User-Agent": "boto_session_manager-cdk",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers
