"""Batches whose automatic checks another program makes (the holder of the watch list's lease):
here they are only followed.

A followed batch's state is the one the holder saved (`adopt`), shown with this program's label.
What a person asks for (check now, pause, resume) is asked of the holder through `asker`; a
check it cannot be asked to make (`asker` says False) is made here, once, under the engine's
limits, and its answer shown until the holder saves a newer one. Nothing here is checked on a
schedule.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from reap_tui.api.errors import missing_key_failure
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.recording import recorded
from reap_tui.engine.snapshots import saved_state
from reap_tui.engine.state import BatchState
from reap_tui.store.requests_box import EVERY_BATCH

if TYPE_CHECKING:
    from reap_tui.engine.engine import Engine

Asker = Callable[[str, str], bool]
"""(batch id or EVERY_BATCH, action) -> whether the holder was asked."""


def cannot_ask(_batch_id: str, _action: str) -> bool:
    return False


class Following:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.asker: Asker = cannot_ask
        self.targets: dict[str, WatchTarget] = {}
        self.states: dict[str, BatchState] = {}
        self._checks: dict[str, asyncio.Task[None]] = {}

    def add(self, target: WatchTarget, state: BatchState) -> None:
        self.targets[target.batch_id] = target
        self._publish(
            dataclasses.replace(
                state,
                label=target.label or state.label,
                uploaded_at=target.uploaded_at or state.uploaded_at,
                checking=False,
            )
        )

    def remove(self, batch_id: str) -> tuple[WatchTarget, BatchState] | None:
        task = self._checks.pop(batch_id, None)
        if task is not None:
            task.cancel()
        target = self.targets.pop(batch_id, None)
        state = self.states.pop(batch_id, None)
        if target is None or state is None:
            return None
        return target, dataclasses.replace(state, checking=False)

    def adopt(self, batch_id: str, base_url: str, record: object) -> bool:
        """Show what the holder saved of a followed batch; False if it is not followed here, was
        seen on another environment, cannot be read, or is older than what is shown."""
        target = self.targets.get(batch_id)
        current = self.states.get(batch_id)
        if target is None or current is None or base_url != target.client.base_url:
            return False
        saved = saved_state(batch_id, record)
        if saved is None or _older(saved, current):
            return False
        self._publish(
            dataclasses.replace(
                saved,
                label=target.label,
                uploaded_at=target.uploaded_at or saved.uploaded_at,
                checking=batch_id in self._checks,
            )
        )
        return True

    def set_label(self, batch_id: str, label: str) -> None:
        target = self.targets.get(batch_id)
        state = self.states.get(batch_id)
        if target is not None and state is not None:
            self.targets[batch_id] = dataclasses.replace(target, label=label)
            self._publish(dataclasses.replace(state, label=label))

    def ask(self, batch_ids: Iterable[str], action: str, *, every: bool = False) -> None:
        """A person's `action` on followed batches (`every`: on all of them, asked as one)."""
        wanted = [batch_id for batch_id in batch_ids if batch_id in self.targets]
        if every and wanted:
            unasked = [] if self.asker(EVERY_BATCH, action) else wanted
        else:
            unasked = [batch_id for batch_id in wanted if not self.asker(batch_id, action)]
        if action == "check":
            for batch_id in unasked:
                self.check_here(batch_id)

    def check_here(self, batch_id: str) -> None:
        """Check a followed batch once from here (a check already under way serves)."""
        if batch_id not in self.targets or batch_id in self._checks:
            return
        task = asyncio.get_running_loop().create_task(
            self._check(batch_id), name=f"check once {batch_id}"
        )
        self._checks[batch_id] = task
        task.add_done_callback(lambda _: self._checks.pop(batch_id, None))

    async def _check(self, batch_id: str) -> None:
        target = self.targets[batch_id]
        if not target.client.has_api_key:
            refused = dataclasses.replace(self.states[batch_id], failure=missing_key_failure())
            self._publish(refused)
            return  # nothing is sent without a key
        async with self._engine.limiter.slot():
            self._publish(dataclasses.replace(self.states[batch_id], checking=True))
            result = await target.client.get_batch_status(batch_id)
        answered = self.states.get(batch_id)
        if answered is not None:
            self._publish(recorded(answered, result, manual=True))

    async def aclose(self) -> None:
        tasks = list(self._checks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.targets.clear()
        self.states.clear()

    def _publish(self, state: BatchState) -> None:
        self.states[state.batch_id] = state
        self._engine.publish(state)


def _older(saved: BatchState, current: BatchState) -> bool:
    """Whether what the holder saved predates what is shown (a check made here since)."""
    if current.last_checked_at is None:
        return False
    return saved.last_checked_at is None or saved.last_checked_at < current.last_checked_at
