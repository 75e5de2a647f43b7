"""An import from the command line: `status --import` checks each of its batches once and prints
the import's numbers; `watch --import` follows it to its end, a line per batch change and an
import line whenever the import's records, batch states or overall state change.

`watch --import` ends when every batch is final, or when the import stalls (the engine would
go on checking a stalled import at the slow rate until a person pauses it; a script is told at
once instead): the exit code is the worst of the batches' (5 for a stall).
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from reap_tui import format as fmt
from reap_tui.api.client import ReapClient
from reap_tui.api.errors import FailureKind
from reap_tui.api.models import StatusKind
from reap_tui.clock import Clock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.import_book import ImportActivity, memberships
from reap_tui.engine.import_curves import curve_of, last_change
from reap_tui.engine.imports import ImportNumbers, ImportRules, ImportState, import_numbers
from reap_tui.engine.limiter import Limits, RequestLimiter
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.recording import recorded
from reap_tui.engine.snapshots import initial_state
from reap_tui.engine.state import BatchState, Phase
from reap_tui.exitcodes import ExitCode, exit_code_for_failure
from reap_tui.headless import WatchPrinter, exit_code_for
from reap_tui.import_report import import_json, import_line, quoted
from reap_tui.store import Entry, WatchList
from reap_tui.store.imports import Import, find
from reap_tui.store.statedb import StateDB, state_db_path
from reap_tui.text import clean, json_text


class ImportNotFound(LookupError):
    """No import of that name on that host; the message says what there is."""


@dataclass(frozen=True)
class ImportTarget:
    """An import as the watch list holds it, with its batches' entries (labels, upload times)."""

    imported: Import
    entries: Mapping[str, Entry]
    rules: ImportRules

    @property
    def name(self) -> str:
        return self.imported.name

    @property
    def batch_ids(self) -> tuple[str, ...]:
        return self.imported.batch_ids

    def fresh_state(self, batch_id: str) -> BatchState:
        entry = self.entries.get(batch_id)
        if entry is None:
            return BatchState(batch_id)
        return BatchState(batch_id, label=entry.label, uploaded_at=entry.uploaded_at)

    def planned_records(self) -> dict[str, int]:
        return {c.batch_id: c.rows for c in self.imported.chunks if c.batch_id is not None}

    def numbers(self, states: Mapping[str, BatchState], now: float) -> ImportNumbers:
        ordered = [states.get(b) or self.fresh_state(b) for b in self.batch_ids]
        return import_numbers(ordered, now, self.rules, planned_records=self.planned_records())

    def json(self, numbers: ImportNumbers) -> dict[str, Any]:
        unsent = len(self.imported.unsent)
        return import_json(self.name, numbers, self.batch_ids, unsent_chunks=unsent)

    def rows(self, states: Mapping[str, BatchState]) -> list[str]:
        """Each batch in upload order (with its rows of the source file, when split from one),
        then the chunks not uploaded yet."""
        spans = {c.batch_id: c.rows_text for c in self.imported.chunks if c.batch_id}
        lines = []
        for number, batch_id in enumerate(self.batch_ids, start=1):
            state = states.get(batch_id) or self.fresh_state(batch_id)
            _, words, _ = fmt.status_label(state)
            if state.failure is not None and not state.phase.is_done:
                words = state.failure.headline
            where = f"{spans[batch_id]}  " if batch_id in spans else ""
            counts = ""
            if state.status is not None:
                status = state.status
                counts = f"  {status.processed_records:,}/{status.total_records:,}"
                if status.failed_records:
                    counts += f", {status.failed_records:,} failed"
            lines.append(f"{number}. {where}{batch_id}  {clean(words, limit=60)}{counts}")
        total = len(self.imported.chunks)
        for number, chunk in enumerate(self.imported.chunks, start=1):
            if chunk.batch_id is None:
                lines.append(f"chunk {number}/{total}, {chunk.rows_text}: not uploaded yet")
        return lines


def find_import(watchlist: WatchList, name: str, base_url: str, rules: ImportRules) -> ImportTarget:
    imported = find(watchlist.imports, name, base_url)
    if imported is None:
        here = [each.name for each in watchlist.imports if each.base_url == base_url]
        known = ", ".join(quoted(n) for n in here) if here else "none"
        raise ImportNotFound(
            f"no import named {quoted(name)} on {base_url} (imports there: {known}); "
            "reap-tui list shows every import"
        )
    entries = {b: e for b in imported.batch_ids if (e := watchlist.get(b)) is not None}
    return ImportTarget(imported, entries, rules)


# -- status --import ------------------------------------------------------------------------


def saved_states(watchlist: WatchList, clock: Clock, target: ImportTarget) -> dict[str, BatchState]:
    """What a dashboard (or an earlier run) saw of the import's batches, read-only: its check
    history makes the throughput a measurement and the time since the last change known."""
    db = StateDB.open(state_db_path(watchlist.path), clock, read_only=True)
    try:
        rows = db.read()
    finally:
        db.close()
    states = {}
    base_url = target.imported.base_url
    for batch_id in target.batch_ids:
        row = rows.get(batch_id)
        entry = target.entries.get(batch_id)
        if row is not None and entry is not None and row.base_url == base_url:
            states[batch_id] = initial_state(entry, row.record)
    return states


