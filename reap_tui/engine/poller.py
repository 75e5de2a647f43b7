"""One watched batch: runs the cadence policy in its own task and publishes what it sees."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reap_tui.api.client import CheckResult, ReapClient
from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import StatusKind
from reap_tui.engine import cadence
from reap_tui.engine.cadence import Decision
from reap_tui.engine.import_book import ImportMembership
from reap_tui.engine.recording import recorded
from reap_tui.engine.state import BatchState, Phase

if TYPE_CHECKING:
    from reap_tui.engine.engine import Engine

log = logging.getLogger("reap_tui.engine")


@dataclass(frozen=True)
class WatchTarget:
    batch_id: str
    client: ReapClient
    label: str = ""
    uploaded_at: float | None = None
    initial: BatchState | None = None
    in_import: ImportMembership | None = None


# Phases in which checks happen on their own.
_AUTOMATIC = (Phase.WAITING_FIRST_CHECK, Phase.POLLING)
# Phases the user can restart with a fresh 30-minute window.
_RESTARTABLE = (Phase.TIMED_OUT, Phase.AUTH_REQUIRED, Phase.NOT_FOUND, Phase.STOPPED)


class BatchPoller:
    """Runs the cadence for one batch in its own task until it is unwatched."""

    def __init__(self, target: WatchTarget, engine: Engine) -> None:
        self.target = target
        self._engine = engine
        self._wake = asyncio.Event()
        self._sleep: asyncio.Future[None] | None = None  # the wait for the next check, if any
        self._manual_requested = False
        self._in_check = False
        self._next_at: float | None = None
        self._slow = False
        self._paused_next_at: float | None = None
        self._consecutive_failures = 0
        self._not_found_rechecks = 0
        initial = target.initial or BatchState(batch_id=target.batch_id)
        self.state = dataclasses.replace(
            initial,
            label=target.label or initial.label,
            uploaded_at=target.uploaded_at or initial.uploaded_at,
            checking=False,
        )
        self.task: asyncio.Task[None] | None = None

    def start(self, *, not_before: float | None = None) -> None:
        """Begin: the first automatic check is no sooner than `not_before` either."""
        if not self.state.phase.is_final:
            decision = cadence.first_check(
                self._engine.clock.now(),
                self.state.uploaded_at,
                self._engine.cadence,
                self._engine.rng,
            )
            # A batch checked moments ago by an earlier run still gets its 30 s.
            at = max(decision.at or 0.0, self._soonest_automatic_check(), not_before or 0.0)
            self._decide(dataclasses.replace(decision, at=at))
            refused = self._engine.auth_blocked(self.target.client)
            if refused is not None:
                self._decide(Decision(Phase.AUTH_REQUIRED, None, refused.title))
                self.state = dataclasses.replace(self.state, failure=refused)
        self._publish(self.state)
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"poller {self.target.batch_id}"
        )

    # -- user actions --------------------------------------------------------------------

    def check_now(self) -> None:
        """Check at once, sooner than the cadence allows; a check already queued or out serves."""
        if self.state.checking or self._manual_requested:
            return
        if not self.target.client.has_api_key:
            self._needs_key()
            return
        if self.state.phase.is_final and self.state.phase is not Phase.PAUSED:
            # Whatever this check finds gets a window of its own, not the one that ended.
            self._fresh_window()
        self._manual_requested = True
        if self._in_check:
            return  # waiting its turn in the limiter: it becomes this manual check
        now = self._engine.clock.now()
        if self.state.next_check_at is None or self.state.next_check_at > now:
            self._update(next_check_at=now)  # reads "queued" until its request is out
        self._rouse()

    def pause(self) -> None:
        if self.state.phase.is_final:
            return
        self._paused_next_at = self._next_at
        self._next_at = None
        self._update(phase=Phase.PAUSED, next_check_at=None, stop_reason="paused by you")

    def resume(self) -> None:
        """Resume a paused batch, or restart a stopped one (timed out, auth, not found) afresh."""
        phase = self.state.phase
        now = self._engine.clock.now()
        if phase is Phase.PAUSED:
            at = max(self._paused_next_at or now, self._soonest_automatic_check())
            if self._past_window(now):
                self._fresh_window()
            self._next_at = at
            self._update(
                phase=Phase.POLLING if self.state.checks_made else Phase.WAITING_FIRST_CHECK,
                next_check_at=at,
                stop_reason="",
            )
        elif phase is Phase.AUTH_REQUIRED and self._engine.auth_blocked(self.target.client):
            return  # the same key would be refused again (or there is none): a new one resumes it
        elif phase in _RESTARTABLE:
            self._fresh_window()
            at = self._soonest_automatic_check()
            first = self.state.checks_made == 0
            if first:
                uploaded_at = self.state.uploaded_at
                engine = self._engine
                first_at = cadence.first_check(now, uploaded_at, engine.cadence, engine.rng).at
                at = max(at, first_at or now)
            self._next_at = at
            self._slow = False
            stale = phase is Phase.AUTH_REQUIRED  # the refusal belonged to the old key
            self._update(
                phase=Phase.WAITING_FIRST_CHECK if first else Phase.POLLING,
                next_check_at=at,
                stop_reason="",
                failure=None if stale else self.state.failure,
            )
        self._rouse()

    def stop_for_auth(self, failure: ApiFailure) -> None:
        """The key was refused, or there is none: stop automatic checks (a batch paused,
        stopped or finished keeps its phase)."""
        if self.state.phase not in _AUTOMATIC:
            return
        self._next_at = None
        self._update(
            phase=Phase.AUTH_REQUIRED,
            failure=failure,
            next_check_at=None,
            stop_reason=failure.title,
        )

    def set_label(self, label: str) -> None:
        self._update(label=label)

    def hurry(self) -> None:
        """Its import moved on (it became next in line, or a stall ended): a batch waiting on
        the slow rate comes back to the documented one if the policy says so."""
        state = self.state
        last = state.last_checked_at
        if self._in_check or not self._slow or self._next_at is None or last is None:
            return
        if state.phase not in _AUTOMATIC:
            return
        engine = self._engine
        facts = engine.import_facts(state.batch_id)
        at = cadence.hurried(
            self._next_at,
            last,
            state.status_kind,
            facts,
            engine.clock.now(),
            engine.cadence,
            engine.rng,
        )
        if at is not None:
            self._next_at, self._slow = at, False
            self._update(next_check_at=at)
            self._rouse()

    # -- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        clock = self._engine.clock
        while True:
            await self._wait_until(self._next_at)
            due = self._next_at is not None and clock.now() >= self._next_at
            if not (self._manual_requested or due):
                continue
            try:
                await self._check()
            except Exception:
                log.exception("poller for %s stopped by an internal error", self.target.batch_id)
                self._next_at = None
                self._manual_requested = False
                self._update(
                    phase=Phase.STOPPED, checking=False, stop_reason="internal error (see log)"
                )

    async def _wait_until(self, at: float | None) -> None:
        if self._wake.is_set():
            self._wake.clear()
            return
        if at is None:
            await self._wake.wait()
        else:
            delay = at - self._engine.clock.now()
            if delay <= 0:
                return
            self._sleep = asyncio.ensure_future(self._engine.clock.sleep(delay))
            try:
                await asyncio.wait((self._sleep,))  # cut short by `_rouse`
            finally:
                self._sleep.cancel()
                self._sleep = None
        self._wake.clear()

    def _rouse(self) -> None:
        """End the wait for the next check now: something changed when it is due."""
        self._wake.set()
        if self._sleep is not None:
            self._sleep.cancel()

    async def _check(self) -> None:
        """Wait for a turn in the limiter ("queued"), then send the request ("checking"). The
        answer is published once the request has left the limiter, so at every publish as
        many batches say "checking" as the engine counts in flight."""
        if self._refusal() is not None:
            self._needs_key()
            return
        self._in_check = True
        try:
            sent = await self._send()
        finally:
            self._in_check = False
        if sent is not None:
            result, manual = sent
            self._record(result, manual=manual)
            self._after_answer(result)

    async def _send(self) -> tuple[CheckResult, bool] | None:
        """The answer, and whether a person asked for the check; None if it was called off."""
        engine = self._engine
        async with engine.limiter.slot():
            manual, self._manual_requested = self._manual_requested, False
            if not manual and self.state.phase not in _AUTOMATIC:
                return None  # paused (or stopped) while it waited its turn: called off
            if not manual and self._past_window(engine.clock.now()):
                # Its turn came after the window closed (another batch's Retry-After held
                # every request): no automatic check is sent after the window.
                reason = cadence.timed_out_reason(engine.cadence)
                self._apply(Decision(Phase.TIMED_OUT, None, reason))
                return None
            if self._refusal(manual=manual) is not None:
                self._needs_key()
                return None
            self._update(checking=True)
            return await self.target.client.get_batch_status(self.target.batch_id), manual

    def _refusal(self, *, manual: bool | None = None) -> ApiFailure | None:
        """Why no request may go out: no key, or the key was refused (a person may still try
        a refused key by hand)."""
        client = self.target.client
        refused = self._engine.auth_blocked(client)
        manual = self._manual_requested if manual is None else manual
        if refused is None or (manual and client.has_api_key):
            return None
        return refused

    def _needs_key(self) -> None:
        refused = self._engine.auth_blocked(self.target.client)
        self._manual_requested = False
        if refused is None or self.state.failure == refused:
            return  # nothing new to say
        if self.state.phase is Phase.PAUSED:
            self._update(failure=refused, next_check_at=None)
            return
        self._next_at = None
        self._update(
            phase=Phase.AUTH_REQUIRED,
            failure=refused,
            next_check_at=None,
            stop_reason=refused.title,
        )

    def _after_answer(self, result: CheckResult) -> None:
        engine = self._engine
        client = self.target.client
        failure = result.failure
        if failure is not None and failure.kind is FailureKind.AUTH:
            engine.auth_failed(client, failure)
        elif (refused := engine.auth_blocked(client)) is not None:
            # Another batch's 401 came while this request was out: stop with the rest.
            self.stop_for_auth(refused)
        if failure is not None and failure.retry_after is not None:
            engine.limiter.hold_until(result.finished_at + failure.retry_after)

    def _record(self, result: CheckResult, *, manual: bool) -> None:
        engine = self._engine
        now = result.finished_at
        self.state = recorded(self.state, result, manual=manual)
        engine.observe_import(self.state)
        status, failure = self.state.status, result.failure
        if failure is None and status is not None:
            self._consecutive_failures = 0
            history = self._history()
            decision = cadence.after_status(status, now, history, engine.cadence, engine.rng)
        else:
            assert failure is not None
            self._consecutive_failures += 1
            engine.note_failure(failure, now)
            history = self._history()
            decision = cadence.after_failure(failure, now, history, engine.cadence, engine.rng)
            if failure.kind is FailureKind.NOT_FOUND and decision.at is not None:
                self._not_found_rechecks += 1
        if self.state.phase is Phase.PAUSED and not decision.phase.is_final:
            # A manual check while paused: stay paused, remember when the next check falls due.
            self._paused_next_at = decision.at
            self._update(next_check_at=None)
            return
        self._apply(decision)

    # -- state -----------------------------------------------------------------------------

    def _history(self) -> cadence.History:
        state = self.state
        return cadence.History(
            first_check_at=state.first_check_at or self._engine.clock.now(),
            uploaded_at=state.uploaded_at,
            consecutive_failures=self._consecutive_failures,
            not_found_rechecks=self._not_found_rechecks,
            throughput=state.throughput,
            last_change_at=state.last_change_at,
            pending=state.status_kind is StatusKind.PENDING,
            in_import=self._engine.import_facts(state.batch_id),
        )

    def _decide(self, decision: Decision) -> None:
        """Take `decision` without publishing it."""
        self._next_at = decision.at
        self._slow = decision.slow
        self.state = dataclasses.replace(
            self.state,
            phase=decision.phase,
            next_check_at=decision.at,
            stop_reason=decision.reason,
        )

    def _apply(self, decision: Decision) -> None:
        self._decide(decision)
        self._publish(self.state)

    def _update(self, **changes: object) -> None:
        self.state = dataclasses.replace(self.state, **changes)  # type: ignore[arg-type]
        self._publish(self.state)

    def _publish(self, state: BatchState) -> None:
        self._engine.publish(state)

    def _past_window(self, now: float) -> bool:
        if self.state.first_check_at is None:
            return False
        return now > cadence.window_end(self._history(), self._engine.cadence)

    def _fresh_window(self) -> None:
        self.state = dataclasses.replace(self.state, first_check_at=None)
        self._consecutive_failures = 0
        self._not_found_rechecks = 0

    def _soonest_automatic_check(self) -> float:
        now = self._engine.clock.now()
        last = self.state.last_checked_at
        if last is None:
            return now
        return max(now, last + self._engine.cadence.interval_min)
