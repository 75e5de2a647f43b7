"""Each fault kind over loopback HTTP, and how fault plans pick them."""

from __future__ import annotations

import http.client
import json
import math
import socket
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import pytest

from reap_tui.clock import FakeClock
from reap_tui.sandbox import Fault, FaultKind, FaultPlan, ScriptedBatch
from tests.sandbox_support import (
    BATCH_ID,
    KEY,
    START,
    STATUS_PATH,
    ServerFactory,
    fake_clock,
    get_status,
    wait_until,
)

HOSTILE = [
    "[bold]x[/bold]",
    "[@click=app.quit]quit[/]",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://example.invalid/\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m C1 \x85",
]


@pytest.fixture
def clock() -> FakeClock:
    return fake_clock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[ServerFactory]:
    factory = ServerFactory(clock)
    yield factory
    factory.close()


def with_faults(**plan: object) -> list[ScriptedBatch]:
    return [ScriptedBatch(BATCH_ID, total_records=10, **plan)]  # type: ignore[arg-type]


def test_faults_follow_the_request_number_then_the_cycle() -> None:
    error, gateway = Fault.server_error(), Fault.html_502()
    plan = FaultPlan({1: gateway}, cycle=(None, error))
    assert [plan.fault_for(n) for n in range(1, 6)] == [gateway, error, None, error, None]
    assert FaultPlan().fault_for(1) is None


def test_planned_faults_then_normal_answers(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.server_error(), 2: Fault.html_502()}))
    assert [get_status(server).status for _ in range(3)] == [500, 502, 200]


def test_fault_cycle_repeats(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(fault_cycle=(None, Fault.server_error())))
    assert [get_status(server).status for _ in range(4)] == [200, 500, 200, 500]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_server_error_carries_the_scripted_strings(
    make_server: ServerFactory, hostile: str
) -> None:
    fault = Fault.server_error(message=hostile, parameter=hostile, code="0000000500")
    server = make_server(batches=with_faults(faults={1: fault}))
    reply = get_status(server)
    assert reply.status == 500
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"code": "0000000500", "message": hostile, "parameter": hostile}


def test_empty_500(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.empty_500()}))
    reply = get_status(server)
    assert (reply.status, reply.body, reply.headers["content-length"]) == (500, b"", "0")


def test_html_502(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.html_502()}))
    reply = get_status(server)
    assert reply.status == 502
    assert reply.headers["content-type"] == "text/html"
    assert reply.body.startswith(b"<html>")


def test_unavailable_503_retry_after_is_scaled_by_speed(make_server: ServerFactory) -> None:
    server = make_server(speed=60, batches=with_faults(faults={1: Fault.unavailable_503(120)}))
    reply = get_status(server)
    assert (reply.status, reply.headers["retry-after"]) == (503, "2")


@pytest.mark.parametrize(("scripted", "expected"), [(300, "5"), (90, "2"), (1, "1")])
def test_rate_limited_retry_after_seconds(
    make_server: ServerFactory, scripted: float, expected: str
) -> None:
    server = make_server(speed=60, batches=with_faults(faults={1: Fault.rate_limited(scripted)}))
    reply = get_status(server)
    assert reply.status == 429
    assert reply.headers["retry-after"] == expected
    assert set(reply.json()) == {"code", "message", "parameter"}


def test_rate_limited_retry_after_http_date(make_server: ServerFactory) -> None:
    fault = Fault.rate_limited(300, as_http_date=True)
    server = make_server(speed=60, batches=with_faults(faults={1: fault}))
    reply = get_status(server)
    assert reply.status == 429
    when = parsedate_to_datetime(reply.headers["retry-after"]).timestamp()
    assert when == math.ceil(START + 5)


def test_malformed_default_breaks_total_records(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.malformed()}))
    reply = get_status(server)
    assert reply.status == 200
    assert reply.json()["totalRecords"] == "abc"
    assert reply.json()["batchId"] == BATCH_ID


def test_malformed_drops_and_overrides_dotted_fields(make_server: ServerFactory) -> None:
    fault = Fault.malformed(drop=("summary.successfulRecords", "status"), override={"createdAt": 7})
    server = make_server(batches=with_faults(faults={1: fault}))
    document = get_status(server).json()
    assert "status" not in document
    assert document["summary"] == {"errors": []}
    assert document["createdAt"] == 7
    assert get_status(server).json()["status"] == "in_progress"


def test_rewritten_replaces_fields_and_keeps_the_rest(make_server: ServerFactory) -> None:
    fault = Fault.rewritten({"status": "in_progress", "summary.errors": ["late"]})
    server = make_server(batches=with_faults(created_at=START - 3600, faults={2: fault}))
    first, second = get_status(server).json(), get_status(server).json()
    assert first["status"] == "completed"
    assert second == {
        **first,
        "status": "in_progress",
        "summary": {**first["summary"], "errors": ["late"]},
    }
    assert server.request_log[1].fault is FaultKind.REWRITTEN


@pytest.mark.parametrize("raw", [b"[]", b"not json", b'{"batchId": ', b"\xff\xfe"])
def test_malformed_raw_bodies(make_server: ServerFactory, raw: bytes) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.malformed(raw)}))
    reply = get_status(server)
    assert (reply.status, reply.body) == (200, raw)


def test_slow_answer_times_a_client_out_then_answers_normally(
    make_server: ServerFactory,
) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.slow(60)}))
    with pytest.raises(TimeoutError):
        get_status(server, timeout=0.2)
    assert get_status(server).status == 200


def test_slow_answer_arrives_after_the_delay(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.slow(0.05)}))
    reply = get_status(server)
    assert reply.json()["status"] == "in_progress"
    assert server.request_log[0].fault == "slow"


def test_stop_cuts_a_slow_answer_short(clock: FakeClock) -> None:
    factory = ServerFactory(clock)
    server = factory(batches=with_faults(faults={1: Fault.slow(3600)}))
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", STATUS_PATH + BATCH_ID, headers={"x-reap-api-key": KEY})
    wait_until(lambda: len(server.request_log) == 1)
    factory.close()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()
    connection.close()


def test_reset_closes_the_connection_mid_body(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.reset()}))
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", STATUS_PATH + BATCH_ID, headers={"x-reap-api-key": KEY})
        response = connection.getresponse()
        assert response.status == 200
        with pytest.raises((http.client.IncompleteRead, ConnectionError, socket.error)):
            response.read()
    finally:
        connection.close()
    assert get_status(server).status == 200


def test_huge_body_is_ten_megabytes_of_valid_json(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.huge()}))
    reply = get_status(server)
    assert reply.status == 200
    assert len(reply.body) == 10 * 1024 * 1024
    assert json.loads(reply.body)["batchId"] == BATCH_ID


def test_unauthorized_regardless_of_key(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.unauthorized()}))
    reply = get_status(server)
    assert reply.status == 401
    assert reply.json()["code"] == "0000000200"
    assert server.request_log[0].auth == "ok"


def test_not_found_fault(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.not_found()}))
    reply = get_status(server)
    assert (reply.status, reply.json()["code"]) == (404, "0701020100")
    assert get_status(server).status == 200


def test_a_fault_answers_before_authentication(make_server: ServerFactory) -> None:
    server = make_server(batches=with_faults(faults={1: Fault.html_502()}))
    assert get_status(server, key=None).status == 502
    assert get_status(server, key=None).status == 401
