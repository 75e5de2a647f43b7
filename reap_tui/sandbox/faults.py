"""Deterministic faults a scripted batch (or the upload endpoint) answers with, by request number.

Faults that replace the answer (5xx, 429, 401, 404, a key reflected) are decided before the
endpoint runs: an upload behind one creates nothing. The others (malformed, slow, trickle, reset,
huge) alter the endpoint's own answer, so an upload behind a slow or reset answer has created its
batch, as a real server that is slow to reply would have.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reap_tui.sandbox.wire import (
    BATCH_NOT_FOUND_CODE,
    INVALID_KEY_CODE,
    RATE_LIMITED_CODE,
    SERVER_ERROR_CODE,
    UNAVAILABLE_CODE,
    Answer,
    error_answer,
    http_date,
    json_bytes,
    scaled_seconds,
)

HUGE_BODY_BYTES = 10 * 1024 * 1024

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)


class FaultKind(StrEnum):
    SERVER_ERROR = "server_error"
    EMPTY_500 = "empty_500"
    HTML_502 = "html_502"
    UNAVAILABLE_503 = "unavailable_503"
    RATE_LIMITED = "rate_limited"
    MALFORMED = "malformed"
    REWRITTEN = "rewritten"
    SLOW = "slow"
    RESET = "reset"
    HUGE = "huge"
    BAD_ENCODING = "bad_encoding"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    REFLECT_KEY = "reflect_key"
    TRICKLE = "trickle"


_REPLACING = frozenset(
    {
        FaultKind.SERVER_ERROR,
        FaultKind.EMPTY_500,
        FaultKind.HTML_502,
        FaultKind.UNAVAILABLE_503,
        FaultKind.RATE_LIMITED,
        FaultKind.UNAUTHORIZED,
        FaultKind.NOT_FOUND,
        FaultKind.REFLECT_KEY,
    }
)


@dataclass(frozen=True)
class Fault:
    """Build one with a classmethod (`Fault.server_error()`, `Fault.slow(5)`, ...)."""

    kind: FaultKind
    http_status: int = 200
    code: str = ""
    message: str = ""
    parameter: str = ""
    raw_body: bytes | None = None
    content_type: str = "application/json"
    retry_after: float | None = None
    retry_after_as_date: bool = False
    delay: float = 0.0
    interval: float = 0.0
    drop: tuple[str, ...] = ()
    override: tuple[tuple[str, Any], ...] = ()
    size: int = 0

    @classmethod
    def server_error(
        cls,
        message: str = "Internal server error",
        parameter: str = "",
        code: str = SERVER_ERROR_CODE,
    ) -> Fault:
        """500 with a Reap-style body; message and parameter may carry hostile text for tests."""
        return cls(FaultKind.SERVER_ERROR, 500, code=code, message=message, parameter=parameter)

    @classmethod
    def empty_500(cls) -> Fault:
        return cls(FaultKind.EMPTY_500, 500, raw_body=b"")

    @classmethod
    def html_502(cls) -> Fault:
        return cls(FaultKind.HTML_502, 502, raw_body=_HTML_502, content_type="text/html")

    @classmethod
    def unavailable_503(cls, retry_after: float = 60.0) -> Fault:
        """503 with `Retry-After` (API seconds, divided by the server's speed)."""
        return cls(
            FaultKind.UNAVAILABLE_503,
            503,
            code=UNAVAILABLE_CODE,
            message="Service unavailable",
            retry_after=retry_after,
        )

    @classmethod
    def rate_limited(cls, retry_after: float = 60.0, *, as_http_date: bool = False) -> Fault:
        """429 with a Reap-style body and `Retry-After` in seconds, or as an HTTP date."""
        return cls(
            FaultKind.RATE_LIMITED,
            429,
            code=RATE_LIMITED_CODE,
            message="Too many requests",
            retry_after=retry_after,
            retry_after_as_date=as_http_date,
        )

    @classmethod
    def malformed(
        cls,
        raw: bytes | None = None,
        *,
        drop: tuple[str, ...] = (),
        override: Mapping[str, Any] | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        """200 with a body that breaks the schema.

        Either `raw` bytes sent as they are (`b"[]"`, `b"not json"`), or the endpoint's own body
        with dotted fields dropped (`drop=("summary.successfulRecords",)`) or replaced
        (`override={"totalRecords": "abc"}`). With no argument: `totalRecords` is `"abc"`.
        """
        if raw is None and not drop and override is None:
            override = {"totalRecords": "abc"}
        return cls(
            FaultKind.MALFORMED,
            200,
            raw_body=raw,
            content_type=content_type,
            drop=drop,
            override=tuple((override or {}).items()),
        )

    @classmethod
    def rewritten(cls, override: Mapping[str, Any]) -> Fault:
        """200 with the endpoint's own body and dotted fields replaced by well-formed values the
        script would not give: a status going backwards, a timestamp in another offset, odd text.
        """
        return cls(FaultKind.REWRITTEN, 200, override=tuple(override.items()))

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The normal answer after `seconds` of real time (not scaled), cut short by `stop()`."""
        return cls(FaultKind.SLOW, delay=seconds)

    @classmethod
    def trickle(cls, interval: float) -> Fault:
        """The normal answer's headers at once, then its body one byte every `interval` seconds
        of real time (not scaled): a server no per-read timeout ever gives up on."""
        return cls(FaultKind.TRICKLE, interval=interval)

    @classmethod
    def reflect_key(cls, http_status: int = 401) -> Fault:
        """An error (401 or 500) whose message, parameter and body quote the API key the
        request was sent with, as a careless server or proxy does."""
        code = INVALID_KEY_CODE if http_status == 401 else SERVER_ERROR_CODE
        return cls(FaultKind.REFLECT_KEY, http_status, code=code)

    @classmethod
    def reset(cls) -> Fault:
        """The normal answer's headers and half its body, then the connection is closed."""
        return cls(FaultKind.RESET)

    @classmethod
    def huge(cls, size: int = HUGE_BODY_BYTES) -> Fault:
        """The normal JSON object padded with an extra field to `size` bytes (10 MB by default)."""
        return cls(FaultKind.HUGE, size=size)

    @classmethod
    def bad_encoding(cls) -> Fault:
        """The normal answer labelled `Content-Encoding: gzip` without being compressed."""
        return cls(FaultKind.BAD_ENCODING)

    @classmethod
    def unauthorized(cls) -> Fault:
        return cls(
            FaultKind.UNAUTHORIZED, 401, code=INVALID_KEY_CODE, message="Invalid Authorization"
        )

    @classmethod
    def not_found(cls) -> Fault:
        return cls(FaultKind.NOT_FOUND, 404, code=BATCH_NOT_FOUND_CODE, message="Batch not found")

    @property
    def replaces_answer(self) -> bool:
        return self.kind in _REPLACING

    def replacement(self, now: float, speed: float, sent_key: str | None = None) -> Answer:
        """The answer of a replacing fault at clock time `now` to a request that carried
        `sent_key` in its key header."""
        if self.kind is FaultKind.REFLECT_KEY:
            key = sent_key or ""
            message = (
                f"Invalid Authorization: x-reap-api-key={key} is not a valid API key"
                if self.http_status == 401
                else f"Unhandled exception processing request for api key {key}"
            )
            return error_answer(self.http_status, self.code, message, key)
        if self.raw_body is not None:
            return Answer(self.http_status, self.raw_body, self.content_type)
        headers: tuple[tuple[str, str], ...] = ()
        if self.retry_after is not None:
            seconds = scaled_seconds(self.retry_after, speed)
            value = (
                http_date(math.ceil(now + seconds)) if self.retry_after_as_date else str(seconds)
            )
            headers = (("Retry-After", value),)
        return error_answer(self.http_status, self.code, self.message, self.parameter, headers)

    def alter(self, normal: Answer) -> Answer:
        """The endpoint's answer as a malformed, rewritten or huge fault sends it (other kinds:
        unchanged)."""
        if self.kind in (FaultKind.MALFORMED, FaultKind.REWRITTEN):
            if self.raw_body is not None:
                return Answer(200, self.raw_body, self.content_type)
            if normal.document is not None:
                document = copy.deepcopy(normal.document)
                for path in self.drop:
                    _drop_path(document, path)
                for path, value in self.override:
                    _set_path(document, path, value)
                return Answer(
                    normal.status, json_bytes(document), self.content_type, normal.headers
                )
        if self.kind is FaultKind.BAD_ENCODING:
            headers = (*normal.headers, ("Content-Encoding", "gzip"))
            return Answer(normal.status, normal.body, normal.content_type, headers)
        if self.kind is FaultKind.HUGE and normal.document is not None:
            base = len(json_bytes({**normal.document, "padding": ""}))
            padded = {**normal.document, "padding": "x" * max(0, self.size - base)}
            return Answer(normal.status, json_bytes(padded), normal.content_type, normal.headers)
        return normal


@dataclass(frozen=True)
class FaultPlan:
    """Faults by 1-based request number; `cycle` repeats from request 1 where none is numbered."""

    by_request: Mapping[int, Fault] = field(default_factory=dict)
    cycle: tuple[Fault | None, ...] = ()

    def fault_for(self, request_number: int) -> Fault | None:
        if request_number in self.by_request:
            return self.by_request[request_number]
        if self.cycle:
            return self.cycle[(request_number - 1) % len(self.cycle)]
        return None


def send_body(
    fault: Fault | None, body: bytes, write: Callable[[bytes], object], stopping: threading.Event
) -> bool:
    """Write `body` as `fault` does (a trickle: byte by byte, waiting between); False when the
    server began stopping before the end."""
    if fault is None or fault.kind is not FaultKind.TRICKLE:
        write(body)
        return True
    for index in range(len(body)):
        write(body[index : index + 1])
        if stopping.wait(fault.interval):
            return False
    return True


def _drop_path(document: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    target: Any = document
    for name in parents:
        target = target.get(name) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target.pop(leaf, None)


def _set_path(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    target = document
    for name in parents:
        child = target.get(name)
        if not isinstance(child, dict):
            child = {}
            target[name] = child
        target = child
    target[leaf] = value
