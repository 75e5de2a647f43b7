"""A call made a moment after it is first asked for: once for many asks, none after stop, and
its failure handed on rather than lost in the event loop."""

from __future__ import annotations

import asyncio

from reap_tui.tui.soon import SoonCall

DELAY = 0.05


async def test_many_asks_make_one_call_after_the_delay() -> None:
    calls: list[int] = []
    soon = SoonCall(lambda: calls.append(1), DELAY, on_error=lambda error: None)
    soon.start()
    for _ in range(100):
        soon.ask()
    await asyncio.sleep(0)
    assert calls == []  # not at once: the changes of the moment go together
    await asyncio.sleep(DELAY * 3)
    assert len(calls) == 1
    soon.ask()  # asked again after its call: called again
    await asyncio.sleep(DELAY * 3)
    assert len(calls) == 2


async def test_nothing_is_called_before_start_or_after_stop() -> None:
    calls: list[int] = []
    soon = SoonCall(lambda: calls.append(1), DELAY, on_error=lambda error: None)
    soon.ask()
    soon.start()
    soon.ask()
    soon.stop()
    soon.ask()
    await asyncio.sleep(DELAY * 3)
    assert calls == []


async def test_a_failing_call_is_handed_on() -> None:
    failures: list[Exception] = []

    def broken() -> None:
        raise ValueError("drawn wrong")

    soon = SoonCall(broken, DELAY, on_error=failures.append)
    soon.start()
    soon.ask()
    await asyncio.sleep(DELAY * 3)
    assert [str(error) for error in failures] == ["drawn wrong"]
