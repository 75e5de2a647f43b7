"""The error catalogue and the typed failures a call can end in.

The catalogue is keyed on Reap's whole 10-digit code: its digits do not reliably match the
HTTP status, so no meaning is derived from them. An unknown code, or a body that is not
Reap-shaped at all (HTML, empty, garbage), falls back to a description by HTTP status.

Server text enters the program here, and only here: every string of a failure that came from
a server (or from the network) has the known secrets redacted before any screen, line, JSON
object or log sees it, since a server can reflect the key it was sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from reap_tui.redaction import redact_secrets
from reap_tui.text import clean


class FailureKind(StrEnum):
    AUTH = "authentication failed"
    NOT_FOUND = "not found"
    RATE_LIMITED = "rate limited"
    SERVER_ERROR = "server error"
    CLIENT_ERROR = "request rejected"
    NETWORK = "network error"
    TIMEOUT = "timed out"
    MALFORMED = "malformed response"


@dataclass(frozen=True)
class Explanation:
    title: str
    meaning: str
    action: str


MISSING_KEY_CODE = "0000000100"

CATALOGUE: dict[str, Explanation] = {
    MISSING_KEY_CODE: Explanation(
        "Missing API key",
        "The request reached Reap without an API key.",
        "Set REAP_API_KEY (or the variable named in config.toml), or (in the dashboard) "
        "press k to enter a key for this session. Keys are in Reap Dashboard -> Settings -> "
        "Product Settings -> KYC API Keys.",
    ),
    "0000000200": Explanation(
        "Invalid API key",
        "Reap did not accept the API key: it is wrong, revoked, or for another environment.",
        "Check the key belongs to this environment (sandbox and production keys differ) and "
        "has not been revoked; set the right one in REAP_API_KEY.",
    ),
    "0501001400": Explanation(
        "Missing API key",
        "The request reached Reap without an API key.",
        "Set REAP_API_KEY, or (in the dashboard) press k to enter a key for this session.",
    ),
    "0501002401": Explanation(
        "Invalid authorization",
        "Reap did not accept the API key or the header it was sent in.",
        "Check the key and the auth_header setting (x-reap-api-key is the documented header).",
    ),
    "0701020100": Explanation(
        "Batch not found",
        "No batch with this id is visible to this key.",
        "Check the id was copied whole, that you are on the environment it was uploaded to "
        "(sandbox vs production), and that it belongs to your business.",
    ),
    "0701001400": Explanation(
        "Validation error",
        "Reap rejected the request as invalid; the parameter names the field.",
        "Fix the named parameter (for an upload: run `reap-tui validate FILE`) and try again.",
    ),
    "0101003409": Explanation(
        "Duplicate external id",
        "A record with this external id already exists.",
        "Remove or correct the duplicate externalId and upload again.",
    ),
    "0102001404": Explanation(
        "Entity not found",
        "An externalId does not match an existing entity.",
        "Create the entity in Reap first, or correct the externalId.",
    ),
    "9999993401": Explanation(
        "Duplicate upload",
        "Reap has already received this file (an unofficial code seen in Reap's example code).",
        "Nothing to do if the earlier upload succeeded: watch its batch instead.",
    ),
}

_BY_STATUS: dict[int, Explanation] = {
    400: Explanation(
        "Bad request", "Reap rejected the request as malformed.", "Check the input and retry."
    ),
    401: Explanation(
        "Not authorized",
        "Reap did not accept the credentials.",
        "Check REAP_API_KEY and that it is for this environment.",
    ),
    403: Explanation(
        "Forbidden",
        "The key is valid but not allowed here (production allows listed IPs only).",
        "Ask Reap to allow-list this machine's IP, or use the sandbox.",
    ),
    404: Explanation(
        "Not found",
        "The server has nothing at this address.",
        "Check the batch id and the environment or base URL.",
    ),
    408: Explanation(
        "Request timeout", "The server gave up waiting.", "It will be retried automatically."
    ),
    409: Explanation(
        "Conflict", "The request conflicts with existing data.", "Check for duplicates."
    ),
    413: Explanation(
        "Too large", "The request body is too large.", "Upload files of at most 10 MB."
    ),
    429: Explanation(
        "Rate limited",
        "Reap asks for fewer requests.",
        "Nothing to do: checks resume after the Retry-After delay.",
    ),
}

_SERVER_SIDE = Explanation(
    "Reap server error",
    "Reap failed while answering; the batch itself is usually unaffected.",
    "Nothing to do: checks are retried with back-off. If it persists, check Reap's status page.",
)
_UNKNOWN = Explanation(
    "Unexpected response", "The server answered in a way Reap does not document.", "Retry later."
)


def explain(http_status: int | None, code: str | None) -> Explanation:
    if code is not None and code in CATALOGUE:
        return CATALOGUE[code]
    if http_status is not None and http_status in _BY_STATUS:
        return _BY_STATUS[http_status]
    if http_status is not None and http_status >= 500:
        return _SERVER_SIDE
    return _UNKNOWN


@dataclass(frozen=True)
class ApiFailure:
    """Why a call did not yield a result, with everything a screen needs to explain it.

    `message` and `parameter` are the server's own strings, kept raw (but with secrets
    redacted): render them as text.
    """

    kind: FailureKind
    title: str
    meaning: str
    action: str
    http_status: int | None = None
    code: str | None = None
    message: str | None = None
    parameter: str | None = None
    content_type: str | None = None
    body_excerpt: str = ""
    retry_after: float | None = None
    detail: str = ""

    @property
    def headline(self) -> str:
        """One line: what happened, for tables and log lines."""
        status = f"HTTP {self.http_status} " if self.http_status is not None else ""
        code = f" ({self.code})" if self.code else ""
        return clean(f"{status}{self.title}{code}", limit=120)

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "httpStatus": self.http_status,
            "code": self.code,
            "message": self.message,
            "parameter": self.parameter,
            "title": self.title,
            "meaning": self.meaning,
            "action": self.action,
            "detail": self.detail or None,
            "retryAfter": self.retry_after,
        }


EXCERPT_LIMIT = 300


def excerpt(body: bytes) -> str:
    """The start of a body as escaped, printable, bounded text, secrets redacted (before the
    cut, so that no part of one is left at the end)."""
    start = redact_secrets(body[: EXCERPT_LIMIT * 4].decode("utf-8", "replace"))
    return clean(start, limit=EXCERPT_LIMIT)


def _server_text(text: str | None) -> str | None:
    return None if text is None else redact_secrets(text)


@dataclass(frozen=True)
class ReapErrorBody:
    code: str
    message: str
    parameter: str


def parse_error_body(body: bytes) -> ReapErrorBody | None:
    """A Reap-shaped error body (`code` and `message` strings), or None for anything else."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    code, message, parameter = data.get("code"), data.get("message"), data.get("parameter", "")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return ReapErrorBody(code, message, parameter if isinstance(parameter, str) else "")