async def check_once(
    target: ImportTarget,
    client: ReapClient,
    *,
    clock: Clock,
    limits: Limits,
    saved: Mapping[str, BatchState],
) -> dict[str, BatchState]:
    """Each batch checked once under the limits (a batch saved as completed or failed is not
    asked again: Reap never changes it)."""
    limiter = RequestLimiter(clock, limits)

    async def check(batch_id: str) -> BatchState:
        state = saved.get(batch_id) or target.fresh_state(batch_id)
        if state.status is not None and state.status.kind.is_final:
            return state
        if state.last_change_at is None:
            # Saved states do not keep it: the history says when the count last moved.
            changed = last_change(state, curve_of(state, target.rules.default_rate))
            state = dataclasses.replace(state, last_change_at=changed)
        async with limiter.slot():
            result = await client.get_batch_status(batch_id)
        state = recorded(state, result, manual=False)
        return dataclasses.replace(state, phase=_phase_of(state))

    checked = await asyncio.gather(*(check(batch_id) for batch_id in target.batch_ids))
    return {state.batch_id: state for state in checked}


def _phase_of(state: BatchState) -> Phase:
    if state.failure is not None:
        return {
            FailureKind.NOT_FOUND: Phase.NOT_FOUND,
            FailureKind.AUTH: Phase.AUTH_REQUIRED,
        }.get(state.failure.kind, Phase.POLLING)
    kind = state.status_kind
    if kind is StatusKind.COMPLETED:
        return Phase.COMPLETED
    if kind is StatusKind.FAILED:
        return Phase.FAILED
    return Phase.POLLING


def status_exit_code(states: Iterable[BatchState]) -> ExitCode:
    """0 when every batch answered (whatever its state); else the worst failure's code."""
    codes = [exit_code_for_failure(s.failure.kind) for s in states if s.failure is not None]
    return max(codes, default=ExitCode.OK)


# -- watch --import -------------------------------------------------------------------------


class ImportPrinter:
    """Prints the import's line when its records, batch states or overall state change (once
    every batch's size is known, so the first line is not a row of zeros)."""

    def __init__(self, target: ImportTarget, clock: Clock, batches: WatchPrinter) -> None:
        self._target = target
        self._clock = clock
        self._batches = batches
        self._printed: tuple[object, ...] | None = None
        self.numbers: ImportNumbers | None = None

    def __call__(self, states: Mapping[str, BatchState]) -> None:
        now = self._clock.now()
        numbers = self._target.numbers(states, now)
        self.numbers = numbers
        key = (
            numbers.state,
            numbers.by_group,
            numbers.total_records,
            numbers.processed_records,
            numbers.failed_records,
        )
        ready = numbers.unknown_batches == 0 or numbers.state is not ImportState.WORKING
        if key == self._printed or not ready or self._batches.closed.is_set():
            return
        self._printed = key
        if self._batches.as_json:
            text = json_text({"event": "import", **self._target.json(numbers)})
        else:
            text = import_line(self._target.name, numbers, now)
        try:
            print(text, file=self._batches.out, flush=True)
        except BrokenPipeError:
            self._batches.closed.set()


async def watch_import(
    target: ImportTarget,
    client: ReapClient,
    *,
    clock: Clock,
    cadence: CadenceConfig,
    limits: Limits,
    as_json: bool,
    out: TextIO = sys.stdout,
) -> ExitCode:
    """Follow every batch of the import until each is final or the import stalls; the exit
    code is the worst of the batches' (a stall counts as a time-out, 5).

    BrokenPipeError when the output's reader goes away first: polling stops at once.
    """
    batches = WatchPrinter(clock, as_json, out)
    printer = ImportPrinter(target, clock, batches)
    stalled = asyncio.Event()

    def on_state(state: BatchState) -> None:
        batches(state)
        printer(engine.states)

    def on_import(activity: ImportActivity) -> None:
        if activity.stalled:
            printer(engine.states)
            stalled.set()

    engine = Engine(
        clock=clock, on_state=on_state, cadence=cadence, limits=limits, on_import=on_import
    )
    places = memberships([target.imported], target.imported.base_url)
    try:
        for batch_id in target.batch_ids:
            fresh = target.fresh_state(batch_id)
            engine.watch(
                WatchTarget(
                    batch_id,
                    client,
                    label=fresh.label,
                    uploaded_at=fresh.uploaded_at,
                    in_import=places[batch_id],
                )
            )
        await _first_of(engine.wait_until_all_final(), batches.closed.wait(), stalled.wait())
        if batches.closed.is_set():
            raise BrokenPipeError("the output was closed")
        final = [state for state in engine.states.values() if state.phase.is_final]
        codes = [exit_code_for(state) for state in final]
        if stalled.is_set():
            codes.append(ExitCode.TIMED_OUT)
        return max(codes, default=ExitCode.OK)
    finally:
        await engine.aclose()


async def _first_of(*waits: Any) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
