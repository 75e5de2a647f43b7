"""Scenario 5, cadence quality: how soon a finished batch is seen, and at what cost in
requests, for the project's adaptive cadence (`reap_tui.cadence` as it is) and for fixed 60 s
and 30 s cadences.

200 scripted batches with known completion times, as Reap's docs describe the service: uploads
spread over half an hour, a processor that picks pending batches up every 10 minutes, then 7
records/s for 50-5,000 records. The engine runs them against the sandbox on a fake clock.
Detection latency is the fake-clock time from a batch's completion on the server to the
engine publishing the state that shows it.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any
from unittest import mock

from benchmarks.fixtures import API_KEY, START, batch_id_of
from reap_tui.api.client import ReapClient
from reap_tui.api.models import BatchStatus, StatusKind
from reap_tui.clock import FakeClock
from reap_tui.engine import cadence, poller
from reap_tui.engine.cadence import CadenceConfig, Decision, History
from reap_tui.engine.engine import Engine
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState, Phase
from reap_tui.sandbox import SandboxServer, ScriptedBatch
from reap_tui.sandbox.script import BatchTimeline

BATCHES = 200
UPLOAD_SPREAD = 1800.0
PICKUP_EVERY = 600.0
RECORDS_PER_SECOND = 7.0
SEED = 7


@dataclass(frozen=True)
class FixedCadence:
    """The documented first check and failure handling, then a check every `interval` seconds
    until a final status or the end of the window. The engine's `cadence` is swapped for this
    while a fixed cadence is measured."""

    interval: float
    History = cadence.History
    first_check = staticmethod(cadence.first_check)
    after_failure = staticmethod(cadence.after_failure)
    window_end = staticmethod(cadence.window_end)
    timed_out_reason = staticmethod(cadence.timed_out_reason)
    hurried = staticmethod(cadence.hurried)

    def after_status(
        self,
        status: BatchStatus,
        now: float,
        history: History,
        config: CadenceConfig,
        rng: random.Random,
    ) -> Decision:
        if status.kind is StatusKind.COMPLETED:
            return Decision(Phase.COMPLETED, None, "completed")
        if status.kind is StatusKind.FAILED:
            return Decision(Phase.FAILED, None, "batch failed")
        at = now + self.interval
        if at > cadence.window_end(history, config):
            return Decision(Phase.TIMED_OUT, None, "window over")
        return Decision(Phase.POLLING, at)


def scripted_batches(count: int) -> list[ScriptedBatch]:
    rng = random.Random(SEED)
    batches = []
    for index in range(count):
        uploaded = START + rng.uniform(0.0, UPLOAD_SPREAD)
        pickup = START + PICKUP_EVERY * math.ceil((uploaded - START) / PICKUP_EVERY + 1e-9)
        batches.append(
            ScriptedBatch(
                batch_id_of(index),
                total_records=rng.randint(50, 5000),
                created_at=uploaded,
                queue_wait=pickup - uploaded,
                rate=RECORDS_PER_SECOND,
            )
        )
    return batches


def measure(policy: str, batches: int) -> dict[str, Any]:
    """`policy`: "adaptive", or "fixed-60" / "fixed-30"."""
    scripts = scripted_batches(batches)
    if policy == "adaptive":
        return asyncio.run(_run(scripts))
    fixed = FixedCadence(float(policy.removeprefix("fixed-")))
    with mock.patch.object(poller, "cadence", fixed):
        return asyncio.run(_run(scripts))


async def _run(scripts: list[ScriptedBatch]) -> dict[str, Any]:
    clock = FakeClock(START)
    seen_at: dict[str, float] = {}

    def on_state(state: BatchState) -> None:
        if state.phase.is_final and state.batch_id not in seen_at:
            seen_at[state.batch_id] = clock.now()

    with SandboxServer(clock, api_key=API_KEY, batches=scripts) as server:
        client = ReapClient(server.base_url, API_KEY, clock=clock, connect_retries=0)
        engine = Engine(clock=clock, on_state=on_state, rng=random.Random(SEED))
        clock.is_idle = lambda: engine.limiter.in_flight == 0
        for script in scripts:
            engine.watch(WatchTarget(script.batch_id, client, uploaded_at=script.created_at))
        await engine.wait_until_all_final()
        phases = Counter(state.phase.value for state in engine.states.values())
        await engine.aclose()
        await client.aclose()
        requests = len(server.request_log)
    latencies = [
        seen_at[script.batch_id] - BatchTimeline.of(script, 1.0).ended_at for script in scripts
    ]
    return {
        "median_latency": statistics.median(latencies),
        "p90_latency": statistics.quantiles(latencies, n=10)[-1],
        "requests_per_batch": requests / len(scripts),
        "phases": dict(phases),
    }