def kind_for_status(http_status: int) -> FailureKind:
    if http_status == 401:
        return FailureKind.AUTH
    if http_status == 404:
        return FailureKind.NOT_FOUND
    if http_status == 429:
        return FailureKind.RATE_LIMITED
    if http_status == 408:
        return FailureKind.TIMEOUT
    if http_status >= 500:
        return FailureKind.SERVER_ERROR
    return FailureKind.CLIENT_ERROR


def failure_from_response(
    http_status: int, content_type: str | None, body: bytes, retry_after: float | None
) -> ApiFailure:
    reap = parse_error_body(body)
    code = reap.code if reap else None
    explanation = explain(http_status, code)
    content_type = _server_text(content_type)
    if reap is None:
        shape = (
            "an empty body"
            if not body.strip()
            else f"a non-Reap body ({content_type or 'no content type'})"
        )
        detail = clean(f"HTTP {http_status} with {shape}", limit=200)
    else:
        detail = ""
    return ApiFailure(
        kind=kind_for_status(http_status),
        title=explanation.title,
        meaning=explanation.meaning,
        action=explanation.action,
        http_status=http_status,
        code=_server_text(code),
        message=_server_text(reap.message) if reap else None,
        parameter=_server_text(reap.parameter) if reap else None,
        content_type=content_type,
        body_excerpt=excerpt(body),
        retry_after=retry_after,
        detail=detail,
    )


MISSING_KEY_CODE = "0000000100"


def missing_key_failure() -> ApiFailure:
    """Reap's answer to a request without a key (401 `0000000100`), made locally instead of
    sending a request that can only earn it: no HTTP status, since nothing was sent."""
    explanation = CATALOGUE[MISSING_KEY_CODE]
    return ApiFailure(
        kind=FailureKind.AUTH,
        title=explanation.title,
        meaning="No API key is set, so no request is sent: Reap would refuse it.",
        action=explanation.action,
        code=MISSING_KEY_CODE,
        detail="not sent: no API key",
    )


def transport_failure(kind: FailureKind, detail: str) -> ApiFailure:
    if kind is FailureKind.TIMEOUT:
        explanation = Explanation(
            "Request timed out",
            "Reap did not answer in time.",
            "Nothing to do: the check is retried with back-off. Check your network if it persists.",
        )
    else:
        explanation = Explanation(
            "Network error",
            "The request did not reach Reap, or the connection broke.",
            "Check your network, VPN and the base URL; checks are retried with back-off.",
        )
    return ApiFailure(
        kind=kind,
        title=explanation.title,
        meaning=explanation.meaning,
        action=explanation.action,
        detail=clean(redact_secrets(detail), limit=200),
    )


def malformed_failure(
    http_status: int | None, content_type: str | None, body: bytes, detail: str
) -> ApiFailure:
    return ApiFailure(
        kind=FailureKind.MALFORMED,
        title="Malformed response",
        meaning="Reap answered, but not with a batch status as documented.",
        action="Nothing to do: the check is retried with back-off. Tell Reap if it persists.",
        http_status=http_status,
        content_type=_server_text(content_type),
        body_excerpt=excerpt(body),
        detail=clean(redact_secrets(detail), limit=200),
    )
