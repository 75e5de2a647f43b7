"""Labels as saved: cleaned and cut the same way from every entry point, an import's batches
included."""

from __future__ import annotations

from reap_tui.import_plan import chunk_label
from reap_tui.labels import clean_label
from reap_tui.store.imports import Import, ImportChunk
from reap_tui.store.model import LABEL_LIMIT


def an_import(name: str, chunks: int) -> Import:
    chunk = ImportChunk(2, 2, 1, 90, "0" * 64, "2c5e0f3a-0000-4000-8000-000000000001")
    return Import(name, "sandbox", "https://example.test", 0.0, chunks=(chunk,) * chunks)


def test_a_label_is_cleaned_and_cut_saying_by_how_much() -> None:
    label = clean_label("  x\x1b]0;t\x07\u202e" + "L" * 100 + "  ")

    assert label.text == "x␛]0;t␇\\u202e" + "L" * 66 + "…"
    assert len(label.text) == LABEL_LIMIT
    assert label.cut_note == "the label was 113 characters long; it was cut to 80"


def test_a_chunk_label_keeps_its_number_whole_and_cuts_the_name() -> None:
    name = "\u202eM" + "a" * 78  # the longest import name, with a bidi override

    label = chunk_label(an_import(name, 12), 12)

    assert label == "\\u202eM" + "a" * 66 + "… 12/12"
    assert len(label) == LABEL_LIMIT
    assert label == clean_label(name, suffix=" 12/12").text


def test_a_short_chunk_label_is_the_name_and_number() -> None:
    assert chunk_label(an_import("March", 5), 2) == "March 2/5"
    assert not clean_label("March", suffix=" 2/5").was_cut
