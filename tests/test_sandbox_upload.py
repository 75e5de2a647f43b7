"""The upload endpoint: multipart parsing, limits, idempotency and its fault plan."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from reap_tui.clock import FakeClock
from reap_tui.sandbox import Fault, FaultPlan, UploadDefaults
from reap_tui.sandbox.handler import MAX_REQUEST_BYTES
from reap_tui.sandbox.server import DEFAULT_BUSINESS_UUID
from tests.sandbox_support import (
    KEY,
    UPLOAD_PATH,
    ServerFactory,
    csv_rows,
    fake_clock,
    get_status,
    multipart,
    request,
    upload,
)


@pytest.fixture
def clock() -> FakeClock:
    return fake_clock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[ServerFactory]:
    factory = ServerFactory(clock)
    yield factory
    factory.close()


def test_upload_creates_a_pending_batch_of_the_uploaded_rows(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(upload_defaults=UploadDefaults(queue_wait=60, rate=2.0))
    data = csv_rows(19)
    reply = upload(server, data, idempotency_key="idem-happy")

    assert reply.status == 201
    document = reply.json()
    assert document == {
        "batchId": document["batchId"],
        "businessUuid": DEFAULT_BUSINESS_UUID,
        "status": "PENDING",
        "totalRecords": 19,
        "message": "File uploaded successfully. Processing will start shortly.",
        "createdAt": "2025-10-08T11:40:20.796Z",
    }
    assert server.batch_ids == [document["batchId"]]

    status = get_status(server, document["batchId"]).json()
    assert (status["status"], status["totalRecords"]) == ("pending", 19)
    clock.advance(60 + 5)
    assert get_status(server, document["batchId"]).json()["processedRecords"] == 10
    clock.advance(60)
    assert get_status(server, document["batchId"]).json()["status"] == "completed"


def test_the_server_keeps_what_the_client_sent(make_server: ServerFactory) -> None:
    server = make_server()
    data = "\ufeff".encode() + csv_rows(3)
    body, content_type = multipart(data, filename="März batch.csv")
    headers = {
        "Content-Type": content_type,
        "X-Provider": "sumsub",
        "Idempotency-Key": "idem-kept",
        "Authorization": f"Bearer {KEY}",
    }
    reply = request(server, "POST", UPLOAD_PATH, headers=headers, body=body)
    assert reply.status == 201

    [record] = server.uploads
    assert record.idempotency_key == "idem-kept"
    assert record.filename == "März batch.csv"
    assert record.file_bytes == data
    assert record.row_count == 3
    assert record.batch_id == reply.json()["batchId"]
    assert record.headers["x-provider"] == "sumsub"
    assert record.headers["content-type"] == content_type
    assert "x-reap-api-key" not in record.headers
    assert KEY not in repr(record)
    assert record.headers["authorization"] == "Bearer [redacted]"
    assert (record.http_status, record.replayed) == (201, False)
    assert server.request_log[-1].method == "POST"
    assert server.request_log[-1].batch_id == record.batch_id


def test_the_same_idempotency_key_returns_the_same_batch_and_response(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server()
    first = upload(server, csv_rows(5), idempotency_key="idem-same")
    clock.advance(30)
    second = upload(server, csv_rows(5), idempotency_key="idem-same")

    assert (first.status, second.status) == (201, 201)
    assert second.body == first.body
    assert len(server.batch_ids) == 1
    assert [u.replayed for u in server.uploads] == [False, True]
    assert {u.batch_id for u in server.uploads} == {first.json()["batchId"]}


def test_different_or_absent_keys_create_separate_batches(make_server: ServerFactory) -> None:
    server = make_server()
    upload(server, csv_rows(5), idempotency_key="idem-a")
    upload(server, csv_rows(5), idempotency_key="idem-b")
    upload(server, csv_rows(5), idempotency_key=None)
    upload(server, csv_rows(5), idempotency_key=None)
    assert len(server.batch_ids) == 4


def test_the_limits_themselves_are_accepted(make_server: ServerFactory) -> None:
    server = make_server()
    assert upload(server, csv_rows(5000)).json()["totalRecords"] == 5000
    assert upload(server, file_of_size(10 * 1024 * 1024), idempotency_key="idem-10mb").status == 201


def file_of_size(size: int) -> bytes:
    """A plausible CSV of exactly `size` bytes: rows with long share tokens."""
    header = b"externalId,shareToken\n"
    row = b"00000000-0000-4000-8000-000000000000," + b"t" * 2400 + b"\n"
    count = (size - len(header)) // len(row) - 1
    rest = size - len(header) - count * len(row)
    last = row[:37] + b"t" * (rest - 38) + b"\n"
    return header + row * count + last


def rejection(reply_body: bytes) -> tuple[str, str, str]:
    document = json.loads(reply_body)
    return document["code"], document["message"], document["parameter"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty: a header row is required"),
        (b"externalId,shareToken\r\n", "The file has no data rows"),
        (b"externalId,shareToken\r\n,\r\n\r\n", "The file has no data rows"),
        (b"externalId,applicantLevel\r\nx,y\r\n", "lacks required column(s): shareToken"),
        (b"name,email\r\nx,y\r\n", "lacks required column(s): externalId, shareToken"),
        (b"externalId,shareToken\r\n\xff\xfe,x\r\n", "The file is not UTF-8 (byte 23)"),
        (csv_rows(5001), "The file has 5,001 data rows; the limit is 5,000"),
        (b'externalId,shareToken\r\na,"b\r\n', "not a readable CSV"),
        (
            file_of_size(10 * 1024 * 1024 + 1),
            "The file is 10,485,761 bytes; the limit is 10 MB",
        ),
    ],
    ids=lambda value: value[:40] if isinstance(value, str) else "file",
)
def test_files_breaking_the_rules_are_400(
    make_server: ServerFactory, data: bytes, message: str
) -> None:
    server = make_server()
    reply = upload(server, data)
    assert reply.status == 400
    code, text, parameter = rejection(reply.body)
    assert (code, parameter) == ("0701001400", "file")
    assert message in text
    assert server.batch_ids == []
    assert server.uploads[-1].http_status == 400
    assert server.uploads[-1].batch_id is None


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        (None, "X-Provider header is required: sumsub"),
        ("onfido", "Unsupported X-Provider: the only provider is sumsub"),
    ],
)
def test_x_provider_sumsub_is_required(
    make_server: ServerFactory, provider: str | None, message: str
) -> None:
    server = make_server()
    reply = upload(server, csv_rows(2), provider=provider)
    assert reply.status == 400
    assert rejection(reply.body) == ("0701001400", message, "X-Provider")
    assert server.batch_ids == []


def test_upload_needs_the_key(make_server: ServerFactory) -> None:
    server = make_server()
    assert rejection(upload(server, csv_rows(2), key=None).body)[0] == "0000000100"
    assert rejection(upload(server, csv_rows(2), key="wrong").body)[0] == "0000000200"
    assert server.batch_ids == []
    assert server.uploads == []


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        ("text/csv", csv_rows(2), "Content-Type must be multipart/form-data"),
        ("multipart/form-data", csv_rows(2), "Content-Type must be multipart/form-data"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nexternalId',
            "The multipart/form-data body is malformed",
        ),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--xyz--\r\n',
            "The form field 'file' is required",
        ),
        ("multipart/form-data; boundary=xyz", b"\x00\xff garbage", "malformed"),
    ],
)
def test_bad_multipart_is_400(
    make_server: ServerFactory, content_type: str, body: bytes, message: str
) -> None:
    server = make_server()
    headers = {"Content-Type": content_type, "X-Provider": "sumsub"}
    reply = request(server, "POST", UPLOAD_PATH, headers=headers, body=body)
    assert reply.status == 400
    assert message in rejection(reply.body)[1]


def test_an_oversized_request_is_refused_unread(make_server: ServerFactory) -> None:
    server = make_server()
    port = int(server.base_url.rsplit(":", 1)[1])
    head = (
        f"POST {UPLOAD_PATH} HTTP/1.1\r\nHost: x\r\nx-reap-api-key: {KEY}\r\n"
        f"X-Provider: sumsub\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {MAX_REQUEST_BYTES + 1}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert b"larger than 10 MB" in rest.partition(b"\r\n\r\n")[2]


def test_a_timed_out_upload_retried_with_its_key_yields_one_batch(
    make_server: ServerFactory,
) -> None:
    server = make_server(upload_fault_plan=FaultPlan({1: Fault.slow(60)}))
    with pytest.raises(TimeoutError):
        upload(server, csv_rows(7), idempotency_key="idem-retry", timeout=0.2)
    retry = upload(server, csv_rows(7), idempotency_key="idem-retry")

    assert retry.status == 201
    assert server.batch_ids == [retry.json()["batchId"]]
    assert [u.idempotency_key for u in server.uploads] == ["idem-retry", "idem-retry"]
    assert [r.fault for r in server.request_log] == ["slow", None]


def test_an_upload_answered_with_an_error_fault_creates_nothing(
    make_server: ServerFactory,
) -> None:
    server = make_server(
        upload_fault_plan=FaultPlan({1: Fault.server_error(), 2: Fault.rate_limited(30)})
    )
    assert upload(server, csv_rows(3)).status == 500
    assert upload(server, csv_rows(3)).headers["retry-after"] == "30"
    assert server.batch_ids == []
    assert upload(server, csv_rows(3)).status == 201
    assert len(server.batch_ids) == 1
