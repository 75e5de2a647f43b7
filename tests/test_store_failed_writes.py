"""A change whose save fails is undone in memory: a later save does not write it after all."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.store import WatchList
from reap_tui.store import watchlist as watchlist_module

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
C = "99999999-8888-4777-8666-555555555555"
SANDBOX = {"environment": "sandbox", "base_url": "https://sandbox-compliance.api.reap.global"}


def disk_full_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next write fails as on a full disk; later ones succeed."""
    real = watchlist_module.write_atomically

    def failing(target: Path, data: bytes) -> None:
        monkeypatch.setattr(watchlist_module, "write_atomically", real)
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(watchlist_module, "write_atomically", failing)


CHANGES: dict[str, Callable[[WatchList], object]] = {
    "remove": lambda watchlist: watchlist.remove(A),
    "add": lambda watchlist: watchlist.add(B, **SANDBOX),
    "relabel": lambda watchlist: watchlist.set_label(A, "renamed"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_that_could_not_be_saved_is_not_written_by_the_next_save(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[WatchList], object],
) -> None:
    path = tmp_path / "watchlist.toml"
    watchlist = WatchList.open(path, clock)
    watchlist.add(A, label="March", **SANDBOX)
    watchlist.add(C, **SANDBOX)

    disk_full_once(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        change(watchlist)
    watchlist.set_label(C, "next")

    after = WatchList.open(path, clock)
    assert [(entry.batch_id, entry.label) for entry in after.entries] == [(A, "March"), (C, "next")]
    assert watchlist.entries == after.entries, "memory says what the file says"
