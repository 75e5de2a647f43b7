"""The watch list: what is saved, how two programs' changes merge, and that snapshots of an
earlier version are kept as they were until they are moved."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.engine.state import Phase
from reap_tui.store import Snapshot, WatchList
from reap_tui.store import watchlist as watchlist_module
from reap_tui.store.errors import WatchListUnavailable
from reap_tui.store.model import Source

from .conftest import START

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
C = "99999999-8888-4777-8666-555555555555"
SANDBOX = {"environment": "sandbox", "base_url": "https://sandbox-compliance.api.reap.global"}


def _open(path: Path, clock: FakeClock) -> WatchList:
    return WatchList.open(path, clock)


def _ids(watchlist: WatchList) -> list[str]:
    return [entry.batch_id for entry in watchlist.entries]


_SNAPSHOT_TOML = """phase = "polling"
status = "in_progress"
total_records = 19
processed_records = 3
failed_records = 1
successful_records = 2
created_at = 2025-10-08T11:39:58Z
updated_at = 2025-10-08T11:41:02.25Z
started_at = 2025-10-08T11:40:30Z
checked_at = 2025-10-08T11:41:01Z"""


def _snapshot(checked_at: float, processed: int = 3) -> Snapshot:
    return Snapshot(
        phase=Phase.POLLING,
        status="in_progress",
        total_records=19,
        processed_records=processed,
        failed_records=1,
        successful_records=processed - 1,
        created_at=datetime(2025, 10, 8, 11, 39, 58, tzinfo=UTC),
        updated_at=datetime(2025, 10, 8, 11, 41, 2, 250000, tzinfo=UTC),
        started_at=datetime(2025, 10, 8, 11, 40, 30, tzinfo=UTC),
        checked_at=checked_at,
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "reap-tui" / "watchlist.toml"


def test_a_missing_file_is_an_empty_list_and_nothing_is_created_by_reading(
    path: Path, clock: FakeClock
) -> None:
    assert _open(path, clock).entries == ()
    assert not path.parent.exists()


def test_every_field_survives_a_save_and_a_reload(path: Path, clock: FakeClock) -> None:
    watchlist = _open(path, clock)
    watchlist.add(
        A, label="March onboarding", source=Source.UPLOAD, uploaded_at=START - 5, **SANDBOX
    )

    reloaded = _open(path, clock).entries
    assert reloaded == watchlist.entries
    entry = reloaded[0]
    assert (entry.batch_id, entry.label, entry.source) == (A, "March onboarding", Source.UPLOAD)
    assert (entry.added_at, entry.uploaded_at, entry.snapshot) == (START, START - 5, None)


def _with_snapshot(path: Path, batch_id: str, snapshot: str) -> None:
    """An entry as an earlier version wrote it, with its `[batch.snapshot]`."""
    text = path.read_text()
    start = text.index(f'batch_id = "{batch_id}"')
    end = text.find("[[batch]]", start)
    end = len(text) if end < 0 else end
    path.write_text(f"{text[:end].rstrip()}\n\n[batch.snapshot]\n{snapshot}\n\n{text[end:]}")


def test_snapshots_of_an_earlier_version_are_kept_as_read_until_dropped(
    path: Path, clock: FakeClock
) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    watchlist.add(B, **SANDBOX)
    _with_snapshot(path, A, _SNAPSHOT_TOML)
    first, second = _open(path, clock), _open(path, clock)
    assert [entry.snapshot for entry in first.entries] == [_snapshot(START + 61), None]

    second.add(C, **SANDBOX)  # another program's save keeps the snapshot it read
    second.set_label(B, "renamed")
    assert _open(path, clock).entries[0].snapshot == _snapshot(START + 61)

    before = path.read_bytes()
    first.drop_snapshots({A})
    assert path.with_name("watchlist.toml.bak").read_bytes() == before
    reloaded = _open(path, clock)
    assert [(e.batch_id, e.label, e.snapshot) for e in reloaded.entries] == [
        (A, "", None),
        (B, "renamed", None),
        (C, "", None),
    ]
    assert "snapshot" not in path.read_text()
    assert first.entries == reloaded.entries


def test_times_are_written_as_utc_toml_datetimes_and_absent_values_are_omitted(
    path: Path, clock: FakeClock
) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    text = path.read_text()
    assert "schema_version = 1" in text
    assert "added_at = 2025-10-08 11:40:00+00:00" in text
    assert "uploaded_at" not in text and "label" not in text


def test_adding_a_watched_batch_again_reports_it_and_leaves_the_file_alone(
    path: Path, clock: FakeClock
) -> None:
    watchlist = _open(path, clock)
    first = watchlist.add(A, label="first", **SANDBOX)
    before = path.read_bytes()
    clock.advance(60)

    again = _open(path, clock).add(A, label="second", **SANDBOX)

    assert first.added and not again.added
    assert again.entry.label == "first"
    assert path.read_bytes() == before


def test_the_previous_version_is_kept_as_bak(path: Path, clock: FakeClock) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    after_first = path.read_bytes()
    watchlist.add(B, **SANDBOX)
    assert path.with_name("watchlist.toml.bak").read_bytes() == after_first


def test_files_are_private_to_the_user(path: Path, clock: FakeClock) -> None:
    _open(path, clock).add(A, **SANDBOX)
    _open(path, clock).add(B, **SANDBOX)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for name in ("watchlist.toml", "watchlist.toml.bak", "watchlist.toml.lock"):
        assert stat.S_IMODE((path.parent / name).stat().st_mode) == 0o600, name


def test_remove_reports_whether_the_batch_was_there(path: Path, clock: FakeClock) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    assert watchlist.remove(A) is True
    assert watchlist.remove(A) is False
    assert _open(path, clock).entries == ()


def test_a_label_change_is_saved_at_once(path: Path, clock: FakeClock) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    assert watchlist.set_label(A, "renamed")
    assert _open(path, clock).entries[0].label == "renamed"
    assert not watchlist.set_label(B, "not watched")


def test_adds_and_removes_by_two_programs_are_merged(path: Path, clock: FakeClock) -> None:
    first, second = _open(path, clock), _open(path, clock)
    first.add(A, **SANDBOX)
    second.add(B, **SANDBOX)  # second never saw A, yet keeps it
    first.add(C, **SANDBOX)
    assert _ids(_open(path, clock)) == [A, B, C]

    second.remove(A)
    first.set_label(C, "still here")  # first still holds A in memory, but honours the removal
    assert _ids(_open(path, clock)) == [B, C]
    assert _ids(first) == [B, C]


def test_entries_with_an_invalid_batch_id_are_reported_and_written_back_untouched(
    path: Path, clock: FakeClock
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(
        "schema_version = 1\n\n"
        "[[batch]]\n"
        'batch_id = "not-a-uuid"\n'
        'label = "typed by hand"\n'
        "whatever = [1, 2]\n\n"
        "[[batch]]\n"
        f'batch_id = "{A}"\n'
        'source = "manual"\n'
        'environment = "sandbox"\n'
        'base_url = "https://sandbox-compliance.api.reap.global"\n'
        "added_at = 2025-10-08T11:00:00Z\n"
    )
    watchlist = _open(path, clock)
    assert _ids(watchlist) == [A]
    [problem] = watchlist.problems
    assert problem.position == 1 and "not-a-uuid" in problem.problem and "line 3" in problem.problem

    watchlist.add(B, **SANDBOX)
    watchlist.remove(A)

    reloaded = _open(path, clock)
    assert _ids(reloaded) == [B]
    assert reloaded.problems[0].table == {
        "batch_id": "not-a-uuid",
        "label": "typed by hand",
        "whatever": [1, 2],
    }


def test_a_second_entry_for_the_same_batch_is_reported_not_merged(
    path: Path, clock: FakeClock
) -> None:
    watchlist = _open(path, clock)
    watchlist.add(A, **SANDBOX)
    text = path.read_text()
    path.write_text(text + text[text.index("[[batch]]") :].replace("sandbox", "staging", 1))
    reloaded = _open(path, clock)
    assert [e.environment for e in reloaded.entries] == ["sandbox"]
    assert "already entry #1" in reloaded.problems[0].problem


def test_a_link_to_the_watch_list_and_the_file_itself_share_one_lock(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "dotfiles" / "watchlist.toml"
    target.parent.mkdir()
    link = tmp_path / "data" / "watchlist.toml"
    link.parent.mkdir()
    link.symlink_to(target)
    through_link, direct = _open(link, clock), _open(target, clock)
    monkeypatch.setattr(watchlist_module, "LOCK_TIMEOUT", 0.0)

    # A program in the middle of a change through the link holds the lock the other waits for.
    with through_link._locked(), pytest.raises(WatchListUnavailable, match="has held its lock"):
        direct.add(A, **SANDBOX)
    direct.add(A, **SANDBOX)
    through_link.add(B, **SANDBOX)

    assert sorted(_ids(_open(target, clock))) == sorted([A, B])
    assert link.is_symlink()
