"""Pending uploads in the watch list: saved before the request, reused by a retry, cleared once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from reap_tui.clock import FakeClock
from reap_tui.store import PendingUpload, WatchList, WatchListError
from reap_tui.store.model import Source

from .conftest import START

BATCH = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
OTHER_BATCH = "11111111-2222-4333-8444-555555555555"
SANDBOX_URL = "https://sandbox-compliance.api.reap.global"
PRODUCTION_URL = "https://compliance.api.reap.global"
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OTHER_DIGEST = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"


def pending(key: str = "key-1", **changes: object) -> PendingUpload:
    base = PendingUpload(
        file_sha256=DIGEST,
        base_url=SANDBOX_URL,
        environment="sandbox",
        idempotency_key=key,
        file_path="/home/ana/march.csv",
        started_at=START,
        label="March",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "watchlist.toml"


def test_a_pending_upload_is_on_disk_before_begin_returns(path: Path, clock: FakeClock) -> None:
    recorded, reused = WatchList.open(path, clock).begin_upload(pending())
    assert not reused
    assert WatchList.open(path, clock).pending_uploads == (recorded,)
    assert "[[pending_upload]]" in path.read_text()


def test_a_retry_of_the_same_file_and_url_gets_the_first_key(path: Path, clock: FakeClock) -> None:
    WatchList.open(path, clock).begin_upload(pending("first"))
    clock.advance(600)
    again, reused = WatchList.open(path, clock).begin_upload(
        pending("second", started_at=START + 600)
    )
    assert reused
    assert again.idempotency_key == "first" and again.started_at == START
    assert len(WatchList.open(path, clock).pending_uploads) == 1


def test_another_file_or_another_url_is_another_upload(path: Path, clock: FakeClock) -> None:
    watchlist = WatchList.open(path, clock)
    watchlist.begin_upload(pending("a"))
    _, reused_other_file = watchlist.begin_upload(pending("b", file_sha256=OTHER_DIGEST))
    _, reused_other_url = watchlist.begin_upload(
        pending("c", base_url=PRODUCTION_URL, environment="production")
    )
    assert not reused_other_file and not reused_other_url
    keys = {p.idempotency_key for p in WatchList.open(path, clock).pending_uploads}
    assert keys == {"a", "b", "c"}


def test_two_programs_starting_the_same_upload_share_one_key(path: Path, clock: FakeClock) -> None:
    first, second = WatchList.open(path, clock), WatchList.open(path, clock)
    mine, _ = first.begin_upload(pending("from-first"))
    theirs, reused = second.begin_upload(pending("from-second"))
    assert reused and theirs.idempotency_key == mine.idempotency_key == "from-first"


def test_finishing_watches_the_batch_and_clears_the_pending_upload(
    path: Path, clock: FakeClock
) -> None:
    watchlist = WatchList.open(path, clock)
    recorded, _ = watchlist.begin_upload(pending())
    watchlist.begin_upload(pending("other", file_sha256=OTHER_DIGEST))
    clock.advance(3)
    result = watchlist.finish_upload(recorded, BATCH, label="March", uploaded_at=START + 2)
    assert result.added
    reloaded = WatchList.open(path, clock)
    entry = reloaded.get(BATCH)
    assert entry is not None
    assert entry.source is Source.UPLOAD
    assert entry.uploaded_at == START + 2
    assert entry.label == "March"
    assert (entry.environment, entry.base_url) == ("sandbox", SANDBOX_URL)
    assert [p.idempotency_key for p in reloaded.pending_uploads] == ["other"]


def test_finishing_an_upload_of_a_batch_already_watched_keeps_the_entry(
    path: Path, clock: FakeClock
) -> None:
    watchlist = WatchList.open(path, clock)
    watchlist.add(BATCH, environment="sandbox", base_url=SANDBOX_URL, label="by hand")
    recorded, _ = watchlist.begin_upload(pending())
    result = watchlist.finish_upload(recorded, BATCH, label="March", uploaded_at=START)
    assert not result.added and result.entry.label == "by hand"
    assert WatchList.open(path, clock).pending_uploads == ()


def test_abandoning_forgets_the_pending_upload(path: Path, clock: FakeClock) -> None:
    watchlist = WatchList.open(path, clock)
    recorded, _ = watchlist.begin_upload(pending("old"))
    watchlist.abandon_upload(recorded)
    assert WatchList.open(path, clock).pending_uploads == ()
    fresh, reused = watchlist.begin_upload(pending("new"))
    assert not reused and fresh.idempotency_key == "new"


def test_another_program_saving_the_list_keeps_a_pending_upload(
    path: Path, clock: FakeClock
) -> None:
    dashboard = WatchList.open(path, clock)
    WatchList.open(path, clock).begin_upload(pending("kept"))
    dashboard.add(OTHER_BATCH, environment="sandbox", base_url=SANDBOX_URL)
    reloaded = WatchList.open(path, clock)
    assert [p.idempotency_key for p in reloaded.pending_uploads] == ["kept"]
    assert reloaded.get(OTHER_BATCH) is not None


def test_a_finished_upload_is_not_brought_back_by_another_programs_save(
    path: Path, clock: FakeClock
) -> None:
    uploader = WatchList.open(path, clock)
    recorded, _ = uploader.begin_upload(pending())
    dashboard = WatchList.open(path, clock)  # has read the pending upload
    uploader.finish_upload(recorded, BATCH, label="", uploaded_at=START)
    dashboard.add(OTHER_BATCH, environment="sandbox", base_url=SANDBOX_URL)
    reloaded = WatchList.open(path, clock)
    assert reloaded.pending_uploads == ()
    assert {entry.batch_id for entry in reloaded.entries} == {BATCH, OTHER_BATCH}


PENDING_TABLE = f"""schema_version = 1

[[pending_upload]]
file_sha256 = "{DIGEST}"
base_url = "{SANDBOX_URL}"
environment = "sandbox"
idempotency_key = "k"
file_path = "/tmp/a.csv"
started_at = 2025-10-08T11:40:00Z
"""


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda text: text.replace(DIGEST, "abc"), "field file_sha256"),
        (lambda text: text.replace('idempotency_key = "k"\n', ""), "field idempotency_key"),
        (lambda text: text + 'colour = "red"\n', "field colour"),
        (lambda text: text.replace("2025-10-08T11:40:00Z", '"yesterday"'), "field started_at"),
        (
            lambda text: text.replace("[[pending_upload]]", "[pending_upload]"),
            "field pending_upload",
        ),
    ],
)
def test_a_bad_pending_upload_is_reported_with_its_field(
    path: Path, clock: FakeClock, edit: Callable[[str], str], named: str
) -> None:
    path.write_text(edit(PENDING_TABLE))
    with pytest.raises(WatchListError) as raised:
        WatchList.open(path, clock)
    assert named in str(raised.value)


def test_a_hand_written_pending_upload_is_read(path: Path, clock: FakeClock) -> None:
    path.write_text(PENDING_TABLE)
    (read,) = WatchList.open(path, clock).pending_uploads
    assert read.idempotency_key == "k" and read.started_at == START and read.label == ""
