"""The upload endpoint's body rules: a multipart `file` field holding a CSV within Reap's limits."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 5_000
REQUIRED_COLUMNS = ("externalId", "shareToken")


class UploadRejected(Exception):
    """The request breaks an upload rule: answered 400 with this message and parameter."""

    def __init__(self, message: str, parameter: str = "file") -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    data: bytes


def read_file_field(content_type: str, body: bytes) -> UploadedFile:
    """The `file` field of a multipart/form-data body, or UploadRejected."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if message.get_content_type() != "multipart/form-data" or not message.get_boundary():
        raise UploadRejected(
            "Content-Type must be multipart/form-data with a boundary", "Content-Type"
        )
    if not message.is_multipart() or message.defects:
        raise UploadRejected("The multipart/form-data body is malformed")
    for part in message.iter_parts() if isinstance(message, EmailMessage) else ():
        if part.get_param("name", header="content-disposition") == "file":
            return UploadedFile(part.get_filename(), _payload_bytes(part))
    raise UploadRejected("The form field 'file' is required")


def count_data_rows(data: bytes) -> int:
    """The number of data rows of an upload CSV, or UploadRejected naming the broken limit."""
    if len(data) > MAX_FILE_BYTES:
        raise UploadRejected(f"The file is {len(data):,} bytes; the limit is 10 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadRejected(f"The file is not UTF-8 (byte {error.start})") from None
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(rows, None)
        if header is None:
            raise UploadRejected("The file is empty: a header row is required")
        columns = {name.strip() for name in header}
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise UploadRejected(f"The header row lacks required column(s): {', '.join(missing)}")
        count = sum(1 for row in rows if any(cell.strip() for cell in row))
    except csv.Error as error:
        raise UploadRejected(f"The file is not a readable CSV: {error}") from None
    if count == 0:
        raise UploadRejected("The file has no data rows")
    if count > MAX_DATA_ROWS:
        raise UploadRejected(f"The file has {count:,} data rows; the limit is 5,000")
    return count


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
