"""A thousand batches updating: the table changes in place, the reader's place does not move."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from pathlib import Path

from reap_tui.api.models import BatchStatus, BatchStatusValue, Summary
from reap_tui.clock import FakeClock
from reap_tui.engine.state import BatchState, Phase

from .conftest import START
from .tui_support import stub_app, wait_for

COUNT = 1000


def running(index: int, processed: int) -> BatchState:
    batch_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"load-{index}"))
    moment = datetime.fromtimestamp(START - 600, tz=UTC)
    return BatchState(
        batch_id=batch_id,
        label=f"Load batch {index:04d}",
        phase=Phase.POLLING,
        status=BatchStatus(
            batch_id=batch_id,
            status=BatchStatusValue.from_wire("in_progress"),
            total_records=5000,
            processed_records=processed,
            failed_records=0,
            created_at=moment,
            updated_at=moment,
            started_at=moment,
            completed_at=None,
            summary=Summary(successful_records=processed),
        ),
        next_check_at=START + 30,
    )


async def test_updates_to_a_thousand_batches_keep_the_cursor_and_scroll(tmp_path: Path) -> None:
    clock = FakeClock(START, auto_advance=False)
    states = [running(index, 100) for index in range(COUNT)]
    app, engines = stub_app(states, tmp_path / "w.toml", clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.table.row_count == COUNT)
        table = app.table
        table.move_cursor(500)
        await pilot.pause()
        selected, row, scroll = table.cursor_key, table.cursor_row, table.scroll_offset
        assert scroll.y > 0

        engine = engines[0]
        for round_ in range(1, 6):
            for index, state in enumerate(states):
                failed = 3 if index % 7 == 0 and round_ == 5 else 0
                status = dataclasses.replace(
                    state.status,  # type: ignore[arg-type]
                    processed_records=100 + round_ * 50 + index % 13,
                    failed_records=failed,
                )
                engine.publish(dataclasses.replace(state, status=status))
            await pilot.pause(0.05)
        last = states[-1].batch_id
        expected = f"{100 + 5 * 50 + (COUNT - 1) % 13}/5,000"
        await wait_for(pilot, lambda: table.cell_text(last, "done") == expected)

        assert table.cursor_key == selected
        assert table.cursor_row == row
        assert table.scroll_offset == scroll
        assert table.row_count == COUNT
        assert table.cell_text(states[0].batch_id, "failed") == "3"
