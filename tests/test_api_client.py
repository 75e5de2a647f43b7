"""ReapClient against the sandbox over real loopback HTTP: every outcome a check can have."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from reap_tui.api.client import DEFAULT_UPLOAD_TIMEOUT, CheckResult, ReapClient, Timeouts
from reap_tui.api.errors import FailureKind
from reap_tui.api.hosts import UnsafeBaseUrl
from reap_tui.api.ids import InvalidBatchId
from reap_tui.api.models import StatusKind
from reap_tui.clock import FakeClock
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch

from .conftest import START, AheadClock

BATCH = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def server(clock: FakeClock, sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(clock, api_key=KEY)


@pytest.fixture
async def client(server: SandboxServer, clock: FakeClock) -> AsyncIterator[ReapClient]:
    async with ReapClient(
        server.base_url, KEY, clock=clock, timeouts=Timeouts(read=0.5), connect_retries=0
    ) as client:
        yield client


def scripted(**options: Any) -> ScriptedBatch:
    defaults: dict[str, Any] = {
        "batch_id": BATCH,
        "total_records": 100,
        "created_at": START,
        "queue_wait": 60,
        "rate": 1.0,
        "fail_share": 0.1,
    }
    return ScriptedBatch(**{**defaults, **options})


async def check(client: ReapClient, batch_id: str = BATCH) -> CheckResult:
    return await client.get_batch_status(batch_id)


@pytest.mark.parametrize(
    ("elapsed", "kind", "processed"),
    [
        (10, StatusKind.PENDING, 0),
        (110, StatusKind.IN_PROGRESS, 50),
        (500, StatusKind.COMPLETED, 100),
    ],
)
async def test_each_status_over_the_wire(
    server: SandboxServer,
    client: ReapClient,
    clock: FakeClock,
    elapsed: float,
    kind: StatusKind,
    processed: int,
) -> None:
    server.add_batch(scripted())
    clock.advance(elapsed)
    result = await check(client)
    assert result.failure is None and result.http_status == 200
    assert result.status is not None
    assert result.status.kind is kind
    assert result.status.processed_records == processed
    assert result.status.anomalies == ()


async def test_failed_batch(server: SandboxServer, client: ReapClient, clock: FakeClock) -> None:
    server.add_batch(scripted(outcome="failed", fail_at=0.3))
    clock.advance(1000)
    result = await check(client)
    assert result.status is not None and result.status.kind is StatusKind.FAILED


@pytest.mark.parametrize("spelling", ["upper", "processing"])
async def test_upper_case_spellings(
    server: SandboxServer, client: ReapClient, clock: FakeClock, spelling: str
) -> None:
    server.add_batch(scripted(status_spelling=spelling))
    clock.advance(110)
    result = await check(client)
    assert result.status is not None and result.status.kind is StatusKind.IN_PROGRESS


async def test_missing_key_is_401_0000000100(server: SandboxServer, clock: FakeClock) -> None:
    server.add_batch(scripted())
    async with ReapClient(server.base_url, None, clock=clock) as anonymous:
        result = await check(anonymous)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.http_status, result.failure.code) == (
        FailureKind.AUTH,
        401,
        "0000000100",
    )
    assert "REAP_API_KEY" in result.failure.action


async def test_wrong_key_is_401_0000000200(server: SandboxServer, clock: FakeClock) -> None:
    server.add_batch(scripted())
    async with ReapClient(server.base_url, "wrong-key-000000", clock=clock) as wrong:
        result = await check(wrong)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.code) == (FailureKind.AUTH, "0000000200")
    assert result.failure.title == "Invalid API key"


async def test_the_auth_header_name_is_configurable(
    sandbox_factory: Callable[..., SandboxServer], clock: FakeClock
) -> None:
    server = sandbox_factory(clock, api_key=KEY, auth_header="Authorization")
    server.add_batch(scripted())
    async with ReapClient(server.base_url, KEY, clock=clock, auth_header="Authorization") as c:
        result = await check(c)
    assert result.status is not None


async def test_unknown_batch_is_404_with_its_explanation(client: ReapClient) -> None:
    result = await check(client, UNKNOWN)
    assert result.failure is not None
    assert (result.failure.kind, result.failure.code) == (FailureKind.NOT_FOUND, "0701020100")
    assert result.failure.message == "Batch not found"


@pytest.mark.parametrize(
    ("fault", "kind", "http_status"),
    [
        (Fault.server_error(), FailureKind.SERVER_ERROR, 500),
        (Fault.empty_500(), FailureKind.SERVER_ERROR, 500),
        (Fault.html_502(), FailureKind.SERVER_ERROR, 502),
        (Fault.unavailable_503(30), FailureKind.SERVER_ERROR, 503),
        (Fault.malformed(), FailureKind.MALFORMED, 200),
        (Fault.malformed(b"[]"), FailureKind.MALFORMED, 200),
        (Fault.huge(), FailureKind.MALFORMED, 200),
        (Fault.reset(), FailureKind.NETWORK, None),
    ],
)
async def test_faults_become_typed_failures(
    server: SandboxServer,
    client: ReapClient,
    fault: Fault,
    kind: FailureKind,
    http_status: int | None,
) -> None:
    server.add_batch(scripted(faults={1: fault}))
    result = await check(client)
    assert result.status is None and result.failure is not None
    assert result.failure.kind is kind
    assert result.failure.http_status == http_status
    assert result.failure.title and result.failure.action
    # The next request gets the normal answer: one bad answer does not stick.
    assert (await check(client)).status is not None


async def test_html_502_is_described_with_its_content_type(
    server: SandboxServer, client: ReapClient
) -> None:
    server.add_batch(scripted(faults={1: Fault.html_502()}))
    failure = (await check(client)).failure
    assert failure is not None
    assert failure.detail == "HTTP 502 with a non-Reap body (text/html)"
    assert "<" in failure.body_excerpt


async def test_malformed_body_names_the_field(server: SandboxServer, client: ReapClient) -> None:
    server.add_batch(scripted(faults={1: Fault.malformed()}))
    failure = (await check(client)).failure
    assert failure is not None
    assert failure.detail == 'totalRecords: expected an integer, got "abc"'


async def test_429_retry_after_in_seconds(server: SandboxServer, client: ReapClient) -> None:
    server.add_batch(scripted(faults={1: Fault.rate_limited(45)}))
    failure = (await check(client)).failure
    assert failure is not None
    assert (failure.kind, failure.retry_after) == (FailureKind.RATE_LIMITED, 45.0)


async def test_429_retry_after_as_http_date(server: SandboxServer, client: ReapClient) -> None:
    server.add_batch(scripted(faults={1: Fault.rate_limited(120, as_http_date=True)}))
    failure = (await check(client)).failure
    assert failure is not None and failure.retry_after is not None
    # An HTTP date has whole seconds: the delay is 120 s give or take the rounding.
    assert 119 <= failure.retry_after <= 121


async def test_an_http_date_retry_after_is_read_on_the_servers_clock(
    clock: FakeClock, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    """A server an hour ahead of us asks for 120 s, not for an hour and two minutes."""
    batch = scripted(faults={1: Fault.rate_limited(120, as_http_date=True)})
    server = sandbox_factory(AheadClock(clock, 3600), api_key=KEY, batches=[batch])
    async with ReapClient(server.base_url, KEY, clock=clock, connect_retries=0) as client:
        failure = (await check(client)).failure
    assert failure is not None and failure.retry_after is not None
    assert 119 <= failure.retry_after <= 121


async def test_read_timeout(server: SandboxServer, client: ReapClient) -> None:
    server.add_batch(scripted(faults={1: Fault.slow(2.0)}))
    failure = (await check(client)).failure
    assert failure is not None and failure.kind is FailureKind.TIMEOUT
    assert failure.title == "Request timed out"


async def test_refused_connection(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with ReapClient(f"http://127.0.0.1:{port}", KEY, clock=clock, connect_retries=0) as c:
        failure = (await check(c)).failure
    assert failure is not None and failure.kind is FailureKind.NETWORK
    assert "ConnectError" in failure.detail


@pytest.mark.parametrize(
    "bad_id",
    ["", "abc", "784d4045-c900-4050-aad6-8fe4c8d2fb1", "../../etc/passwd", "784d4045 c900"],
)
async def test_invalid_ids_send_no_request(
    server: SandboxServer, client: ReapClient, bad_id: str
) -> None:
    with pytest.raises(InvalidBatchId):
        await check(client, bad_id)
    assert server.request_log == []


def test_plain_http_to_a_remote_host_is_refused(clock: FakeClock) -> None:
    with pytest.raises(UnsafeBaseUrl, match="refusing plain http://"):
        ReapClient("http://compliance.api.reap.global", KEY, clock=clock)


async def test_headers_sent(server: SandboxServer, clock: FakeClock) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"code": "0701020100", "message": "Batch not found"})

    transport = httpx.MockTransport(record)
    async with ReapClient(server.base_url, KEY, clock=clock, transport=transport) as c:
        await check(c)
    headers = seen[0].headers
    assert headers["x-reap-api-key"] == KEY
    assert headers["accept"] == "application/json"
    assert headers["accept-version"] == "v1.0"
    assert headers["user-agent"].startswith("reap-tui/")
    assert KEY not in str(seen[0].url)


async def test_a_base_url_with_a_path_keeps_it_and_every_request_has_its_timeouts(
    server: SandboxServer, clock: FakeClock
) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"code": "0701020100", "message": "Batch not found"})

    transport = httpx.MockTransport(record)
    timeouts = Timeouts(connect=1.5, read=2.5, write=3.5, pool=4.5)
    base = f"{server.base_url}/gateway/reap/"
    async with ReapClient(base, KEY, clock=clock, transport=transport, timeouts=timeouts) as c:
        await check(c)
        await check(c)
        await c.upload_batch("a.csv", b"x", idempotency_key="k1")
    assert [request.url.path for request in seen] == [
        f"/gateway/reap/entity/kyc/import/batch/{BATCH}",
        f"/gateway/reap/entity/kyc/import/batch/{BATCH}",
        "/gateway/reap/entity/kyc/import/batch",
    ]
    assert seen[0].extensions["timeout"] == {"connect": 1.5, "read": 2.5, "write": 3.5, "pool": 4.5}
    assert seen[2].extensions["timeout"]["read"] == DEFAULT_UPLOAD_TIMEOUT
    assert seen[2].headers["idempotency-key"] == "k1" and seen[2].headers["x-reap-api-key"] == KEY


async def test_the_key_never_leaks_into_logs_reprs_or_messages(
    server: SandboxServer, client: ReapClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.add_batch(
        scripted(
            fault_cycle=(
                Fault.server_error(),
                Fault.html_502(),
                Fault.malformed(),
                Fault.rate_limited(5),
                Fault.reset(),
                Fault.slow(2.0),
                None,
            )
        )
    )
    texts = [repr(client), str(client)]
    for _ in range(7):
        result = await check(client)
        texts += [repr(result), str(result)]
        if result.failure is not None:
            texts += [str(value) for value in result.failure.as_json().values()]
    async with ReapClient(server.base_url, KEY[::-1], clock=clock) as wrong:
        texts.append(repr(await check(wrong)))
    texts += [record.getMessage() for record in caplog.records]
    texts += [str(record.exc_info) for record in caplog.records]
    assert any("500" in text for text in texts)
    assert not [text for text in texts if KEY in text]


CSV = (
    b"externalId,shareToken\n"
    b"11111111-1111-4111-8111-111111111111,tok-1\n"
    b"22222222-2222-4222-8222-222222222222,tok-2\n"
)


async def test_upload_sends_multipart_with_provider_and_idempotency_key(
    server: SandboxServer, client: ReapClient
) -> None:
    result = await client.upload_batch("march.csv", CSV, idempotency_key="idem-42")
    assert result.failure is None and result.receipt is not None
    assert result.receipt.total_records == 2
    assert result.receipt.batch_id in server.batch_ids
    (upload,) = server.uploads
    assert upload.file_bytes == CSV and upload.filename == "march.csv"
    assert upload.idempotency_key == "idem-42"
    assert upload.headers["x-provider"] == "sumsub"
    assert "x-reap-api-key" not in {name.lower() for name in upload.headers}
    status = await check(client, result.receipt.batch_id)
    assert status.status is not None and status.status.total_records == 2


async def test_the_same_idempotency_key_yields_the_same_batch(client: ReapClient) -> None:
    first = await client.upload_batch("a.csv", CSV, idempotency_key="same")
    again = await client.upload_batch("a.csv", CSV, idempotency_key="same")
    assert first.receipt is not None and again.receipt is not None
    assert first.receipt.batch_id == again.receipt.batch_id


async def test_a_rejected_upload_is_explained(client: ReapClient) -> None:
    result = await client.upload_batch("bad.csv", b"name\nx\n", idempotency_key="k1")
    assert result.receipt is None and result.failure is not None
    assert result.failure.http_status == 400
    assert result.failure.code == "0701001400"
    assert "validate" in result.failure.action


async def test_a_body_that_is_not_the_encoding_it_claims_is_malformed(
    server: SandboxServer, client: ReapClient
) -> None:
    server.add_batch(scripted(faults={1: Fault.bad_encoding()}))
    failure = (await check(client)).failure
    assert failure is not None and failure.kind is FailureKind.MALFORMED
    assert "DecodingError" in failure.detail
    assert (await check(client)).status is not None


async def test_an_upload_answer_that_cannot_be_decoded_is_a_failure_not_a_crash(
    sandbox_factory: Callable[..., SandboxServer], clock: FakeClock
) -> None:
    from reap_tui.sandbox import FaultPlan

    server = sandbox_factory(
        clock, api_key=KEY, upload_fault_plan=FaultPlan({1: Fault.bad_encoding()})
    )
    async with ReapClient(server.base_url, KEY, clock=clock) as c:
        result = await c.upload_batch("a.csv", CSV, idempotency_key="enc-1")
    assert result.receipt is None and result.failure is not None
    assert result.failure.kind is FailureKind.MALFORMED


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://[::1", "not a valid URL"),
        ("http://127.0.0.1:99999", "not a valid URL"),
        ("https://user:secret@example.com", "must not carry credentials"),
        ("ftp://example.com", r"not an http\(s\) URL"),
        ("https://example.com/?x=1", "query or fragment"),
    ],
)
def test_bad_base_urls_are_refused_with_a_reason(clock: FakeClock, url: str, says: str) -> None:
    with pytest.raises(UnsafeBaseUrl, match=says) as refused:
        ReapClient(url, KEY, clock=clock)
    assert "secret" not in str(refused.value)
