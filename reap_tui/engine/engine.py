"""The engine: one poller per watched batch, running the cadence policy under shared limits.

Pollers publish immutable BatchState snapshots through a callback; the dashboard and the
headless printer only ever see those. A batch another program polls (it holds the watch list's
lease) is *followed* instead (`follow`, `following.py`): its states come from that program's
saves (`adopt`), and a person's actions on it are asked of that program. `lead` polls followed
batches again. No Textual here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reap_tui.api.client import ReapClient
from reap_tui.api.errors import ApiFailure, missing_key_failure
from reap_tui.apikey import ApiKey
from reap_tui.clock import Clock
from reap_tui.engine.cadence import CadenceConfig, ImportFacts
from reap_tui.engine.following import Asker, Following, cannot_ask
from reap_tui.engine.import_book import ImportActivity, ImportBook
from reap_tui.engine.limiter import Limits, RequestLimiter
from reap_tui.engine.poller import BatchPoller, WatchTarget
from reap_tui.engine.snapshots import restarted
from reap_tui.engine.state import BatchState, Phase
from reap_tui.logs import protect_in_logs


@dataclass(frozen=True)
class EngineHealth:
    in_flight: int
    """Requests out now: as many batches say "checking"."""
    requests_made: int
    last_failure: ApiFailure | None
    last_failure_at: float | None
    queued: int = 0
    """Checks due and waiting for their turn under the limits ("queued")."""


class Engine:
    """Owns every poller, the limits they share, and the imports they belong to.

    `on_state` hears every batch state published; `on_import` hears an import's state each
    time it becomes stalled or stops being stalled.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        on_state: Callable[[BatchState], None],
        cadence: CadenceConfig | None = None,
        limits: Limits | None = None,
        rng: random.Random | None = None,
        on_import: Callable[[ImportActivity], None] | None = None,
    ) -> None:
        self.clock = clock
        self.cadence = cadence or CadenceConfig()
        self.rng = rng or random.Random()
        self.limiter = RequestLimiter(clock, limits or Limits())
        self._on_state = on_state
        self._imports = ImportBook(clock, self.cadence.stall_after, on_import or _ignore)
        self._pollers: dict[str, BatchPoller] = {}
        self._auth_refused: dict[int, ApiFailure] = {}
        self._last_failure: ApiFailure | None = None
        self._last_failure_at: float | None = None
        self._changed = asyncio.Event()
        self._following = Following(self)
        self._follow_new = False  # batches watched from now on are followed
        self._hold_until: float | None = None  # no automatic check before (see `lead`)

    # -- watching --------------------------------------------------------------------------

    def watch(self, target: WatchTarget) -> None:
        """Start polling a batch, or following it (see `follow`); inside the running loop."""
        if target.batch_id in self._pollers or target.batch_id in self._following.targets:
            return
        if self._follow_new:
            initial = target.initial or BatchState(batch_id=target.batch_id)
            self._join_import(initial, target)
            self._following.add(target, initial)
            return
        poller = BatchPoller(target, self)
        self._pollers[target.batch_id] = poller
        self._join_import(poller.state, target)
        poller.start(not_before=self._hold_until)

    def _join_import(self, state: BatchState, target: WatchTarget) -> None:
        if target.in_import is not None:
            self._imports.join(state, target.in_import)

    def unwatch(self, batch_id: str) -> None:
        self._following.remove(batch_id)
        poller = self._pollers.pop(batch_id, None)
        if poller is not None and poller.task is not None:
            poller.task.cancel()
        self._hurry(self._imports.leave(batch_id))

    @property
    def states(self) -> Mapping[str, BatchState]:
        states = {batch_id: poller.state for batch_id, poller in self._pollers.items()}
        states.update(self._following.states)
        return states

    # -- batches another program polls -----------------------------------------------------

    def follow(self, batch_ids: Iterable[str] | None = None, *, asker: Asker | None = None) -> None:
        """Stop polling these batches (None: every batch, and every batch watched from now on):
        another program checks them. `asker` asks that program for what a person wants."""
        if asker is not None:
            self._following.asker = asker
        if batch_ids is None:
            self._follow_new = True
            batch_ids = list(self._pollers)
        for batch_id in list(batch_ids):
            poller = self._pollers.pop(batch_id, None)
            if poller is None:
                continue
            if poller.task is not None:
                poller.task.cancel()
            self._following.add(poller.target, poller.state)

    def lead(
        self, batch_ids: Iterable[str] | None = None, *, not_before: float | None = None
    ) -> None:
        """Poll followed batches again (None: all, and every batch watched from now on), each
        from the state last seen of it: no automatic check sooner than the cadence allows after
        its last check, nor before `not_before` (checks made but not saved by a program that
        ended without letting go); a batch watched later neither (that program may have seen
        it too)."""
        if not_before is not None:
            self._hold_until = max(self._hold_until or not_before, not_before)
        if batch_ids is None:
            self._follow_new = False
            batch_ids = list(self._following.targets)
        for batch_id in list(batch_ids):
            followed = self._following.remove(batch_id)
            if followed is None:
                continue
            target, state = followed
            initial = restarted(state)
            poller = BatchPoller(dataclasses.replace(target, initial=initial), self)
            self._pollers[batch_id] = poller
            poller.start(not_before=not_before)

    def adopt(self, batch_id: str, base_url: str, record: object) -> bool:
        """A state another program saved of a followed batch: shown if newer than what is."""
        return self._following.adopt(batch_id, base_url, record)

    def share_no_more(self) -> None:
        """Forget the sharing: batches watched from now on are polled, with no hold (call with
        no batch followed: after they are unwatched, or at the end)."""
        self._follow_new = False
        self._hold_until = None
        self._following.asker = cannot_ask

    def follows(self, batch_id: str) -> bool:
        return batch_id in self._following.targets

    def check_here(self, batch_id: str) -> None:
        """Check a followed batch once from here (its holder could not be asked to)."""
        self._following.check_here(batch_id)

    @property
    def imports(self) -> Mapping[str, ImportActivity]:
        """Every import with a watched batch, by name."""
        return self._imports.states

    @property
    def health(self) -> EngineHealth:
        return EngineHealth(
            in_flight=self.limiter.in_flight,
            requests_made=self.limiter.requests_made,
            last_failure=self._last_failure,
            last_failure_at=self._last_failure_at,
            queued=self.limiter.waiting,
        )

    # -- user actions ----------------------------------------------------------------------

    def check_now(self, batch_id: str) -> None:
        self._each((batch_id,), BatchPoller.check_now)
        self._following.ask((batch_id,), "check")

    def check_all(self) -> None:
        self._each(self._pollers, BatchPoller.check_now)
        self._following.ask(self._following.targets, "check", every=True)

    def pause(self, batch_id: str) -> None:
        self._each((batch_id,), BatchPoller.pause)
        self._following.ask((batch_id,), "pause")

    def resume(self, batch_id: str) -> None:
        self._each((batch_id,), BatchPoller.resume)
        self._following.ask((batch_id,), "resume")

    def pause_all(self) -> None:
        self._each(self._pollers, BatchPoller.pause)
        self._following.ask(self._following.targets, "pause", every=True)

    def resume_all(self) -> None:
        paused = [b for b, p in self._pollers.items() if p.state.phase is Phase.PAUSED]
        self._each(paused, BatchPoller.resume)
        self._following.ask(self._following.targets, "resume", every=True)

    def set_label(self, batch_id: str, label: str) -> None:
        poller = self._pollers.get(batch_id)
        if poller is not None:
            poller.set_label(label)
        self._following.set_label(batch_id, label)

    def set_api_key(self, client: ReapClient, api_key: ApiKey | None) -> None:
        """A new key for `client`: every batch stopped for authentication on it resumes.
        No key: every batch on it that would be checked waits for one, and nothing is sent."""
        client.set_api_key(api_key.reveal() if api_key else None)
        self._auth_refused.pop(id(client), None)
        if not api_key:
            missing = missing_key_failure()
            self._each(self._on_client(client), lambda poller: poller.stop_for_auth(missing))
            return
        protect_in_logs(api_key.reveal())
        stopped = [
            batch_id
            for batch_id, poller in self._pollers.items()
            if poller.target.client is client and poller.state.phase is Phase.AUTH_REQUIRED
        ]
        self._each(stopped, BatchPoller.resume)

    def _on_client(self, client: ReapClient) -> list[str]:
        return [b for b, poller in self._pollers.items() if poller.target.client is client]

    def _each(self, batch_ids: Iterable[str], action: Callable[[BatchPoller], None]) -> None:
        for batch_id in list(batch_ids):
            poller = self._pollers.get(batch_id)
            if poller is not None:
                action(poller)

    # -- what pollers report -----------------------------------------------------------------

    def publish(self, state: BatchState) -> None:
        self.observe_import(state)
        self._changed.set()
        self._on_state(state)

    def observe_import(self, state: BatchState) -> None:
        """Tell the batch's import (if any) of its state; a batch of it that is now due the
        documented rate rather than the slow one is brought forward."""
        self._hurry(self._imports.observe(state))

    def _hurry(self, batch_ids: Iterable[str]) -> None:
        self._each(batch_ids, BatchPoller.hurry)

    def import_facts(self, batch_id: str) -> ImportFacts | None:
        return self._imports.facts(batch_id)

    def note_failure(self, failure: ApiFailure, at: float) -> None:
        self._last_failure, self._last_failure_at = failure, at

    def auth_blocked(self, client: ReapClient) -> ApiFailure | None:
        """Why nothing may be sent with `client`: it has no key (a failure shaped as Reap's
        own answer to that, made here: nothing is sent to hear it), or the 401 that stopped
        its key, until a new key is set."""
        if not client.has_api_key:
            return missing_key_failure()
        return self._auth_refused.get(id(client))

    def auth_failed(self, client: ReapClient, failure: ApiFailure) -> None:
        """A 401 stops every poller sharing the key at once: no storm of 401s."""
        self._auth_refused[id(client)] = failure
        for poller in self._pollers.values():
            if poller.target.client is client:
                poller.stop_for_auth(failure)

    # -- lifetime ----------------------------------------------------------------------------

    async def wait_until_all_final(self) -> None:
        while not self._all_final():
            self._changed.clear()
            await self._changed.wait()

    def _all_final(self) -> bool:
        # Asked at every change: stops at the first batch still running (usually the first).
        return all(poller.state.phase.is_final for poller in self._pollers.values()) and all(
            state.phase.is_final for state in self._following.states.values()
        )

    async def aclose(self) -> None:
        """Cancel every poller and wait for each: no request outlives the engine."""
        pollers = list(self._pollers.values())
        self._pollers.clear()
        tasks = [p.task for p in pollers if p.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._following.aclose()
        await self._imports.aclose()


def _ignore(_: ImportActivity) -> None:
    pass
