"""The sandbox's HTTP side: a Reap-compatible server on 127.0.0.1 in a daemon thread.

Routing and answers live in `SandboxServer`; `_Handler` only reads requests and writes answers.
Faults are numbered per batch (every request naming that batch id) and per upload request, and are
decided before authentication, as a proxy or overloaded server in front of Reap would answer.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import socket
import socketserver
import threading
import traceback
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal
from urllib.parse import quote

from reap_tui.api.ids import is_batch_id
from reap_tui.clock import Clock
from reap_tui.sandbox.faults import Fault, FaultKind, FaultPlan, send_body
from reap_tui.sandbox.script import ScriptedBatch, StatusSpelling, status_document
from reap_tui.sandbox.upload import (
    MAX_FILE_BYTES,
    UploadRejected,
    count_data_rows,
    read_file_field,
)
from reap_tui.sandbox.wire import (
    BATCH_NOT_FOUND_CODE,
    INVALID_KEY_CODE,
    MISSING_KEY_CODE,
    ROUTE_NOT_FOUND_CODE,
    SERVER_ERROR_CODE,
    VALIDATION_CODE,
    Answer,
    error_answer,
    http_date,
    iso_timestamp,
    json_answer,
)

BATCH_PATH = "/entity/kyc/import/batch"
DEFAULT_BUSINESS_UUID = "5b0c7e0a-6f1d-4c2a-9e53-2f8d1c4b7a90"
# The multipart envelope around a 10 MB file is small; anything bigger is refused unread.
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 256 * 1024
MAX_IGNORED_BODY_BYTES = 64 * 1024
UPLOAD_MESSAGE = "File uploaded successfully. Processing will start shortly."
_REDACTED = "[redacted]"

Auth = Literal["missing", "invalid", "ok"]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (a key a client put in the path is redacted)."""

    at: float
    method: str
    path: str
    batch_id: str | None
    http_status: int
    in_flight: int
    auth: Auth
    fault: FaultKind | None = None


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
    """The script of a batch created by an upload; its total is the uploaded row count."""

    queue_wait: float = 300.0
    rate: float = 7.0
    fail_share: float = 0.0
    status_spelling: StatusSpelling = "lower"


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    headers: Message
    body: bytes
    at: float


@dataclass(frozen=True)
class _Outcome:
    answer: Answer
    auth: Auth
    batch_id: str | None = None
    fault: Fault | None = None


@dataclass
class _State:
    batches: dict[str, ScriptedBatch] = field(default_factory=dict)
    batch_requests: dict[str, int] = field(default_factory=dict)
    upload_requests: int = 0
    idempotent: dict[str, tuple[Answer, str]] = field(default_factory=dict)
    log: list[RequestRecord] = field(default_factory=list)
    uploads: list[UploadRecord] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


