"""The httpx side of `ReapClient`, imported only when its first request is about to be sent:
httpx (and, for an `https://` host, the certificates) cost a program that sends nothing, or
has a screen to draw first, only when it is needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

from reap_tui import __version__

URLS_KEPT = 20_000  # paths whose parsed URL is kept (a watch list's batches, with room)


class HttpPool:
    """The connection pool of one `ReapClient`: its headers, no redirects, `sign` as the last
    step before each request is sent.

    Requests go straight to the transport (httpx's public transport API). A client's other
    steps (cookies, authentication flows, redirects, event hooks, URL merging) are not needed
    here and were a fifth of the CPU of each request."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
        connect_retries: int,
        sign: Callable[[httpx.Request], None],
    ) -> None:
        if transport is None:
            # Plain http:// (only to loopback: the sandbox) never uses TLS, and no redirect is
            # followed to another scheme, so no certificates are loaded for it.
            verify = urlsplit(base_url).scheme != "http"
            transport = httpx.AsyncHTTPTransport(retries=connect_retries, verify=verify)
        self._transport = transport
        self._base = httpx.URL(base_url)
        self._headers = httpx.Headers(
            {
                "Accept": "application/json",
                "Accept-Version": "v1.0",
                "User-Agent": f"reap-tui/{__version__}",
            }
        )
        self._timeout = timeout.as_dict()
        self._sign = sign
        self._urls: dict[str, httpx.URL] = {}  # by path: a batch's is asked for at every check

    def _url(self, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= URLS_KEPT:
                self._urls.clear()
            url = self._base.copy_with(path=self._base.path.rstrip("/") + path)
            self._urls[path] = url
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        **content: Any,
    ) -> httpx.Request:
        """`path` under the base URL's, with the pool's headers, then `headers`; `content` as
        `httpx.Request` takes it (`files=`)."""
        merged = self._headers.copy()
        if headers:
            merged.update(headers)
        extensions = {"timeout": timeout.as_dict() if timeout else self._timeout}
        url = self._url(path)
        request = httpx.Request(method, url, headers=merged, extensions=extensions, **content)
        self._sign(request)
        return request

    @asynccontextmanager
    async def stream(self, method: str, path: str, **options: Any) -> AsyncIterator[httpx.Response]:
        """The answer with its body not yet read; closed on leaving."""
        request = self.request(method, path, **options)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            yield response
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()
