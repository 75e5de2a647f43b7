"""The sandbox over real loopback HTTP: statuses over time, auth, 404s, the request log."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from reap_tui.clock import FakeClock
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch
from tests.sandbox_support import (
    BATCH_ID,
    KEY,
    OTHER_ID,
    START,
    STATUS_PATH,
    ServerFactory,
    fake_clock,
    get_status,
    request,
    wait_until,
)

DOCUMENTED_FIELDS = {
    "batchId",
    "status",
    "totalRecords",
    "processedRecords",
    "failedRecords",
    "createdAt",
    "updatedAt",
    "startedAt",
    "completedAt",
    "summary",
}


@pytest.fixture
def clock() -> FakeClock:
    return fake_clock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[ServerFactory]:
    factory = ServerFactory(clock)
    yield factory
    factory.close()


def scripted(**overrides: object) -> ScriptedBatch:
    script: dict[str, object] = {"total_records": 100, "queue_wait": 40.0, "rate": 1.0}
    script.update(overrides)
    return ScriptedBatch(BATCH_ID, **script)  # type: ignore[arg-type]


def test_a_batch_moves_through_every_status(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(batches=[scripted(fail_share=0.05)])
    pending = get_status(server)
    clock.advance(40 + 45)
    in_progress = get_status(server)
    clock.advance(100)
    completed = get_status(server)

    assert [r.status for r in (pending, in_progress, completed)] == [200, 200, 200]
    assert pending.headers["content-type"] == "application/json"
    assert set(pending.json()) == DOCUMENTED_FIELDS
    assert set(pending.json()["summary"]) == {"successfulRecords", "errors"}
    assert pending.json()["status"] == "pending"
    assert pending.json()["startedAt"] is None
    assert in_progress.json()["status"] == "in_progress"
    assert in_progress.json()["processedRecords"] == 45
    assert in_progress.json()["failedRecords"] == 2
    assert in_progress.json()["completedAt"] is None
    assert completed.json()["status"] == "completed"
    assert completed.json()["summary"]["successfulRecords"] == 95
    assert completed.json()["createdAt"] == "2025-10-08T11:40:20.796Z"
    assert completed.json()["completedAt"] == "2025-10-08T11:42:40.796Z"


def test_a_failing_batch_ends_failed(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(batches=[scripted(outcome="failed", fail_at=0.5)])
    clock.advance(40 + 50)
    document = get_status(server).json()
    assert document["status"] == "failed"
    assert document["processedRecords"] == 50
    assert document["completedAt"] is not None


@pytest.mark.parametrize(
    ("spelling", "pending", "in_progress"),
    [
        ("lower", "pending", "in_progress"),
        ("upper", "PENDING", "IN_PROGRESS"),
        ("processing", "PENDING", "PROCESSING"),
    ],
)
def test_status_spelling_on_the_wire(
    make_server: ServerFactory, clock: FakeClock, spelling: str, pending: str, in_progress: str
) -> None:
    server = make_server(batches=[scripted(status_spelling=spelling)])
    assert get_status(server).json()["status"] == pending
    clock.advance(41)
    assert get_status(server).json()["status"] == in_progress


def test_speed_scales_the_script(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(speed=60, batches=[scripted(queue_wait=300)])
    clock.advance(4.9)
    assert get_status(server).json()["status"] == "pending"
    clock.advance(0.1)
    assert get_status(server).json()["status"] == "in_progress"


def test_created_at_defaults_to_the_clock_when_added(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server()
    clock.advance(12.5)
    server.add_batch(ScriptedBatch(OTHER_ID.upper(), queue_wait=0))
    assert server.batch_ids == [OTHER_ID]
    assert server.scripted_batch(OTHER_ID).created_at == START + 12.5
    assert get_status(server, OTHER_ID).json()["createdAt"] == "2025-10-08T11:40:33.296Z"


def test_adding_the_same_id_twice_is_refused(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    with pytest.raises(ValueError, match="already"):
        server.add_batch(scripted())


def test_missing_key_is_401_0000000100(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    reply = get_status(server, key=None)
    assert reply.status == 401
    assert reply.json() == {
        "code": "0000000100",
        "message": "Invalid Authorization: missing API key",
        "parameter": "",
    }
    assert server.request_log[-1].auth == "missing"


def test_wrong_key_is_401_0000000200(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    reply = get_status(server, key="not-the-key")
    assert reply.status == 401
    assert reply.json() == {
        "code": "0000000200",
        "message": "Invalid Authorization",
        "parameter": "",
    }
    assert server.request_log[-1].auth == "invalid"


def test_auth_header_name_is_configurable(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()], auth_header="Authorization")
    assert get_status(server, key=None, headers={"Authorization": KEY}).status == 200
    assert get_status(server).json()["code"] == "0000000100"


def test_default_key_is_random_and_required() -> None:
    first, second = SandboxServer(fake_clock()), SandboxServer(fake_clock())
    assert first.api_key != second.api_key
    assert len(first.api_key) >= 20


def test_unknown_batch_is_404_0701020100(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    for batch_id in (OTHER_ID, "not-a-uuid"):
        reply = get_status(server, batch_id)
        assert reply.status == 404
        assert reply.json() == {"code": "0701020100", "message": "Batch not found", "parameter": ""}


def test_a_batch_answers_404_until_it_exists(make_server: ServerFactory, clock: FakeClock) -> None:
    server = make_server(batches=[scripted(exists_from=START + 30)])
    assert get_status(server).status == 404
    clock.advance(30)
    assert get_status(server).status == 200


def test_batch_ids_are_matched_case_insensitively(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    assert get_status(server, BATCH_ID.upper()).json()["batchId"] == BATCH_ID


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/entity/kyc/import/batch"),
        ("GET", STATUS_PATH + BATCH_ID + "/extra"),
        ("DELETE", STATUS_PATH + BATCH_ID),
        ("PUT", STATUS_PATH + BATCH_ID),
        ("BREW", STATUS_PATH + BATCH_ID),
        ("GET", "/%00%ff/../../etc/passwd"),
    ],
)
def test_unknown_paths_and_methods_are_404_reap_style(
    make_server: ServerFactory, method: str, path: str
) -> None:
    server = make_server(batches=[scripted()])
    reply = request(server, method, path)
    assert reply.status == 404
    assert reply.headers["content-type"] == "application/json"
    assert set(reply.json()) == {"code", "message", "parameter"}
    assert get_status(server).status == 200


def test_request_log_records_each_request_without_the_key(
    make_server: ServerFactory, clock: FakeClock
) -> None:
    server = make_server(batches=[scripted(faults={2: Fault.server_error()})])
    get_status(server)
    clock.advance(5)
    get_status(server)
    get_status(server, OTHER_ID, key="wrong")
    request(server, "GET", f"/nowhere?key={KEY}")

    log = server.request_log
    assert [(r.at, r.method, r.batch_id, r.http_status, r.auth) for r in log] == [
        (START, "GET", BATCH_ID, 200, "ok"),
        (START + 5, "GET", BATCH_ID, 500, "ok"),
        (START + 5, "GET", OTHER_ID, 401, "invalid"),
        (START + 5, "GET", None, 404, "ok"),
    ]
    assert log[0].path == STATUS_PATH + BATCH_ID
    assert log[1].fault == "server_error"
    assert all(KEY not in repr(record) for record in log)
    assert log[3].path == "/nowhere?key=[redacted]"

    server.clear_log()
    assert server.request_log == []


def test_in_flight_counts_requests_being_served(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted(faults={1: Fault.slow(60)}), ScriptedBatch(OTHER_ID)])
    outcome: list[BaseException] = []

    def slow_request() -> None:
        try:
            get_status(server)
        except OSError as error:  # the server is stopped while it waits
            outcome.append(error)

    thread = threading.Thread(target=slow_request)
    thread.start()
    wait_until(lambda: len(server.request_log) == 1)
    assert get_status(server, OTHER_ID).status == 200

    assert [r.in_flight for r in server.request_log] == [1, 2]
    assert server.max_in_flight == 2
    server.stop()
    thread.join()


def test_keep_alive_connection_serves_several_requests(make_server: ServerFactory) -> None:
    import http.client

    server = make_server(batches=[scripted()])
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", STATUS_PATH + BATCH_ID, headers={"x-reap-api-key": KEY})
            response = connection.getresponse()
            assert response.status == 200
            response.read()
    finally:
        connection.close()
    assert len(server.request_log) == 3


def raw_exchange(server: SandboxServer, payload: bytes) -> bytes:
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(payload)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n", b"431"),
        (b"GET / HTTP/9.9\r\n\r\n", b"505"),
        (
            f"GET {STATUS_PATH}{BATCH_ID} HTTP/1.1\r\nContent-Length: nope\r\n\r\n".encode(),
            b"400",
        ),
        (
            f"POST {STATUS_PATH} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode(),
            b"400",
        ),
    ],
)
def test_bad_requests_get_a_reap_style_answer_and_the_server_lives_on(
    make_server: ServerFactory, payload: bytes, status: bytes
) -> None:
    server = make_server(batches=[scripted()])
    answer = raw_exchange(server, payload)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status
    assert b"application/json" in head
    assert b'"code"' in body and b'"message"' in body
    assert get_status(server).status == 200


def test_responses_carry_the_clock_date(make_server: ServerFactory) -> None:
    server = make_server(batches=[scripted()])
    assert get_status(server).headers["date"] == "Wed, 08 Oct 2025 11:40:20 GMT"


def test_base_url_needs_a_started_server_and_stop_is_idempotent() -> None:
    server = SandboxServer(fake_clock(), api_key=KEY)
    with pytest.raises(RuntimeError):
        _ = server.base_url
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
    server.stop()


def test_speed_must_be_positive() -> None:
    for speed in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            SandboxServer(fake_clock(), speed=speed)
