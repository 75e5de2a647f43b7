"""The store's side of several programs on one watch list: the lease (taken by one process at a
time, let go by the kernel when its holder is killed, which the next holder learns), the
requests a follower leaves for the holder, and changes made to the file by others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.store import WatchList
from reap_tui.store import watchlist as watchlist_module
from reap_tui.store.imports import Import
from reap_tui.store.lease import Lease
from reap_tui.store.outside_edits import ListChanges, ListWatcher, Unreadable
from reap_tui.store.requests_box import RequestBox
from reap_tui.store.statedb import StateDB, state_db_path

from .conftest import START

A, B, C = (f"00000000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
URL = "http://127.0.0.1:9"


def holding_process(path: Path) -> subprocess.Popen[str]:
    """Another process that takes the lease and says so, then waits."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from reap_tui.clock import SystemClock
        from reap_tui.store.lease import Lease
        lease = Lease(Path({str(path)!r}), {URL!r}, SystemClock())
        print("taken" if lease.take() is not None else "refused", flush=True)
        time.sleep(600)
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )


def test_one_holder_at_a_time_and_a_killed_one_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    other = holding_process(path)
    try:
        assert other.stdout is not None and other.stdout.readline() == "taken\n"
        mine = Lease(path, URL, FakeClock(START))
        assert Lease(path, "http://127.0.0.1:8", FakeClock(START)).take() is not None, (
            "another environment's lease"
        )
        assert mine.take() is None
        assert mine.held_elsewhere()
        holder = mine.holder()
        assert holder is not None and holder.pid == other.pid and holder.here
        other.send_signal(signal.SIGKILL)
        other.wait()
        assert not mine.held_elsewhere()
        taken = mine.take()
        assert taken is not None and taken.after is not None and taken.after.pid == other.pid
        assert mine.holder() is not None and mine.holder().pid == os.getpid()  # type: ignore[union-attr]
        mine.release()
        assert not mine.path.exists(), "a clean release leaves no file"
        again = Lease(path, URL, FakeClock(START)).take()
        assert again is not None and again.after is None, "after a clean release: nothing to fear"
    finally:
        other.kill()
        other.wait()


