"""The notification rules on their own: one toast per kind per second, merged; one summary when
more arrive together than there is room for; never the same toast twice while it is on screen;
at most two on screen; every notice in the log."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.engine.cadence import CadenceConfig, timed_out_reason
from reap_tui.engine.state import BatchState, Phase
from reap_tui.tui.notices import Notice, notices_for
from reap_tui.tui.notifications import TOAST_SECONDS, Notifier

T = 1_759_923_600.0


def completed(name: str, *, failed: bool = False) -> Notice:
    if failed:
        return Notice("Completed with failed records", f"{name}: 3 of 9 failed", "warning",
                      "completed", name, flagged=True)  # fmt: skip
    return Notice("Completed", f"{name}: every record processed", "information", "completed", name)


REFUSED = Notice("API key refused", "Checks are stopped. Press k to enter a key.", "error")


def test_one_notice_is_its_own_toast() -> None:
    notifier = Notifier()
    notifier.add([completed("Payroll")], T)

    (toast,) = notifier.due(T)

    assert (toast.title, toast.message) == ("Completed", "Payroll: every record processed")
    assert toast.severity == "information" and toast.seconds == TOAST_SECONDS["information"]


def test_a_kind_toasts_once_a_second_and_what_waits_is_merged() -> None:
    notifier = Notifier(most_on_screen=10)
    notifier.add([completed("A")], T)
    assert len(notifier.due(T)) == 1

    notifier.add([completed("B"), completed("C", failed=True), completed("D")], T + 0.25)
    assert notifier.due(T + 0.25) == []
    assert notifier.due(T + 0.75) == []
    (merged,) = notifier.due(T + 1.0)

    assert merged.title == "Completed"
    assert merged.message == "3 batches completed, 1 with failed records: B, C, D"
    assert merged.severity == "warning"  # the worst of them


def test_sixty_completions_in_a_second_are_two_toasts() -> None:
    notifier = Notifier()
    toasts = []
    for index in range(60):
        now = T + index / 60
        notifier.add([completed(f"Batch {index}")], now)
        if index % 15 == 0:  # the dashboard's flushes, four a second
            toasts += notifier.due(now)
    toasts += notifier.due(T + 1.0)
    toasts += notifier.due(T + 2.0)

    assert len(toasts) == 2
    assert toasts[1].message.startswith(
        "59 batches completed: Batch 1, Batch 2, Batch 3 and 56 more"
    )


def test_many_kinds_at_once_are_one_summary() -> None:
    notifier = Notifier()
    notifier.add(
        [
            completed("A"),
            Notice(
                "Batch failed", "B: Reap reports the batch failed", "error", "batch-failed", "B"
            ),
            Notice("Batch not found", "C: Reap has no such batch", "error", "not-found", "C"),
        ],
        T,
    )

    (summary,) = notifier.due(T)

    assert summary.title == "3 notifications (n: the log)"
    assert summary.severity == "error"
    assert summary.message.splitlines() == [
        "Completed: A: every record processed",
        "Batch failed: B: Reap reports the batch failed",
        "Batch not found: C: Reap has no such batch",
    ]


def test_the_same_toast_is_not_shown_again_while_on_screen() -> None:
    notifier = Notifier()
    shown = []
    for second in range(6):  # a refused key, then R: every batch refused again, each second
        notifier.add([REFUSED] * 3, T + second)
        shown += notifier.due(T + second)

    assert [t.title for t in shown] == ["API key refused"]
    later = T + TOAST_SECONDS["error"] + 0.5
    notifier.add([REFUSED], later)
    assert [t.title for t in notifier.due(later)] == ["API key refused"]  # gone: news again


def test_no_more_than_two_on_screen_the_rest_waits() -> None:
    notifier = Notifier()
    notifier.add([completed("A")], T)
    notifier.add([Notice("Batch failed", "B failed", "error", "batch-failed", "B")], T)
    assert len(notifier.due(T)) == 2

    notifier.add([Notice("Batch not found", "C gone", "error", "not-found", "C")], T + 1)
    assert notifier.due(T + 1) == []  # two are still on screen
    assert notifier.due(T + TOAST_SECONDS["information"]) != []  # one has gone


def test_every_notice_is_in_the_log_toast_or_not() -> None:
    notifier = Notifier()
    notices = [completed(f"Batch {n}") for n in range(5)] + [REFUSED, REFUSED]
    notifier.add(notices, T)
    notifier.due(T)
    notifier.log(Notice("The watch list could not be saved", "disk full", "error"), T + 1)

    assert [entry.notice for entry in notifier.entries][:7] == notices
    assert notifier.entries[-1].notice.title == "The watch list could not be saved"
    assert notifier.entries[-1].at == T + 1


def test_a_batch_of_an_import_is_not_announced_when_it_completes() -> None:
    running = BatchState("f208a887-9fa6-4447-a52b-c1d6e089536f", "March 3/12", Phase.POLLING)
    done = dataclasses.replace(running, phase=Phase.COMPLETED, status=_status("completed"))
    failed = dataclasses.replace(running, phase=Phase.FAILED, status=_status("failed"))

    assert [n.kind for n in notices_for(running, done)] == ["completed"]
    assert notices_for(running, done, in_import="March") == []
    (told,) = notices_for(running, failed, in_import="March")
    assert told.message == "March 3/12 (import 'March'): Reap reports the batch failed"


def test_a_time_out_says_the_window_in_force() -> None:
    """Under --speed 20 the window is 1.5 minutes, not 30: the text is the state's own."""
    running = BatchState("f208a887-9fa6-4447-a52b-c1d6e089536f", "Payroll", Phase.POLLING)
    reason = timed_out_reason(CadenceConfig().scaled(20))
    timed_out = dataclasses.replace(running, phase=Phase.TIMED_OUT, stop_reason=reason)

    (told,) = notices_for(running, timed_out)

    assert told.message == "Payroll: no change in 1.5 min; press r to check again"


def _status(kind: str) -> BatchStatus:
    moment = datetime.fromtimestamp(T, tz=UTC)
    return BatchStatus(
        batch_id="f208a887-9fa6-4447-a52b-c1d6e089536f",
        status=BatchStatusValue.from_wire(kind),
        total_records=10,
        processed_records=10,
        failed_records=0,
        created_at=moment,
        updated_at=moment,
        started_at=moment,
        completed_at=moment,
        summary=Summary(successful_records=10),
    )
