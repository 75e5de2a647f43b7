"""The rows of the state database as the programs see them: a state to save, a state as read,
how a record is written as text and told unchanged, and what a save came to."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from reap_tui.store.statedb_file import json_object


@dataclass(frozen=True)
class StateRow:
    """One batch's state to save: `record` is any JSON object; `text`, if given, is
    `encode_record(record)` already made."""

    batch_id: str
    base_url: str
    checked_at: float | None
    record: dict[str, Any]
    text: str | None = None


@dataclass(frozen=True)
class SavedRow:
    """One batch's state as read; `digest` is `record_digest` of its text, so a program can
    tell an unchanged state without keeping every record."""

    batch_id: str
    base_url: str
    checked_at: float | None
    text: str
    written_at: float
    generation: int
    digest: bytes

    @property
    def record(self) -> dict[str, Any] | None:
        """The record, decoded at each call (None if the text is not a JSON object): rows are
        read together, their records one at a time, so at 10,000 batches the decoded records
        (several times their text) are never all in memory at once."""
        return json_object(self.text)


def encode_record(record: Mapping[str, Any]) -> str:
    """The text a record is saved as (the same record always gives the same text); raises
    ValueError, TypeError or RecursionError for a value JSON cannot hold."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def record_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class SaveOutcome(Enum):
    SAVED = "saved"
    NOT_SAVED = "not saved"  # nothing was written; the reason is in `take_problem()`
    # The database was unreadable and has been replaced by an empty one; the rows given were
    # written to it, every other state must be saved again.
    RESET = "reset"
