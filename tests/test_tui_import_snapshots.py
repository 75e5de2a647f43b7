"""The look of imports, as SVG snapshots at a fixed clock: an import's row open and folded, with
its pane (bar, batches by state, rate sparkline, ETA, failed, chunks), and a stalled import's
pane with what to do, at 120x36 and 80x24."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from reap_tui.tui.app import DashboardConfig

from .import_support import import_app

SIZES = [(120, 36), (80, 24)]
SIZE_IDS = [f"{width}x{height}" for width, height in SIZES]
CONFIG = DashboardConfig(environment="sandbox", key_state="••••1234", utc=True)


def then(*keys: str, select: str | None = None) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause(0.4)
        if select is not None:
            pilot.app.table.select(select)  # type: ignore[attr-defined]
        await pilot.press(*keys)
        await pilot.pause(0.4)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_an_import_open(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """Open: its batches under it (at 80x24 it starts folded: → opens it)."""
    app, _ = import_app(tmp_path, config=CONFIG)
    keys = ("right",) if size == (80, 24) else ()
    assert snap_compare(app, terminal_size=size, run_before=then(*keys))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_an_import_folded(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """Folded: one row that reads like a batch's (at 120x36 it starts open: ← folds it)."""
    app, _ = import_app(tmp_path, config=CONFIG)
    keys = ("left",) if size == (120, 36) else ()
    assert snap_compare(app, terminal_size=size, run_before=then(*keys))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_stalled_imports_pane(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app, _ = import_app(tmp_path, config=CONFIG)
    assert snap_compare(app, terminal_size=size, run_before=then(select="import:April"))
