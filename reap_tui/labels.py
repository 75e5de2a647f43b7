"""A batch label as it may be saved and shown, from whatever the user typed, pasted or passed.

Every entry point (`add --label`, `upload --label`, the add and upload dialogs, the labels of an
ids file for `import`, the `NAME 2/5` of an import's batches) goes through `clean_label`:
control characters become visible stand-ins, an undecodable byte of a command line argument
becomes U+FFFD (the watch list is UTF-8 TOML and cannot hold it), and the label is cut to
LABEL_LIMIT characters, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

from reap_tui.store.model import LABEL_LIMIT
from reap_tui.text import clean


@dataclass(frozen=True)
class CleanLabel:
    text: str
    original_length: int  # characters after cleaning, before any cut

    @property
    def was_cut(self) -> bool:
        return self.original_length > LABEL_LIMIT

    @property
    def cut_note(self) -> str:
        """A sentence for the user, empty when nothing was cut."""
        if not self.was_cut:
            return ""
        return (
            f"the label was {self.original_length:,} characters long; it was cut to {LABEL_LIMIT}"
        )


def clean_label(raw: str, *, suffix: str = "") -> CleanLabel:
    """`suffix` (a chunk's ` 2/5`, short and safe) is kept whole at the end: the rest is cut
    to leave room for it."""
    cleaned = clean(raw.strip())
    kept = clean(cleaned, limit=LABEL_LIMIT - len(suffix)) + suffix
    return CleanLabel(kept, len(cleaned) + len(suffix))
