"""Showing URLs in messages without what they may hide, and telling loopback hosts apart."""

from __future__ import annotations

import ipaddress
import re

__all__ = ["is_loopback_host", "shown_url"]


def shown_url(url: str) -> str:
    """``url`` quoted for a message: user-info replaced by ``***``, query and fragment dropped."""
    redacted = re.sub(r"^([^:/?#]*://)[^/?#]*@", r"\1***@", url)
    return repr(re.split(r"[?#]", redacted, maxsplit=1)[0][:200])


def is_loopback_host(hostname: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: names are taken literally, never resolved."""
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
