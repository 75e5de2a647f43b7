"""The one async client for Reap's Compliance API: each call returns a result or a typed failure."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from types import TracebackType

import httpx

from reap_tui import __version__
from reap_tui.api.errors import (
    ApiFailure,
    FailureKind,
    failure_from_response,
    malformed_failure,
    transport_failure,
)
from reap_tui.api.hosts import check_base_url
from reap_tui.api.ids import parse_batch_id
from reap_tui.api.models import BatchStatus
from reap_tui.api.parser import MalformedBody, parse_batch_status
from reap_tui.api.retry_after import parse_retry_after
from reap_tui.clock import Clock

log = logging.getLogger("reap_tui.api")

BATCH_PATH = "/entity/kyc/import/batch"
DEFAULT_AUTH_HEADER = "x-reap-api-key"
# A batch status is well under a kilobyte; anything far larger is not one.
MAX_STATUS_BODY = 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 20.0
    write: float = 30.0
    pool: float = 10.0

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class CheckResult:
    """One status request: what came back, and what the engine and the UI record about it."""

    batch_id: str
    started_at: float
    finished_at: float
    http_status: int | None
    status: BatchStatus | None
    failure: ApiFailure | None


class ReapClient:
    """Holds the API key privately: it goes into one request header and nowhere else."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        clock: Clock,
        auth_header: str = DEFAULT_AUTH_HEADER,
        timeouts: Timeouts | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        connect_retries: int = 2,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._api_key = api_key
        self._auth_header = auth_header
        self._clock = clock
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "Accept": "application/json",
                "Accept-Version": "v1.0",
                "User-Agent": f"reap-tui/{__version__}",
            },
            timeout=(timeouts or Timeouts()).as_httpx(),
            follow_redirects=False,
            transport=transport or httpx.AsyncHTTPTransport(retries=connect_retries),
        )

    def __repr__(self) -> str:
        key_state = "set" if self._api_key else "none"
        return f"ReapClient(base_url={self.base_url!r}, api_key={key_state})"

    @property
    def has_api_key(self) -> bool:
        return bool(self._api_key)

    def set_api_key(self, api_key: str | None) -> None:
        self._api_key = api_key

    def _auth_headers(self) -> dict[str, str]:
        return {self._auth_header: self._api_key} if self._api_key else {}

    async def __aenter__(self) -> ReapClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_batch_status(self, batch_id: str) -> CheckResult:
        """Raises InvalidBatchId (before any request) for an id that is not a UUID."""
        batch_id = parse_batch_id(batch_id)
        started = self._clock.now()
        begun = time.perf_counter()
        http_status: int | None = None
        content_type: str | None = None
        body = b""
        status: BatchStatus | None = None
        failure: ApiFailure | None = None
        try:
            http_status, content_type, body, retry_after = await self._get(
                f"{BATCH_PATH}/{batch_id}"
            )
            if http_status == 200:
                status = parse_batch_status(body)
            else:
                failure = failure_from_response(http_status, content_type, body, retry_after)
        except MalformedBody as error:
            failure = malformed_failure(http_status, content_type, body, str(error))
        except _BodyTooLarge as error:
            http_status = error.http_status
            failure = malformed_failure(http_status, error.content_type, b"", str(error))
        except httpx.TimeoutException as error:
            failure = transport_failure(FailureKind.TIMEOUT, _describe_transport(error))
        except httpx.TransportError as error:
            failure = transport_failure(FailureKind.NETWORK, _describe_transport(error))
        outcome = status.status.text if status else failure.headline if failure else "?"
        log.debug(
            "GET batch %s -> %s %s in %.0f ms",
            batch_id,
            http_status if http_status is not None else "-",
            outcome,
            (time.perf_counter() - begun) * 1000,
        )
        return CheckResult(batch_id, started, self._clock.now(), http_status, status, failure)

    async def _get(self, path: str) -> tuple[int, str | None, bytes, float | None]:
        async with self._http.stream("GET", path, headers=self._auth_headers()) as response:
            content_type = response.headers.get("content-type")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_STATUS_BODY:
                    raise _BodyTooLarge(response.status_code, content_type)
            retry_after = parse_retry_after(response.headers.get("retry-after"), self._clock.now())
            return response.status_code, content_type, bytes(body), retry_after


class _BodyTooLarge(Exception):
    def __init__(self, http_status: int, content_type: str | None) -> None:
        super().__init__(
            f"HTTP {http_status} body larger than {MAX_STATUS_BODY // 1024} KB: not a batch status"
        )
        self.http_status = http_status
        self.content_type = content_type


def _describe_transport(error: httpx.TransportError) -> str:
    """The failure in words, without the request and its headers."""
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"
