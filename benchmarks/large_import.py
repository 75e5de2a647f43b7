"""Scenario: a large import on the sandbox's model of Reap's processor, on the fake clock, with the
real engine: 20 batches of 5,000 rows uploaded together, four at a time sharing 7 records/s, a
pickup every 10 minutes (about four hours in all, most batches pending behind the others).

Figures: the requests made over the whole import against checking every batch every 45 s from
its first check to its completion (the middle of the documented 30-60 s); and the error of the
import's predicted finish when 25%, 50% and 75% of its records are seen done, as a share of the
time then actually left.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import defaultdict
from typing import Any

from benchmarks.fixtures import API_KEY, START, batch_id_of
from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.import_book import ImportMembership
from reap_tui.engine.imports import ImportRules, import_numbers
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState
from reap_tui.sandbox import SandboxServer
from reap_tui.sandbox.processor import ProcessorConfig, QueuedBatch

BATCHES = 20
ROWS = 5_000
FIXED_INTERVAL = 45.0
MARKS = (0.25, 0.5, 0.75)
SEED = 7


def measure(batches: int = BATCHES) -> dict[str, Any]:
    return asyncio.run(_run(batches))


async def _run(count: int) -> dict[str, Any]:
    clock = FakeClock(START)
    ids = [batch_id_of(10_000 + index) for index in range(count)]
    queued = [QueuedBatch(batch_id, ROWS, START) for batch_id in ids]
    cadence = CadenceConfig()
    rules = ImportRules.for_cadence(cadence)
    total = count * ROWS
    predictions: dict[float, tuple[float, float | None]] = {}  # mark -> (at, predicted finish)

    def on_state(state: BatchState) -> None:
        states = engine.states
        if len(states) < count or len(predictions) == len(MARKS):
            return
        done = sum(s.status.processed_records for s in states.values() if s.status is not None)
        for mark in MARKS:
            if mark not in predictions and done >= mark * total:
                ordered = [states[batch_id] for batch_id in ids]
                numbers = import_numbers(ordered, clock.now(), rules)
                predictions[mark] = (clock.now(), numbers.finish_at)

    processor = ProcessorConfig(pickup_origin=START)
    with SandboxServer(clock, api_key=API_KEY, batches=queued, processor=processor) as server:
        client = ReapClient(server.base_url, API_KEY, clock=clock, connect_retries=0)
        engine = Engine(clock=clock, on_state=on_state, cadence=cadence, rng=random.Random(SEED))
        clock.is_idle = lambda: engine.limiter.in_flight == 0
        for position, batch_id in enumerate(ids):
            membership = ImportMembership("March", position)
            engine.watch(WatchTarget(batch_id, client, uploaded_at=START, in_import=membership))
        await engine.wait_until_all_final()
        phases = sorted({state.phase.value for state in engine.states.values()})
        await engine.aclose()
        await client.aclose()
        log = server.request_log
        ends = {batch_id: server.queued_state(batch_id).completed_at for batch_id in ids}
    finished = max(end for end in ends.values() if end is not None)
    first: dict[str, float] = {}
    per_batch: defaultdict[str, int] = defaultdict(int)
    for record in log:
        if record.batch_id is not None:
            first.setdefault(record.batch_id, record.at)
            per_batch[record.batch_id] += 1
    fixed = sum(math.floor(((ends[b] or finished) - first[b]) / FIXED_INTERVAL) + 1 for b in ids)
    errors = {
        str(mark): None if predicted is None else (predicted - finished) / (finished - at)
        for mark, (at, predicted) in predictions.items()
    }
    return {
        "requests": len(log),
        "fixed_45_requests": fixed,
        "hours": (finished - START) / 3600,
        "eta_errors": errors,
        "phases": phases,
        "most_per_batch": max(per_batch.values()),
    }
