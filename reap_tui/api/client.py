"""The one async client for Reap's Compliance API: each call returns a result or a typed failure."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from reap_tui.api.durations import DEFAULT_REQUEST_DEADLINE, DEFAULT_UPLOAD_TIMEOUT
from reap_tui.api.errors import (
    ApiFailure,
    FailureKind,
    failure_from_response,
    malformed_failure,
    transport_failure,
)
from reap_tui.api.hosts import check_base_url
from reap_tui.api.ids import parse_batch_id
from reap_tui.api.models import BatchStatus, UploadReceipt
from reap_tui.api.parser import MalformedBody, parse_batch_status, parse_upload_receipt
from reap_tui.api.retry_after import parse_retry_after
from reap_tui.clock import Clock
from reap_tui.logs import protect_in_logs
from reap_tui.text import clean

if TYPE_CHECKING:
    import httpx

    from reap_tui.api.http import HttpPool

__all__ = [
    "DEFAULT_REQUEST_DEADLINE",
    "DEFAULT_UPLOAD_TIMEOUT",
    "CheckResult",
    "ReapClient",
    "Timeouts",
    "UploadResult",
]

log = logging.getLogger("reap_tui.api")

BATCH_PATH = "/entity/kyc/import/batch"
DEFAULT_AUTH_HEADER = "x-reap-api-key"
# Reap's answers are well under a kilobyte; anything far larger is not one.
MAX_RESPONSE_BODY = 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 20.0
    write: float = 30.0
    pool: float = 10.0

    def as_httpx(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class UploadResult:
    receipt: UploadReceipt | None
    failure: ApiFailure | None


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
    """Holds the API key privately: it goes into one request header and nowhere else.

    Cheap to make: httpx is imported and the connection pool built when the first request is
    sent (a dashboard draws its first screen before that)."""

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
        upload_timeout: float = DEFAULT_UPLOAD_TIMEOUT,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._api_key = api_key
        if api_key:
            protect_in_logs(api_key)
        self._auth_header = auth_header
        self._clock = clock
        self._timeouts = timeouts or Timeouts()
        self._transport = transport
        self._connect_retries = connect_retries
        self._upload_deadline = upload_timeout
        self._request_deadline = request_deadline
        self._pool: HttpPool | None = None
        self._closed = False

    def __repr__(self) -> str:
        key_state = "set" if self._api_key else "none"
        return f"ReapClient(base_url={self.base_url!r}, api_key={key_state})"

    @property
    def has_api_key(self) -> bool:
        """Whether requests carry a key (without which Reap can only answer 401)."""
        return bool(self._api_key)

    def set_api_key(self, api_key: str | None) -> None:
        self._api_key = api_key
        if api_key:
            protect_in_logs(api_key)

    def _sign(self, request: httpx.Request) -> None:
        """The one place the key goes: a header of the request about to be sent."""
        if self._api_key:
            request.headers[self._auth_header] = self._api_key

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
        self._closed = True
        if self._pool is not None:
            await self._pool.aclose()

    @property
    def _http(self) -> HttpPool:
        if self._pool is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            from reap_tui.api.http import HttpPool

            self._pool = HttpPool(
                self.base_url,
                timeout=self._timeouts.as_httpx(),
                transport=self._transport,
                connect_retries=self._connect_retries,
                sign=self._sign,
            )
        return self._pool

    async def get_batch_status(self, batch_id: str) -> CheckResult:
        """Raises InvalidBatchId (before any request) for an id that is not a UUID."""
        batch_id = parse_batch_id(batch_id)
        started = self._clock.now()
        begun = time.perf_counter()
        answer = await self._request(
            "GET", f"{BATCH_PATH}/{batch_id}", deadline=self._request_deadline
        )
        status: BatchStatus | None = None
        if isinstance(answer, ApiFailure):
            failure: ApiFailure | None = answer
        elif answer.http_status == 200:
            try:
                status, failure = parse_batch_status(answer.body), None
            except MalformedBody as error:
                failure = answer.malformed(str(error))
        else:
            failure = answer.failure()
        http_status = failure.http_status if failure else 200
        outcome = (
            clean(status.status.text, limit=60) if status else failure.headline if failure else "?"
        )
        log.debug(
            "GET batch %s -> %s in %.0f ms",
            batch_id,
            outcome,
            (time.perf_counter() - begun) * 1000,
        )
        return CheckResult(batch_id, started, self._clock.now(), http_status, status, failure)

    async def upload_batch(
        self, filename: str, data: bytes, *, idempotency_key: str, provider: str = "sumsub"
    ) -> UploadResult:
        """POST the CSV as multipart field `file`; any 2xx with a batch id is success."""
        import httpx

        begun = time.perf_counter()
        answer = await self._request(
            "POST",
            BATCH_PATH,
            files={"file": (filename, data, "text/csv")},
            headers={"X-Provider": provider, "Idempotency-Key": idempotency_key},
            timeout=httpx.Timeout(self._upload_deadline, connect=self._timeouts.connect),
            deadline=self._upload_deadline,
        )
        receipt: UploadReceipt | None = None
        if isinstance(answer, ApiFailure):
            failure: ApiFailure | None = answer
        elif 200 <= answer.http_status < 300:
            try:
                receipt, failure = parse_upload_receipt(answer.body), None
            except MalformedBody as error:
                failure = answer.malformed(str(error))
        else:
            failure = answer.failure()
        log.debug(
            "POST upload (%d bytes) -> %s in %.0f ms",
            len(data),
            receipt.batch_id if receipt else failure.headline if failure else "?",
            (time.perf_counter() - begun) * 1000,
        )
        return UploadResult(receipt, failure)

    async def _request(
        self, method: str, path: str, *, deadline: float, **options: Any
    ) -> _Answer | ApiFailure:
        """Send one request; a transport problem, an oversized body or an answer not complete
        within `deadline` seconds comes back as a failure."""
        try:
            async with asyncio.timeout(deadline):
                return await self._exchange(method, path, **options)
        except TimeoutError:
            return transport_failure(
                FailureKind.TIMEOUT, f"no complete answer within {deadline:g} s"
            )

    async def _exchange(self, method: str, path: str, **options: Any) -> _Answer | ApiFailure:
        http = self._http  # imports httpx on the first request
        import httpx

        try:
            async with http.stream(method, path, **options) as response:
                content_type = response.headers.get("content-type")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BODY:
                        return malformed_failure(
                            response.status_code,
                            content_type,
                            b"",
                            f"HTTP {response.status_code} body larger than "
                            f"{MAX_RESPONSE_BODY // 1024} KB: not an answer Reap documents",
                        )
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"),
                    self._clock.now(),
                    server_date=response.headers.get("date"),
                )
                return _Answer(response.status_code, content_type, bytes(body), retry_after)
        except httpx.TimeoutException as error:
            return transport_failure(FailureKind.TIMEOUT, _describe_transport(error))
        except httpx.LocalProtocolError:
            # Its text can quote a header value, and a header carries the key.
            return transport_failure(FailureKind.NETWORK, "the request could not be formed")
        except httpx.TransportError as error:
            return transport_failure(FailureKind.NETWORK, _describe_transport(error))
        except httpx.HTTPError as error:
            # An answer httpx could not read, e.g. a body that is not the encoding it claims.
            return malformed_failure(None, None, b"", _describe_transport(error))


@dataclass(frozen=True)
class _Answer:
    http_status: int
    content_type: str | None
    body: bytes
    retry_after: float | None

    def failure(self) -> ApiFailure:
        return failure_from_response(
            self.http_status, self.content_type, self.body, self.retry_after
        )

    def malformed(self, detail: str) -> ApiFailure:
        return malformed_failure(self.http_status, self.content_type, self.body, detail)


def _describe_transport(error: Exception) -> str:
    """The failure in words, without the request and its headers."""
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"
