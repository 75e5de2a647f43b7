"""Batch ids: Reap documents them as UUIDs, and nothing else is ever sent to the server."""

from __future__ import annotations

import re

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class InvalidBatchId(ValueError):
    """The text is not a batch id; the message says why, with the text escaped."""


def parse_batch_id(text: str) -> str:
    """Return the canonical (lower-case, trimmed) form of a batch id, or raise InvalidBatchId."""
    candidate = text.strip()
    if not candidate:
        raise InvalidBatchId("batch id is empty")
    if not _UUID.fullmatch(candidate):
        shown = ascii(candidate[:60]) + ("…" if len(candidate) > 60 else "")
        raise InvalidBatchId(
            f"batch id {shown} is not a UUID (expected 8-4-4-4-12 hex digits, "
            "e.g. 784d4045-c900-4050-aad6-8fe4c8d2fb16)"
        )
    return candidate.lower()


def is_batch_id(text: str) -> bool:
    return _UUID.fullmatch(text.strip()) is not None


def short_id(batch_id: str) -> str:
    return batch_id[:8]
