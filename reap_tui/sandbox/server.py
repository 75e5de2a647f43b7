"""A Reap-compatible server on 127.0.0.1 in a daemon thread: its batches, routing and answers.

`SandboxServer` decides every answer; `handler.SandboxHandler` only reads requests and writes them.
Faults are numbered per batch (every request naming that batch id) and per upload request, and are
decided before authentication, as a proxy or overloaded server in front of Reap would answer.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import socket
import threading
import traceback
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from email.message import Message
from types import TracebackType
from typing import Any
from urllib.parse import quote

from reap_tui.api.ids import is_batch_id
from reap_tui.clock import Clock
from reap_tui.sandbox.faults import FaultPlan
from reap_tui.sandbox.handler import (
    Auth,
    Outcome,
    Request,
    RequestRecord,
    SandboxHandler,
    SandboxHTTPServer,
)
from reap_tui.sandbox.processor import (
    DEFAULT_BUSINESS_UUID,
    Processor,
    ProcessorConfig,
    QueuedBatch,
    RunState,
)
from reap_tui.sandbox.script import ScriptedBatch, StatusSpelling, status_document
from reap_tui.sandbox.upload import (
    UploadRejected,
    count_data_rows,
    read_file_field,
)
from reap_tui.sandbox.wire import (
    BATCH_NOT_FOUND_CODE,
    INVALID_KEY_CODE,
    MISSING_KEY_CODE,
    ROUTE_NOT_FOUND_CODE,
    VALIDATION_CODE,
    Answer,
    error_answer,
    iso_timestamp,
    json_answer,
)

BATCH_PATH = "/entity/kyc/import/batch"
UPLOAD_MESSAGE = "File uploaded successfully. Processing will start shortly."
_REDACTED = "[redacted]"

Batch = ScriptedBatch | QueuedBatch


@dataclass(frozen=True)
class UploadRecord:
    """One upload request that passed authentication and the provider check."""

    at: float
    idempotency_key: str | None
    headers: Mapping[str, str]
    """Lower-case names; the auth header left out and the key redacted from any other."""
    filename: str | None
    file_bytes: bytes | None
    row_count: int | None
    batch_id: str | None
    http_status: int
    replayed: bool


@dataclass(frozen=True)
class UploadDefaults:
    """A fixed script for every batch an upload creates (its total is the uploaded row count),
    instead of a place in the business's queue behind the batches uploaded before it."""

    queue_wait: float = 300.0
    rate: float = 7.0
    fail_share: float = 0.0
    status_spelling: StatusSpelling = "lower"


@dataclass
class _State:
    processor: Processor
    batches: dict[str, Batch] = field(default_factory=dict)
    batch_requests: dict[str, int] = field(default_factory=dict)
    upload_requests: int = 0
    idempotent: dict[str, tuple[Answer, str]] = field(default_factory=dict)
    log: list[RequestRecord] = field(default_factory=list)
    uploads: list[UploadRecord] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


