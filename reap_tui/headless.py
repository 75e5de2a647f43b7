"""The engine without a screen: one line (or one JSON object) per change, for scripts and SSH.

`watch` exits once every batch is in a final phase, with the highest of their exit codes. A batch
of the watch list that a running dashboard polls is followed from that dashboard's saves rather
than polled twice (`engine.watch_sharing`).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from reap_tui import format as fmt
from reap_tui import measures
from reap_tui.api.client import ReapClient
from reap_tui.api.ids import short_id
from reap_tui.clock import Clock, to_datetime
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.import_book import ImportMembership
from reap_tui.engine.limiter import Limits
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState, Phase
from reap_tui.engine.watch_sharing import WatchSharing
from reap_tui.exitcodes import ExitCode, exit_code_for_failure
from reap_tui.report import iso_timestamp, status_json
from reap_tui.text import clean, json_text

LOOK_INTERVAL = 1.0  # seconds between looks at the watch list's lease and state database


def exit_code_for(state: BatchState) -> ExitCode:
    """What one batch's final phase means to a script."""
    phase = state.phase
    if phase is Phase.COMPLETED:
        failed = state.status.failed_records if state.status else 0
        return ExitCode.COMPLETED_WITH_FAILED_RECORDS if failed > 0 else ExitCode.OK
    if phase is Phase.FAILED:
        return ExitCode.BATCH_FAILED
    if phase is Phase.TIMED_OUT:
        return ExitCode.TIMED_OUT
    if phase in (Phase.NOT_FOUND, Phase.AUTH_REQUIRED) and state.failure is not None:
        return exit_code_for_failure(state.failure.kind)
    return ExitCode.SERVER_ERROR


def event_of(state: BatchState) -> str:
    if state.phase.is_final:
        return "done"
    return "error" if state.failure is not None else "update"


def _change_key(state: BatchState) -> tuple[Any, ...]:
    """What must differ for a new line to be printed (not the in-flight flicker)."""
    status = state.status
    counts = (
        (status.status.raw, status.processed_records, status.failed_records, status.total_records)
        if status
        else None
    )
    failure = state.failure.headline if state.failure else None
    return state.phase, counts, failure, state.checks_made if failure else None


def line_of(state: BatchState, now: float) -> str:
    label = clean(state.label, limit=30) if state.label else short_id(state.batch_id)
    parts = [fmt.clock_time(now, utc=False), label]
    status = state.status
    if state.failure is not None and not state.phase.is_done:
        parts.append(state.failure.headline)
        parts.append(fmt.next_check(state, now))
    else:
        _symbol, words, _tone = fmt.status_label(state)
        parts.append(clean(words, limit=30))
        if status is not None:
            parts.append(f"{status.processed_records:,}/{status.total_records:,}")
            if status.failed_records:
                parts.append(f"{status.failed_records:,} failed")
            eta = measures.eta(state, now)
            if eta is not None:
                parts.append(f"ETA {fmt.duration(eta)}")
    return "  ".join(parts)


def json_of(state: BatchState, now: float) -> dict[str, Any]:
    document: dict[str, Any] = {"batchId": state.batch_id, "event": event_of(state)}
    if state.label:
        document["label"] = state.label
    if state.status is not None:
        fields = status_json(state.status)
        fields.pop("batchId")
        document.update(fields)
    document["phase"] = state.phase.value
    checked = state.last_checked_at
    document["checkedAt"] = iso_timestamp(to_datetime(checked)) if checked else None
    if state.failure is not None:
        document["error"] = state.failure.as_json()
    return document


@dataclass
class WatchPrinter:
    """Prints a state when something a reader cares about changed."""

    clock: Clock
    as_json: bool
    out: TextIO = sys.stdout

    def __post_init__(self) -> None:
        self._printed: dict[str, tuple[Any, ...]] = {}
        # Set when the reader of `out` has gone (`| head -1`): nothing more can be said.
        self.closed = asyncio.Event()

    def __call__(self, state: BatchState) -> None:
        if self.closed.is_set():
            return
        now = self.clock.now()
        if (
            state.checks_made == 0
            and not state.phase.is_final
            and (state.next_check_at or now) <= now
        ):
            return  # about to be checked: its first line will say more
        key = _change_key(state)
        if self._printed.get(state.batch_id) == key:
            return
        self._printed[state.batch_id] = key
        text = json_text(json_of(state, now)) if self.as_json else line_of(state, now)
        try:
            print(text, file=self.out, flush=True)
        except BrokenPipeError:
            self.closed.set()


async def watch(
    batch_ids: Sequence[str],
    client: ReapClient,
    *,
    clock: Clock,
    cadence: CadenceConfig,
    limits: Limits,
    as_json: bool,
    labels: dict[str, str] | None = None,
    places: Mapping[str, ImportMembership] | None = None,
    watchlist_path: Path | None = None,
) -> ExitCode:
    """Poll every batch until each is final; the exit code is the worst of theirs. `places`:
    the batches' places in their imports (the cadence inside an import applies). With
    `watchlist_path`, a batch of that list a dashboard already polls is followed from what
    it saves instead (`WatchSharing`).

    BrokenPipeError when the output's reader goes away first: polling stops at once.
    """
    printer = WatchPrinter(clock, as_json)
    engine = Engine(clock=clock, on_state=printer, cadence=cadence, limits=limits)
    sharing = None
    looking: asyncio.Task[None] | None = None
    try:
        for batch_id in batch_ids:
            label = (labels or {}).get(batch_id, "")
            place = (places or {}).get(batch_id)
            engine.watch(WatchTarget(batch_id, client, label=label, in_import=place))
        if watchlist_path is not None:
            sharing = WatchSharing(watchlist_path, engine, batch_ids, client.base_url)
            sharing.start()
            if sharing.problem:
                print(
                    f"reap-tui: {sharing.problem}; batches a dashboard polls may be checked twice",
                    file=sys.stderr,
                )
            looking = asyncio.ensure_future(_keep_looking(sharing, clock))
        await _until_final_or_closed(engine, printer)
        return max((exit_code_for(state) for state in engine.states.values()), default=ExitCode.OK)
    finally:
        if looking is not None:
            looking.cancel()
            await asyncio.gather(looking, return_exceptions=True)
        final = dict(engine.states)
        await engine.aclose()
        if sharing is not None:
            sharing.close(final)


async def _keep_looking(sharing: WatchSharing, clock: Clock) -> None:
    while True:
        await clock.sleep(LOOK_INTERVAL)
        sharing.poll()


async def _until_final_or_closed(engine: Engine, printer: WatchPrinter) -> None:
    waiters = (
        asyncio.ensure_future(engine.wait_until_all_final()),
        asyncio.ensure_future(printer.closed.wait()),
    )
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
    if printer.closed.is_set():
        raise BrokenPipeError("the output was closed")
