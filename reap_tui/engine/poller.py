"""One watched batch: runs the cadence policy in its own task and publishes what it sees."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reap_tui.api.client import CheckResult, ReapClient
from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import StatusKind, find_regressions
from reap_tui.engine import cadence
from reap_tui.engine.cadence import Decision
from reap_tui.engine.state import (
    HISTORY_LIMIT,
    RECENT_CHECKS_LIMIT,
    BatchState,
    CheckRecord,
    Phase,
    Progress,
)

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
        self._manual_requested = False
        self._next_at: float | None = None
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

    def start(self) -> None:
        if self.state.phase.is_final:
            self._next_at = None
        else:
            decision = cadence.first_check(
                self._engine.clock.now(),
                self.state.uploaded_at,
                self._engine.cadence,
                self._engine.rng,
            )
            # A batch checked moments ago by an earlier run still gets its 30 s.
            at = max(decision.at or 0.0, self._soonest_automatic_check())
            self._apply(dataclasses.replace(decision, at=at))
        self._publish(self.state)
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"poller {self.target.batch_id}"
        )

    # -- user actions --------------------------------------------------------------------

    def check_now(self) -> None:
        """Check at once, sooner than the cadence allows; a check already in flight serves."""
        if self.state.checking:
            return
        if self.state.phase.is_final and self.state.phase is not Phase.PAUSED:
            # Whatever this check finds gets a window of its own, not the one that ended.
            self._fresh_window()
        self._manual_requested = True
        self._wake.set()

    def pause(self) -> None:
        if self.state.phase.is_final:
            return
        self._paused_next_at = self._next_at
        self._next_at = None
        self._update(phase=Phase.PAUSED, next_check_at=None, stop_reason="paused by you")

    def resume(self) -> None:
        """Resume a paused batch, or restart a stopped one (timed out, auth, not found) afresh."""
        phase = self.state.phase
        if phase is Phase.PAUSED:
            now = self._engine.clock.now()
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
            return  # the same key would be refused again: a new one resumes it
        elif phase in _RESTARTABLE:
            self._fresh_window()
            self._next_at = self._soonest_automatic_check()
            self._update(phase=Phase.POLLING, next_check_at=self._next_at, stop_reason="")
        self._wake.set()

    def stop_for_auth(self, failure: ApiFailure) -> None:
        """The key was refused: stop automatic checks (a batch paused, stopped or finished
        keeps its phase)."""
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

    # -- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        clock = self._engine.clock
        while True:
            await self._wait_until(self._next_at)
            manual = self._manual_requested
            due = self._next_at is not None and clock.now() >= self._next_at
            if not (manual or due):
                continue
            self._manual_requested = False
            try:
                await self._check(manual=manual)
            except Exception:
                log.exception("poller for %s stopped by an internal error", self.target.batch_id)
                self._next_at = None
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
            sleeper = asyncio.ensure_future(self._engine.clock.sleep(delay))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait((sleeper, waker), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
        self._wake.clear()

    async def _check(self, *, manual: bool) -> None:
        engine = self._engine
        client = self.target.client
        refused = engine.auth_blocked(client)
        if refused is None or manual:
            self._update(checking=True)
            async with engine.limiter.slot():
                if not manual and self.state.phase not in _AUTOMATIC:
                    # Paused (or stopped) while it waited its turn: the check is called off.
                    self._update(checking=False)
                    return
                if not manual and self._past_window(engine.clock.now()):
                    # Its turn came after the window closed (another batch's Retry-After
                    # held every request): no automatic check is sent after the window.
                    self._next_at = None
                    self._update(
                        checking=False,
                        phase=Phase.TIMED_OUT,
                        next_check_at=None,
                        stop_reason=cadence.timed_out_reason(engine.cadence),
                    )
                    return
                refused = engine.auth_blocked(client)
                if refused is None or manual:
                    result = await client.get_batch_status(self.target.batch_id)
        if refused is not None and not manual:
            # Refused while waiting its turn: the same key would only be refused again.
            self._update(checking=False)
            self.stop_for_auth(refused)
            return
        self._record(result, manual=manual)
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
        state = self.state
        now = result.finished_at
        if state.first_check_at is None or state.phase is Phase.WAITING_FIRST_CHECK:
            state = dataclasses.replace(state, first_check_at=result.started_at)
        history = cadence.History(
            first_check_at=state.first_check_at or result.started_at,
            uploaded_at=state.uploaded_at,
            consecutive_failures=self._consecutive_failures,
            not_found_rechecks=self._not_found_rechecks,
            throughput=state.throughput,
        )
        if result.status is not None:
            status = result.status
            regressions = find_regressions(state.status, status)
            if regressions:
                status = dataclasses.replace(status, anomalies=status.anomalies + regressions)
            self._consecutive_failures = 0
            progress = state.history
            if status.kind is not StatusKind.PENDING:
                progress = (
                    *progress,
                    Progress(now, status.processed_records, status.failed_records),
                )[-HISTORY_LIMIT:]
            state = dataclasses.replace(state, status=status, failure=None, history=progress)
            history = dataclasses.replace(history, throughput=state.throughput)
            decision = cadence.after_status(status, now, history, engine.cadence, engine.rng)
            outcome = status.status.text
        else:
            failure = result.failure
            assert failure is not None
            self._consecutive_failures += 1
            history = dataclasses.replace(history, consecutive_failures=self._consecutive_failures)
            decision = cadence.after_failure(failure, now, history, engine.cadence, engine.rng)
            if failure.kind is FailureKind.NOT_FOUND and decision.at is not None:
                self._not_found_rechecks += 1
            state = dataclasses.replace(state, failure=failure)
            engine.note_failure(failure, now)
            outcome = failure.headline
        record = CheckRecord(result.started_at, result.http_status, outcome, manual)
        self.state = dataclasses.replace(
            state,
            checks_made=state.checks_made + 1,
            last_checked_at=now,
            recent_checks=(*state.recent_checks, record)[-RECENT_CHECKS_LIMIT:],
            checking=False,
        )
        if self.state.phase is Phase.PAUSED and not decision.phase.is_final:
            # A manual check while paused: stay paused, remember when the next check falls due.
            self._paused_next_at = decision.at
            self._publish(self.state)
            return
        self._apply(decision)

    # -- state -----------------------------------------------------------------------------

    def _apply(self, decision: Decision) -> None:
        self._next_at = decision.at
        self._update(phase=decision.phase, next_check_at=decision.at, stop_reason=decision.reason)

    def _update(self, **changes: object) -> None:
        self.state = dataclasses.replace(self.state, **changes)  # type: ignore[arg-type]
        self._publish(self.state)

    def _publish(self, state: BatchState) -> None:
        self._engine.publish(state)

    def _past_window(self, now: float) -> bool:
        first = self.state.first_check_at
        return first is not None and now > first + self._engine.cadence.window

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