class SandboxServer:
    """A Reap-compatible server on loopback. Start it, or use `with`.

    A `ScriptedBatch` follows its own timeline; a `QueuedBatch` waits in its business's queue for
    the modelled processor (`processor` says how it works). An upload joins the queue of
    `business_uuid`, unless `upload_defaults` gives uploaded batches a fixed script instead.
    """

    def __init__(
        self,
        clock: Clock,
        speed: float = 1.0,
        api_key: str | None = None,
        batches: Iterable[Batch] = (),
        port: int = 0,
        *,
        auth_header: str = "x-reap-api-key",
        upload_defaults: UploadDefaults | None = None,
        upload_fault_plan: FaultPlan | None = None,
        business_uuid: str = DEFAULT_BUSINESS_UUID,
        processor: ProcessorConfig | None = None,
    ) -> None:
        if not speed > 0 or speed == float("inf"):
            raise ValueError("speed must be a positive number")
        self.clock = clock
        self.speed = speed
        self.api_key = api_key if api_key is not None else "sandbox-" + secrets.token_urlsafe(18)
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        self.auth_header = auth_header
        self.upload_defaults = upload_defaults
        self.processor = processor or ProcessorConfig()
        self.upload_fault_plan = upload_fault_plan or FaultPlan()
        self.business_uuid = business_uuid
        self._port = port
        self._lock = threading.Lock()
        self._state = _State(Processor(self.processor, speed))
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for batch in batches:
            self.add_batch(batch)

    # lifecycle

    def start(self) -> None:
        if self._httpd is not None:
            raise RuntimeError("the sandbox server is already started")
        self._stopping.clear()
        self._httpd = SandboxHTTPServer(("127.0.0.1", self._port), SandboxHandler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"reap-sandbox:{self._httpd.server_port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, wake slow answers and close open connections. Safe to call twice."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the sandbox server is not started")
        return f"http://127.0.0.1:{self._httpd.server_port}"

    # batches

    def add_batch(self, batch: Batch) -> None:
        """Serve `batch` from now on; without `created_at` it was uploaded at the clock's now.

        A `QueuedBatch` joins its business's queue behind the batches uploaded before it; one
        uploaded before a moment the queue has already answered for rewrites that history.
        """
        batch_id = batch.batch_id.lower()
        created_at = self.clock.now() if batch.created_at is None else batch.created_at
        served = replace(batch, batch_id=batch_id, created_at=created_at)
        with self._lock:
            if batch_id in self._state.batches:
                raise ValueError(f"batch {batch_id} is already served")
            if isinstance(served, QueuedBatch):
                self._state.processor.add(served)
            self._state.batches[batch_id] = served

    def scripted_batch(self, batch_id: str) -> ScriptedBatch:
        """The script of a served batch with a timeline of its own, `created_at` filled in."""
        with self._lock:
            batch = self._state.batches[batch_id.lower()]
        if not isinstance(batch, ScriptedBatch):
            raise KeyError(f"batch {batch_id} waits in the processor's queue: see queued_batch")
        return batch

    def queued_batch(self, batch_id: str) -> QueuedBatch:
        """A batch of the processor's queues (an uploaded one too), `created_at` filled in."""
        with self._lock:
            batch = self._state.batches[batch_id.lower()]
        if not isinstance(batch, QueuedBatch):
            raise KeyError(f"batch {batch_id} is scripted: see scripted_batch")
        return batch

    def queued_state(self, batch_id: str, at: float | None = None) -> RunState:
        """Where a queued batch is at clock time `at` (default: now), in clock times."""
        at = self.clock.now() if at is None else at
        with self._lock:
            return self._state.processor.state(batch_id.lower(), at)

    def status_document(self, batch_id: str, at: float | None = None) -> dict[str, Any]:
        """The batch-status body a served batch has at clock time `at` (default: now), without
        faults, authentication or counting a request."""
        at = self.clock.now() if at is None else at
        with self._lock:
            return self._document(self._state.batches[batch_id.lower()], at)

    @property
    def batch_ids(self) -> list[str]:
        with self._lock:
            return list(self._state.batches)

    # what tests read

    @property
    def request_log(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._state.log)

    @property
    def uploads(self) -> list[UploadRecord]:
        with self._lock:
            return list(self._state.uploads)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._state.max_in_flight

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of sandbox bugs, each answered with a 500; empty unless something broke."""
        with self._lock:
            return list(self._state.internal_errors)

    def clear_log(self) -> None:
        with self._lock:
            self._state.log.clear()
            self._state.max_in_flight = self._state.in_flight

    # used by the handler

    def _enter(self) -> int:
        with self._lock:
            self._state.in_flight += 1
            self._state.max_in_flight = max(self._state.max_in_flight, self._state.in_flight)
            return self._state.in_flight

    def _leave(self) -> None:
        with self._lock:
            self._state.in_flight -= 1

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._state.log.append(record)

    def _record_internal_error(self) -> None:
        with self._lock:
            self._state.internal_errors.append(traceback.format_exc())

    def _redact(self, text: str) -> str:
        # A key this short is a test's placeholder; redacting it would only mangle paths.
        if len(self.api_key) < 8:
            return text
        for secret in {self.api_key, quote(self.api_key, safe="")}:
            text = text.replace(secret, _REDACTED)
        return text

    def _sent_key(self, headers: Message) -> str | None:
        return headers.get(self.auth_header)

    def _auth(self, headers: Message | None) -> Auth:
        value = headers.get(self.auth_header) if headers is not None else None
        if value is None or not value.strip():
            return "missing"
        try:
            sent = value.strip().encode("latin-1")
        except UnicodeEncodeError:
            return "invalid"
        return "ok" if hmac.compare_digest(sent, self.api_key.encode("utf-8")) else "invalid"

    def _respond(self, request: Request) -> Outcome:
        path = request.path.split("?", 1)[0]
        if path == BATCH_PATH and request.method == "POST":
            return self._upload(request)
        prefix = BATCH_PATH + "/"
        if path.startswith(prefix) and request.method == "GET" and "/" not in path[len(prefix) :]:
            return self._batch_status(request, path[len(prefix) :])
        return Outcome(
            error_answer(404, ROUTE_NOT_FOUND_CODE, "Not found"), self._auth(request.headers)
        )

    def _batch_status(self, request: Request, segment: str) -> Outcome:
        batch_id = segment.lower() if is_batch_id(segment) else None
        with self._lock:
            batch = self._state.batches.get(batch_id) if batch_id else None
            if batch is not None:
                number = self._state.batch_requests.get(batch.batch_id, 0) + 1
                self._state.batch_requests[batch.batch_id] = number
        auth = self._auth(request.headers)
        fault = batch.fault_plan.fault_for(number) if batch is not None else None
        if fault is not None and fault.replaces_answer:
            answer = fault.replacement(request.at, self.speed, self._sent_key(request.headers))
            return Outcome(answer, auth, batch_id, fault)
        if auth != "ok":
            return Outcome(_unauthorized(auth), auth, batch_id, fault)
        if batch is None or _not_visible_yet(batch, request.at):
            answer = error_answer(404, BATCH_NOT_FOUND_CODE, "Batch not found")
            return Outcome(answer, auth, batch_id, fault)
        with self._lock:
            document = self._document(batch, request.at)
        answer = json_answer(200, document)
        return Outcome(fault.alter(answer) if fault else answer, auth, batch_id, fault)

    def _document(self, batch: Batch, at: float) -> dict[str, Any]:
        """Called with the lock held (the processor's queues work out their history lazily)."""
        if isinstance(batch, QueuedBatch):
            return self._state.processor.status_document(batch.batch_id, at)
        return status_document(batch, at, self.speed)

    def _upload(self, request: Request) -> Outcome:
        with self._lock:
            self._state.upload_requests += 1
            fault = self.upload_fault_plan.fault_for(self._state.upload_requests)
        auth = self._auth(request.headers)
        if fault is not None and fault.replaces_answer:
            answer = fault.replacement(request.at, self.speed, self._sent_key(request.headers))
            return Outcome(answer, auth, None, fault)
        if auth != "ok":
            return Outcome(_unauthorized(auth), auth, None, fault)
        provider = request.headers.get("X-Provider")
        if provider is None or provider.strip() != "sumsub":
            message = (
                "X-Provider header is required: sumsub"
                if provider is None
                else "Unsupported X-Provider: the only provider is sumsub"
            )
            return Outcome(error_answer(400, VALIDATION_CODE, message, "X-Provider"), auth)
        answer, batch_id, record = self._accept_upload(request)
        with self._lock:
            self._state.uploads.append(record)
        return Outcome(fault.alter(answer) if fault else answer, auth, batch_id, fault)

    def _accept_upload(self, request: Request) -> tuple[Answer, str | None, UploadRecord]:
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        headers = {
            name.lower(): self._redact(value)
            for name, value in request.headers.items()
            if name.lower() != self.auth_header.lower()
        }
        filename: str | None = None
        data: bytes | None = None
        rows: int | None = None
        try:
            uploaded = read_file_field(request.headers.get("Content-Type", ""), request.body)
            filename, data = uploaded.filename, uploaded.data
            rows = count_data_rows(uploaded.data)
        except UploadRejected as rejected:
            answer = error_answer(400, VALIDATION_CODE, rejected.message, rejected.parameter)
            record = UploadRecord(
                request.at, key, headers, filename, data, rows, None, 400, replayed=False
            )
            return answer, None, record
        with self._lock:
            earlier = self._state.idempotent.get(key) if key else None
            if earlier is not None:
                answer, batch_id = earlier
            else:
                batch_id = self._create_uploaded_batch(rows, request.at)
                answer = json_answer(
                    201,
                    {
                        "batchId": batch_id,
                        "businessUuid": self.business_uuid,
                        "status": "PENDING",
                        "totalRecords": rows,
                        "message": UPLOAD_MESSAGE,
                        "createdAt": iso_timestamp(request.at),
                    },
                )
                if key:
                    self._state.idempotent[key] = (answer, batch_id)
        record = UploadRecord(
            request.at,
            key,
            headers,
            filename,
            data,
            rows,
            batch_id,
            answer.status,
            replayed=earlier is not None,
        )
        return answer, batch_id, record

    def _create_uploaded_batch(self, rows: int, at: float) -> str:
        """Called with the lock held."""
        defaults = self.upload_defaults
        batch_id = str(uuid.uuid4())
        if defaults is None:
            queued = QueuedBatch(
                batch_id,
                total_records=rows,
                created_at=at,
                business_uuid=self.business_uuid,
                fail_share=self.processor.upload_fail_share,
            )
            self._state.processor.add(queued)
            self._state.batches[batch_id] = queued
            return batch_id
        self._state.batches[batch_id] = ScriptedBatch(
            batch_id,
            total_records=rows,
            created_at=at,
            queue_wait=defaults.queue_wait,
            rate=defaults.rate,
            fail_share=defaults.fail_share,
            status_spelling=defaults.status_spelling,
        )
        return batch_id


def _not_visible_yet(batch: Batch, at: float) -> bool:
    """A scripted batch before its `exists_from`; a queued one before its upload."""
    if isinstance(batch, QueuedBatch):
        return batch.created_at is not None and at < batch.created_at
    return batch.exists_from is not None and at < batch.exists_from


def _unauthorized(auth: Auth) -> Answer:
    if auth == "missing":
        return error_answer(401, MISSING_KEY_CODE, "Invalid Authorization: missing API key")
    return error_answer(401, INVALID_KEY_CODE, "Invalid Authorization")
