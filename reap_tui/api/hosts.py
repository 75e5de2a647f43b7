"""Where requests go: the documented environments, and what counts as a loopback host."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from reap_tui.text import clean

ENVIRONMENTS: dict[str, str] = {
    "sandbox": "https://sandbox-compliance.api.reap.global",
    "production": "https://compliance.api.reap.global",
    "staging": "https://staging-compliance.api.reap.global",
}


class UnsafeBaseUrl(ValueError):
    """A base URL the client refuses before any connection."""


def is_loopback_url(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The URL without a trailing slash, or UnsafeBaseUrl (plain http to a remote host, etc.)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as error:
        raise UnsafeBaseUrl(f"base URL is not a valid URL: {error}") from None
    if parts.username or parts.password:
        raise UnsafeBaseUrl("base URL must not carry credentials")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeBaseUrl(f"base URL {clean(url, limit=80)!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise UnsafeBaseUrl("base URL must not have a query or fragment")
    if parts.scheme == "http" and not is_loopback_url(url):
        raise UnsafeBaseUrl(
            f"refusing plain http:// to {parts.hostname}: the API key would travel unencrypted "
            "(use https://, or a loopback host for the sandbox)"
        )
    return url.strip().rstrip("/")
