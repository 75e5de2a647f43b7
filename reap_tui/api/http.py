"""The httpx side of `ReapClient`, imported only when its first request is about to be sent:
httpx (and, for an `https://` host, the certificates) cost a program that sends nothing, or
has a screen to draw first, only when it is needed."""

from __future__ import annotations

from collections.abc import Callable, Generator
from urllib.parse import urlsplit

import httpx

from reap_tui import __version__


def open_http_client(
    base_url: str,
    *,
    timeout: httpx.Timeout,
    transport: httpx.AsyncBaseTransport | None,
    connect_retries: int,
    sign: Callable[[httpx.Request], None],
) -> httpx.AsyncClient:
    """The connection pool of one `ReapClient`: its headers, no redirects, `sign` as the last
    step before each request is sent."""
    if transport is None:
        # Plain http:// (only to loopback: the sandbox) never uses TLS, and no redirect is
        # followed to another scheme, so no certificates are loaded for it.
        verify = urlsplit(base_url).scheme != "http"
        transport = httpx.AsyncHTTPTransport(retries=connect_retries, verify=verify)
    return httpx.AsyncClient(
        base_url=base_url,
        headers={
            "Accept": "application/json",
            "Accept-Version": "v1.0",
            "User-Agent": f"reap-tui/{__version__}",
        },
        timeout=timeout,
        follow_redirects=False,
        transport=transport,
        auth=_KeyHeader(sign),
    )


class _KeyHeader(httpx.Auth):
    """Adds the key as the last step before sending, so no caller's variable ever holds it."""

    def __init__(self, sign: Callable[[httpx.Request], None]) -> None:
        self._sign = sign

    def __repr__(self) -> str:
        return "_KeyHeader()"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._sign(request)
        yield request
