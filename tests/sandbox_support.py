"""Shared by the tests/test_sandbox*.py files: a fake clock, a server on it, raw loopback HTTP."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from reap_tui.clock import FakeClock
from reap_tui.sandbox import SandboxServer

# 2025-10-08T11:40:20.796Z, the createdAt of the batch-status page's examples.
START = 1759923620.796
KEY = "sandbox-test-key-0123456789"
BATCH_ID = "f208a887-9fa6-4447-a52b-c1d6e089536f"
OTHER_ID = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
STATUS_PATH = "/entity/kyc/import/batch/"
UPLOAD_PATH = "/entity/kyc/import/batch"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    server: SandboxServer,
    method: str,
    path: str,
    *,
    key: str | None = KEY,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if key is not None:
            sent["x-reap-api-key"] = key
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def get_status(server: SandboxServer, batch_id: str = BATCH_ID, **kwargs: Any) -> Reply:
    return request(server, "GET", STATUS_PATH + batch_id, **kwargs)


def multipart(
    data: bytes,
    *,
    filename: str = "batch.csv",
    field: str = "file",
    boundary: str = "reap-test-boundary-7d1f",
) -> tuple[bytes, str]:
    """A multipart/form-data body with one file field, and its Content-Type."""
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def csv_rows(count: int) -> bytes:
    lines = ["externalId,shareToken,applicantLevel,cardProcessorPublicToken"]
    lines += [f"00000000-0000-4000-8000-{i:012d},token-{i},basic," for i in range(count)]
    return ("\r\n".join(lines) + "\r\n").encode()


def upload(
    server: SandboxServer,
    data: bytes,
    *,
    idempotency_key: str | None = "idem-1",
    provider: str | None = "sumsub",
    key: str | None = KEY,
    timeout: float = 10.0,
) -> Reply:
    body, content_type = multipart(data)
    headers = {"Content-Type": content_type}
    if provider is not None:
        headers["X-Provider"] = provider
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return request(
        server, "POST", UPLOAD_PATH, key=key, headers=headers, body=body, timeout=timeout
    )


def wait_until(condition: Callable[[], bool]) -> None:
    """Wait for another thread's effect; fails only if it never happens (not a timing check)."""
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition never became true")
        time.sleep(0.005)


class ServerFactory:
    """Starts servers on one fake clock with the test key; `close()` stops them all."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._servers: list[SandboxServer] = []

    def __call__(self, **kwargs: Any) -> SandboxServer:
        kwargs.setdefault("api_key", KEY)
        server = SandboxServer(self.clock, **kwargs)
        server.start()
        self._servers.append(server)
        return server

    def close(self) -> None:
        for server in self._servers:
            server.stop()
            assert server.internal_errors == []


def fake_clock() -> FakeClock:
    return FakeClock(START, auto_advance=False)