class SandboxServer:
    """A Reap-compatible server on loopback with scripted batches. Start it, or use `with`."""

    def __init__(
        self,
        clock: Clock,
        speed: float = 1.0,
        api_key: str | None = None,
        batches: Iterable[ScriptedBatch] = (),
        port: int = 0,
        *,
        auth_header: str = "x-reap-api-key",
        upload_defaults: UploadDefaults | None = None,
        upload_fault_plan: FaultPlan | None = None,
        business_uuid: str = DEFAULT_BUSINESS_UUID,
    ) -> None:
        if not speed > 0 or speed == float("inf"):
            raise ValueError("speed must be a positive number")
        self.clock = clock
        self.speed = speed
        self.api_key = api_key if api_key is not None else "sandbox-" + secrets.token_urlsafe(18)
        if not self.api_key:
            raise ValueError("api_key must not be empty")
        self.auth_header = auth_header
        self.upload_defaults = upload_defaults or UploadDefaults()
        self.upload_fault_plan = upload_fault_plan or FaultPlan()
        self.business_uuid = business_uuid
        self._port = port
        self._lock = threading.Lock()
        self._state = _State()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for batch in batches:
            self.add_batch(batch)

    # lifecycle

    def start(self) -> None:
        if self._httpd is not None:
            raise RuntimeError("the sandbox server is already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self._port), _Handler, self)
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

    def add_batch(self, batch: ScriptedBatch) -> None:
        """Serve `batch` from now on; without `created_at` it was uploaded at the clock's now."""
        batch_id = batch.batch_id.lower()
        created_at = self.clock.now() if batch.created_at is None else batch.created_at
        with self._lock:
            if batch_id in self._state.batches:
                raise ValueError(f"batch {batch_id} is already scripted")
            self._state.batches[batch_id] = replace(batch, batch_id=batch_id, created_at=created_at)

    def scripted_batch(self, batch_id: str) -> ScriptedBatch:
        """The script of a served batch (an uploaded one too), with its `created_at` filled in."""
        with self._lock:
            return self._state.batches[batch_id.lower()]

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

    def _respond(self, request: _Request) -> _Outcome:
        path = request.path.split("?", 1)[0]
        if path == BATCH_PATH and request.method == "POST":
            return self._upload(request)
        prefix = BATCH_PATH + "/"
        if path.startswith(prefix) and request.method == "GET" and "/" not in path[len(prefix) :]:
            return self._batch_status(request, path[len(prefix) :])
        return _Outcome(
            error_answer(404, ROUTE_NOT_FOUND_CODE, "Not found"), self._auth(request.headers)
        )

    def _batch_status(self, request: _Request, segment: str) -> _Outcome:
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
            return _Outcome(answer, auth, batch_id, fault)
        if auth != "ok":
            return _Outcome(_unauthorized(auth), auth, batch_id, fault)
        if batch is None or (batch.exists_from is not None and request.at < batch.exists_from):
            answer = error_answer(404, BATCH_NOT_FOUND_CODE, "Batch not found")
            return _Outcome(answer, auth, batch_id, fault)
        answer = json_answer(200, status_document(batch, request.at, self.speed))
        return _Outcome(fault.alter(answer) if fault else answer, auth, batch_id, fault)

    def _upload(self, request: _Request) -> _Outcome:
        with self._lock:
            self._state.upload_requests += 1
            fault = self.upload_fault_plan.fault_for(self._state.upload_requests)
        auth = self._auth(request.headers)
        if fault is not None and fault.replaces_answer:
            answer = fault.replacement(request.at, self.speed, self._sent_key(request.headers))
            return _Outcome(answer, auth, None, fault)
        if auth != "ok":
            return _Outcome(_unauthorized(auth), auth, None, fault)
        provider = request.headers.get("X-Provider")
        if provider is None or provider.strip() != "sumsub":
            message = (
                "X-Provider header is required: sumsub"
                if provider is None
                else "Unsupported X-Provider: the only provider is sumsub"
            )
            return _Outcome(error_answer(400, VALIDATION_CODE, message, "X-Provider"), auth)
        answer, batch_id, record = self._accept_upload(request)
        with self._lock:
            self._state.uploads.append(record)
        return _Outcome(fault.alter(answer) if fault else answer, auth, batch_id, fault)

    def _accept_upload(self, request: _Request) -> tuple[Answer, str | None, UploadRecord]:
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


def _unauthorized(auth: Auth) -> Answer:
    if auth == "missing":
        return error_answer(401, MISSING_KEY_CODE, "Invalid Authorization: missing API key")
    return error_answer(401, INVALID_KEY_CODE, "Invalid Authorization")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        sandbox: SandboxServer,
    ) -> None:
        self.sandbox = sandbox
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (a DNS lookup that can stall); not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, each answer waits ~40 ms
    # for the client's delayed ACK.
    disable_nagle_algorithm = True
    # Without this, answers to unparsable request lines go out as HTTP/0.9: a bare body.
    default_request_version = "HTTP/1.0"
    server_version = "reap-sandbox"
    timeout = 60
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.sandbox._track(self.connection, open_=False)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        """Silent: the demo runs under a full-screen dashboard; the request log is the record."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        return http_date(self.server.sandbox.clock.now() if timestamp is None else timestamp)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors found by http.server, answered with a Reap-style body."""
        if code == 501:  # no do_<METHOD>: Reap's router answers an unknown method with 404
            answer = error_answer(404, ROUTE_NOT_FOUND_CODE, "Not found")
        else:
            answer = error_answer(code, VALIDATION_CODE, message or "Bad request")
        self.close_connection = True
        sandbox = self.server.sandbox
        in_flight = sandbox._enter()
        try:
            sandbox._record(self._record(answer.status, in_flight, sandbox._auth(self._headers())))
            self._write(answer)
        finally:
            sandbox._leave()

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        at = sandbox.clock.now()
        in_flight = sandbox._enter()
        try:
            self._serve_entered(at, in_flight)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            sandbox._leave()

    def _serve_entered(self, at: float, in_flight: int) -> None:
        sandbox = self.server.sandbox
        body = self._read_body()
        if body is None:
            outcome = _Outcome(
                error_answer(400, VALIDATION_CODE, self._body_problem(), "Content-Length"),
                sandbox._auth(self.headers),
            )
        else:
            try:
                outcome = sandbox._respond(
                    _Request(self.command, self.path, self.headers, body, at)
                )
            except Exception:
                sandbox._record_internal_error()
                outcome = _Outcome(
                    error_answer(500, SERVER_ERROR_CODE, "Sandbox internal error"),
                    sandbox._auth(self.headers),
                )
        fault = outcome.fault
        sandbox._record(
            self._record(
                outcome.answer.status,
                in_flight,
                outcome.auth,
                at,
                outcome.batch_id,
                fault.kind if fault else None,
            )
        )
        delay = fault.delay if fault is not None else 0.0
        if delay > 0 and sandbox._stopping.wait(delay):
            self.close_connection = True
            return
        self._write(
            outcome.answer, cut=fault is not None and fault.kind is FaultKind.RESET, fault=fault
        )

    def _read_body(self) -> bytes | None:
        """The request body, or None (and the connection marked to close) if it cannot be read."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return None
        length_text = self.headers.get("Content-Length", "0").strip()
        if not length_text.isdigit():
            self.close_connection = True
            return None
        length = int(length_text)
        limit = MAX_REQUEST_BYTES if self.command == "POST" else MAX_IGNORED_BODY_BYTES
        if length > limit:
            self.close_connection = True
            return None
        return self.rfile.read(length)

    def _body_problem(self) -> str:
        if self.headers.get("Transfer-Encoding"):
            return "Transfer-Encoding is not supported: send a Content-Length"
        if not self.headers.get("Content-Length", "0").strip().isdigit():
            return "Content-Length is not a number"
        return "The request body is larger than 10 MB"

    def _headers(self) -> Message | None:
        return getattr(self, "headers", None)

    def _record(
        self,
        status: int,
        in_flight: int,
        auth: Auth,
        at: float | None = None,
        batch_id: str | None = None,
        fault: FaultKind | None = None,
    ) -> RequestRecord:
        sandbox = self.server.sandbox
        return RequestRecord(
            at=sandbox.clock.now() if at is None else at,
            method=getattr(self, "command", None) or "",
            path=sandbox._redact(getattr(self, "path", "")),
            batch_id=batch_id,
            http_status=status,
            in_flight=in_flight,
            auth=auth,
            fault=fault,
        )

    def _write(self, answer: Answer, *, cut: bool = False, fault: Fault | None = None) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut:
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if not send_body(fault, answer.body, self.wfile.write, self.server.sandbox._stopping):
            self.close_connection = True
