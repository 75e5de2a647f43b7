"""Imports in the watch list file, and the saved bytes of unanswered uploads beside it."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from reap_tui.clock import FakeClock
from reap_tui.store import Entry, WatchList, WatchListError
from reap_tui.store.codec import decode, encode
from reap_tui.store.imports import (
    Import,
    ImportChunk,
    ImportConflict,
    ImportSource,
    positions,
    with_chunk_batch,
    with_members,
    with_new,
)
from reap_tui.store.model import Source
from reap_tui.store.saved_bytes import ORPHAN_AGE, SavedBytes

from .conftest import START

URL = "https://sandbox-compliance.api.reap.global"
A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
C = "22222222-3333-4444-8555-666666666666"
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def planned(name: str = "March") -> Import:
    chunk = ImportChunk(2, 5_001, 5_000, 400_000, DIGEST, "key-1")
    return Import(
        name,
        "sandbox",
        URL,
        START,
        source=ImportSource("/home/ana/march.csv", DIGEST, 800_000, 9_000),
        chunks=(chunk, ImportChunk(5_002, 9_001, 4_000, 320_000, DIGEST, "key-2")),
    )


def entry(batch_id: str) -> Entry:
    return Entry(batch_id, START, Source.UPLOAD, "sandbox", URL)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "watchlist.toml"


def test_a_plan_and_its_progress_are_read_back_as_written(path: Path, clock: FakeClock) -> None:
    watchlist = WatchList.open(path, clock)
    watchlist.change_imports(lambda imports: with_new(imports, planned()))
    watchlist.change_imports(
        lambda imports: with_chunk_batch(imports, "march", URL, "key-1", A) or [], [entry(A)]
    )

    (read,) = WatchList.open(path, clock).imports
    assert read.batch_ids == (A,)
    assert [chunk.batch_id for chunk in read.chunks] == [A, None]
    assert read == watchlist.imports[0]
    assert read.unsent == (read.chunks[1],) and not read.finished
    assert positions([read]) == {A: ("March", 0)}


def test_a_list_without_imports_is_written_as_before(path: Path, clock: FakeClock) -> None:
    WatchList.open(path, clock).add(A, environment="sandbox", base_url=URL)
    assert "import" not in path.read_text()


def test_changes_from_two_programs_are_both_kept(path: Path, clock: FakeClock) -> None:
    mine = WatchList.open(path, clock)
    theirs = WatchList.open(path, clock)
    theirs.add(B, environment="sandbox", base_url=URL)
    mine.change_imports(
        lambda imports: with_members(
            imports, "April", [A], environment="sandbox", base_url=URL, created_at=START
        ),
        [entry(A)],
    )
    theirs.change_imports(
        lambda imports: with_members(
            imports, "april", [B], environment="sandbox", base_url=URL, created_at=START
        )
    )

    final = WatchList.open(path, clock)
    assert {e.batch_id for e in final.entries} == {A, B}
    (april,) = final.imports
    assert (april.name, april.batch_ids) == ("April", (A, B))


def test_a_refused_change_leaves_the_file_and_the_list_as_they_were(
    path: Path, clock: FakeClock
) -> None:
    watchlist = WatchList.open(path, clock)
    watchlist.change_imports(lambda imports: with_new(imports, planned()), [entry(A)])
    before = path.read_bytes()

    with pytest.raises(ImportConflict, match="already used by an import"):
        watchlist.change_imports(lambda imports: with_new(imports, planned("MARCH")), [entry(B)])

    assert path.read_bytes() == before
    assert watchlist.get(B) is None and len(watchlist.imports) == 1
    with pytest.raises(ImportConflict, match="already in the import 'Other'"):
        with_members(
            [planned(), Import("Other", "sandbox", URL, START, batch_ids=(A,))],
            "March",
            [C, A],
            environment="sandbox",
            base_url=URL,
            created_at=START,
        )


def test_the_same_name_on_another_host_is_another_import() -> None:
    production = Import("March", "production", "https://compliance.api.reap.global", START)
    assert len(with_new([planned()], production)) == 2


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('name = "X"\nenvironment = "sandbox"\nbase_url = "u"\n', "created_at"),
        (
            'name = ""\nenvironment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n',
            "name",
        ),
        (
            'name = "X"\nenvironment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n'
            'batch_ids = ["not-a-uuid"]\n',
            "batch_ids",
        ),
        (
            'name = "X"\nenvironment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n'
            "colour = 1\n",
            "colour",
        ),
        (
            'name = "X"\nenvironment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n'
            "[[import.chunk]]\nfirst_row = 2\nlast_row = 3\nrows = 2\nsize_bytes = 9\n"
            f'sha256 = "{DIGEST}"\nidempotency_key = "k"\n',
            "source",
        ),
        (
            'name = "X"\nenvironment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n'
            '[import.source]\npath = "/a.csv"\nsha256 = "ABC"\nsize_bytes = 1\ndata_rows = 1\n',
            "sha256",
        ),
    ],
)
def test_a_bad_import_table_is_reported_by_field_and_the_file_kept(
    path: Path, clock: FakeClock, table: str, problem: str
) -> None:
    text = f"schema_version = 1\n\n[[import]]\n{table}"
    path.write_text(text)
    with pytest.raises(WatchListError, match=f"field {problem}"):
        WatchList.open(path, clock)
    assert path.read_text() == text


def test_a_batch_in_two_imports_or_a_name_used_twice_is_reported(
    path: Path, clock: FakeClock
) -> None:
    table = 'environment = "s"\nbase_url = "u"\ncreated_at = 2026-03-01T09:30:00Z\n'
    path.write_text(
        f'schema_version = 1\n[[import]]\nname = "X"\n{table}batch_ids = ["{A}"]\n'
        f'[[import]]\nname = "Y"\n{table}batch_ids = ["{A}"]\n'
    )
    with pytest.raises(WatchListError, match=f"batch {A} is also in the import 'X'"):
        WatchList.open(path, clock)
    path.write_text(
        f'schema_version = 1\n[[import]]\nname = "X"\n{table}[[import]]\nname = "x"\n{table}'
    )
    with pytest.raises(WatchListError, match="is used twice"):
        WatchList.open(path, clock)


def test_saved_bytes_are_private_checked_and_swept_only_when_old(tmp_path: Path) -> None:
    saved = SavedBytes.beside(tmp_path / "data" / "watchlist.toml")
    data = b"externalId,shareToken\n"
    digest = hashlib.sha256(data).hexdigest()
    saved.save("key-1", data)
    saved.save("key-2", data)

    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE(saved.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(saved.path_for("key-1").stat().st_mode) == 0o600
    assert saved.load("key-1", digest) == data
    assert saved.load("key-1", "0" * 64) is None, "bytes not matching their SHA-256 are not sent"
    assert saved.load("key-3", digest) is None

    written = saved.path_for("key-2").stat().st_mtime
    saved.sweep(["key-1"], now=written + 60)
    assert saved.has("key-2"), "a young file may belong to an upload being recorded"
    saved.sweep(["key-1"], now=written + ORPHAN_AGE + 1)
    assert not saved.has("key-2") and saved.has("key-1")
    saved.discard("key-1")
    assert os.listdir(saved.folder) == []


def test_saved_bytes_are_read_only_from_a_regular_file_of_their_own(tmp_path: Path) -> None:
    """A link or a FIFO put where the bytes were is not read (nor waited on): the upload
    is then treated as having lost its bytes, never sent with someone else's."""
    saved = SavedBytes.beside(tmp_path / "watchlist.toml")
    data = b"externalId,shareToken\n"
    digest = hashlib.sha256(data).hexdigest()
    saved.save("key-1", data)
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(data)
    path = saved.path_for("key-1")

    path.unlink()
    path.symlink_to(elsewhere)
    assert saved.load("key-1", digest) is None
    path.unlink()
    os.mkfifo(path)
    assert saved.load("key-1", digest) is None


_IMPORT_KEYS = st.sampled_from(
    [
        *("name", "environment", "base_url", "created_at", "batch_ids", "source", "chunk"),
        *("path", "sha256", "size_bytes", "data_rows", "first_row", "last_row", "rows"),
        *("idempotency_key", "batch_id"),
    ]
)
_VALUES = st.recursive(
    st.booleans()
    | st.integers(-3, 10**6)
    | st.text(max_size=8)
    | st.sampled_from([A, B, DIGEST, "March"])
    | st.datetimes(timezones=st.just(UTC)),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_IMPORT_KEYS, children, max_size=6)
    ),
    max_leaves=24,
)


@given(st.lists(st.dictionaries(_IMPORT_KEYS, _VALUES, max_size=8), max_size=3))
def test_any_import_tables_are_read_or_reported(tables: list[dict[str, object]]) -> None:
    data = tomli_w.dumps({"schema_version": 1, "import": tables}).encode()
    try:
        document = decode(Path("watchlist.toml"), data)
    except WatchListError as error:
        assert all(line.isprintable() for line in str(error).splitlines()), str(error)
    else:
        assert decode(Path("watchlist.toml"), encode([], [], document.imports)) == document
