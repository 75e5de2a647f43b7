"""The sandbox's HTTP side: reads each request, asks `SandboxServer` for the answer, writes it.

Also what both sides share: the request as read, its outcome, and the record of it in the log.
"""

from __future__ import annotations

import socket
import socketserver
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Literal

from reap_tui.sandbox.faults import Fault, FaultKind, send_body
from reap_tui.sandbox.upload import MAX_FILE_BYTES
from reap_tui.sandbox.wire import (
    ROUTE_NOT_FOUND_CODE,
    SERVER_ERROR_CODE,
    VALIDATION_CODE,
    Answer,
    error_answer,
    http_date,
)

if TYPE_CHECKING:
    from reap_tui.sandbox.server import SandboxServer

# The multipart envelope around a 10 MB file is small; anything bigger is refused unread.
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 256 * 1024
MAX_IGNORED_BODY_BYTES = 64 * 1024

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
class Request:
    method: str
    path: str
    headers: Message
    body: bytes
    at: float


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    auth: Auth
    batch_id: str | None = None
    fault: Fault | None = None


class SandboxHTTPServer(ThreadingHTTPServer):
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


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle on, each answer waits ~40 ms
    # for the client's delayed ACK.
    disable_nagle_algorithm = True
    # Without this, answers to unparsable request lines go out as HTTP/0.9: a bare body.
    default_request_version = "HTTP/1.0"
    server_version = "reap-sandbox"
    timeout = 60
    server: SandboxHTTPServer

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
            outcome = Outcome(
                error_answer(400, VALIDATION_CODE, self._body_problem(), "Content-Length"),
                sandbox._auth(self.headers),
            )
        else:
            try:
                outcome = sandbox._respond(Request(self.command, self.path, self.headers, body, at))
            except Exception:
                sandbox._record_internal_error()
                outcome = Outcome(
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
