"""The engine against the sandbox, on a fake clock that jumps whenever nothing is in flight."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from reap_tui.api.client import ReapClient
from reap_tui.clock import FakeClock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.import_book import ImportActivity
from reap_tui.engine.limiter import Limits
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState
from reap_tui.sandbox import RequestRecord, SandboxServer, ScriptedBatch
from reap_tui.sandbox.script import status_document

from .conftest import START

KEY = "sk-engine-test-0123456789"


@dataclass
class Run:
    engine: Engine
    clock: FakeClock
    server: SandboxServer
    client: ReapClient
    published: list[BatchState] = field(default_factory=list)

    def requests_by_batch(self) -> dict[str, list[RequestRecord]]:
        grouped: dict[str, list[RequestRecord]] = defaultdict(list)
        for record in self.server.request_log:
            if record.batch_id is not None:
                grouped[record.batch_id].append(record)
        return grouped


def make_run(
    batches: Iterable[ScriptedBatch],
    *,
    key: str | None = KEY,
    cadence: CadenceConfig | None = None,
    limits: Limits | None = None,
    seed: int = 0,
    on_import: Callable[[ImportActivity], None] | None = None,
    on_state: Callable[[BatchState], None] | None = None,
) -> Run:
    """`on_state`, if given, hears each state after it is kept in `Run.published`."""
    clock = FakeClock(START)
    server = SandboxServer(clock, api_key=KEY, batches=batches)
    server.start()
    client = ReapClient(server.base_url, key, clock=clock, connect_retries=0)
    published: list[BatchState] = []

    def keep(state: BatchState) -> None:
        published.append(state)
        if on_state is not None:
            on_state(state)

    engine = Engine(
        clock=clock,
        on_state=keep,
        cadence=cadence,
        limits=limits,
        rng=random.Random(seed),
        on_import=on_import,
    )
    clock.is_idle = lambda: engine.limiter.in_flight == 0
    return Run(engine, clock, server, client, published)


async def close_run(run: Run) -> None:
    await run.engine.aclose()
    await run.client.aclose()
    run.server.stop()


def watch_all(run: Run, batch_ids: Sequence[str], uploaded_at: float | None = None) -> None:
    for batch_id in batch_ids:
        run.engine.watch(WatchTarget(batch_id, run.client, uploaded_at=uploaded_at))


async def run_until(run: Run, moment: float) -> None:
    """Let the engine run until the fake clock reaches `moment`."""
    while run.clock.now() < moment:
        await asyncio.sleep(0.001)


def batch_id_of(index: int) -> str:
    return str(uuid.UUID(int=index + 1, version=4))


def max_in_any_second(times: Sequence[float]) -> int:
    """The most request starts in any half-open one-second window."""
    ordered = sorted(times)
    most, low = 0, 0
    for high, at in enumerate(ordered):
        while ordered[low] <= at - 1.0 + 1e-6:
            low += 1
        most = max(most, high - low + 1)
    return most


def changes_seen(batch: ScriptedBatch, requests: Sequence[RequestRecord]) -> list[float]:
    """When the answers to `requests` showed `batch` with a status or processed count unlike
    the answer before (the first answer counts), from the script: only plain 200 answers,
    whose body is the script's document at the moment the request arrived."""
    changes: list[float] = []
    seen: tuple[object, object] | None = None
    for request in requests:
        if request.http_status != 200 or request.fault is not None:
            continue
        document = status_document(batch, request.at, 1.0)
        now = (document["status"], document["processedRecords"])
        if now != seen:
            changes.append(request.at)
            seen = now
    return changes