def test_a_request_is_taken_once_or_withdrawn_once(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    StateDB.open(state_db_path(path), FakeClock(START)).close()  # the holder made the database
    follower, holder = RequestBox(state_db_path(path)), RequestBox(state_db_path(path))
    first = follower.ask(URL, A, "check", START)
    assert first is not None
    assert holder.take("http://127.0.0.1:8") == [], "not for another environment's holder"
    (taken,) = holder.take(URL)
    assert (taken.id, taken.batch_id, taken.action, taken.asked_by) == (
        first,
        A,
        "check",
        os.getpid(),
    )
    assert not follower.withdraw(first), "taken: the asker must not make it too"
    second = follower.ask(URL, B, "pause", START)
    assert second is not None and second > first, "ids are never reused"
    assert follower.withdraw(second), "never taken: the asker may act itself"
    assert holder.take(URL) == []


def test_no_request_is_left_in_a_database_that_is_not_made_yet(tmp_path: Path) -> None:
    box = RequestBox(tmp_path / "watchlist.state.db")
    assert box.ask(URL, A, "check", START) is None
    (tmp_path / "watchlist.state.db").write_bytes(b"")
    assert box.ask(URL, A, "check", START) is None, "an empty file is not taken for a database"


def write_by_hand(path: Path, *entries: tuple[str, str]) -> None:
    other = WatchList.open(path.with_name("elsewhere.toml"), FakeClock(START))
    for batch_id, label in entries:
        other.add(batch_id, environment="custom", base_url=URL, label=label)
    os.replace(other.path, path)


def test_changes_made_outside_are_reported_against_what_was_shown(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    clock = FakeClock(START)
    mine = WatchList.open(path, clock)
    mine.add(A, environment="custom", base_url=URL, label="alpha")
    watcher = ListWatcher(mine)
    assert watcher.poll() is None

    other = WatchList.open(path, clock)
    other.add(B, environment="custom", base_url=URL, label="bravo")
    mine.add(C, environment="custom", base_url=URL)  # this program's own write merges B in
    found = watcher.poll()
    assert isinstance(found, ListChanges)
    assert {e.batch_id for e in found.added} == {B, C}, "B was never shown: still reported"

    write_by_hand(path, (B, "renamed"), (C, ""))
    found = watcher.poll()
    assert isinstance(found, ListChanges)
    assert found.removed == (A,) and [e.label for e in found.relabelled] == ["renamed"]

    WatchList.open(path, clock).change_imports(
        lambda imports: [Import("March", "custom", URL, START, batch_ids=(C,))]
    )
    found = watcher.poll()
    assert isinstance(found, ListChanges) and [e.batch_id for e in found.regrouped] == [C]


def test_this_programs_own_write_is_read_at_once_even_on_the_inode_it_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system may give a new file the inode of the one it replaced: a write of this
    program's own is whole all the same, and what it merged in is reported at the next look."""
    path = tmp_path / "watchlist.toml"
    clock = FakeClock(START)
    mine = WatchList.open(path, clock)
    mine.add(A, environment="custom", base_url=URL, label="alpha")
    watcher = ListWatcher(mine)
    inode = path.stat().st_ino
    # Every write lands on the file's inode, as when the inode freed by a replace is reused.
    monkeypatch.setattr(watchlist_module, "write_atomically", lambda p, data: p.write_bytes(data))
    WatchList.open(path, clock).add(B, environment="custom", base_url=URL, label="bravo")
    mine.add(C, environment="custom", base_url=URL)
    assert path.stat().st_ino == inode
    found = watcher.poll()
    assert isinstance(found, ListChanges)
    assert {e.batch_id for e in found.added} == {B, C}


def look(watcher: ListWatcher) -> ListChanges | Unreadable | None:
    """Two looks a second apart: a file written in place is read once it has stayed the same."""
    return watcher.poll() or watcher.poll()


def test_a_file_written_in_place_is_read_once_it_has_settled(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    mine = WatchList.open(path, FakeClock(START))
    mine.add(A, environment="custom", base_url=URL)
    watcher = ListWatcher(mine)
    path.write_bytes(b"")  # an editor has truncated it, and not yet written it again
    assert watcher.poll() is None, "not read at the first sight of a change in place"
    text = WatchList.open(tmp_path / "elsewhere.toml", FakeClock(START))
    text.add(A, environment="custom", base_url=URL, label="renamed")
    path.write_bytes(text.path.read_bytes())
    assert watcher.poll() is None, "changed again since: still not settled"
    found = watcher.poll()
    assert isinstance(found, ListChanges) and found.removed == ()
    assert [e.label for e in found.relabelled] == ["renamed"]


def test_a_broken_file_is_reported_once_and_its_repair_once(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    clock = FakeClock(START)
    mine = WatchList.open(path, clock)
    mine.add(A, environment="custom", base_url=URL)
    watcher = ListWatcher(mine)
    path.write_text("[[batch]\n", encoding="utf-8")
    assert isinstance(look(watcher), Unreadable)
    assert look(watcher) is None and watcher.problem is not None
    assert [e.batch_id for e in mine.entries] == [A], "the list held is kept"
    path.write_text("[[batch]]\nnot even = toml = here\n", encoding="utf-8")
    assert isinstance(look(watcher), Unreadable), "a new problem is told"
    write_by_hand(path, (A, ""), (B, ""))
    found = watcher.poll()
    assert isinstance(found, ListChanges) and found.readable_again
    assert [e.batch_id for e in found.added] == [B] and watcher.problem is None


def test_a_deleted_file_is_not_read_as_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.toml"
    mine = WatchList.open(path, FakeClock(START))
    mine.add(A, environment="custom", base_url=URL)
    watcher = ListWatcher(mine)
    path.unlink()
    assert isinstance(look(watcher), Unreadable)
    assert [e.batch_id for e in mine.entries] == [A]
    written, moved_to = mine.overwrite_unreadable()
    assert written and moved_to is None
    assert [e.batch_id for e in WatchList.open(path, FakeClock(START)).entries] == [A]
