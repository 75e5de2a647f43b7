"""The core runs without Textual: DESIGN.md's layering, checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "reap_tui.api.client",
        "reap_tui.api.http",
        "reap_tui.api.durations",
        "reap_tui.engine.packed",
        "reap_tui.gcpause",
        "reap_tui.engine.cadence",
        "reap_tui.engine.engine",
        "reap_tui.engine.import_book",
        "reap_tui.engine.limiter",
        "reap_tui.engine.poller",
        "reap_tui.engine.recording",
        "reap_tui.engine.state",
        "reap_tui.engine.imports",
        "reap_tui.engine.import_curves",
        "reap_tui.import_report",
        "reap_tui.import_watch",
        "reap_tui.commands.import_commands",
        "reap_tui.format",
        "reap_tui.report",
        "reap_tui.engine.snapshots",
        "reap_tui.engine.saved_states",
        "reap_tui.store.statedb",
        "reap_tui.store.statedb_file",
        "reap_tui.engine.json_reader",
        "reap_tui.engine.following",
        "reap_tui.engine.sharing",
        "reap_tui.store.lease",
        "reap_tui.store.requests_box",
        "reap_tui.store.outside_edits",
        "reap_tui.store.watchlist_files",
        "reap_tui.stopping",
        "reap_tui.commands.list_batches",
        "reap_tui.headless",
        "reap_tui.sandbox",
        "reap_tui.store",
        "reap_tui.config",
        "reap_tui.batchfile",
        "reap_tui.batchreport",
        "reap_tui.chunking",
        "reap_tui.uploading",
        "reap_tui.import_plan",
        "reap_tui.import_uploading",
        "reap_tui.commands.upload_import",
        "reap_tui.commands.upload_resume",
        "reap_tui.files",
        "reap_tui.labels",
        "reap_tui.redaction",
        "reap_tui.coredumps",
        "reap_tui.commands.status",
        "reap_tui.commands.watch",
        "reap_tui.cli",
        "reap_tui.vocabulary",
        "reap_tui.measures",
        "reap_tui.error_items",
        "reap_tui.ui_state",
    ],
)
def test_core_modules_load_no_textual(module: str) -> None:
    probe = (
        f"import sys, {module}; print(sorted(m for m in sys.modules if m.startswith('textual')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def loaded_by(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after `statement`."""
    probe = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def under(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_the_command_line_loads_no_client_screen_or_sandbox() -> None:
    """Every sub-command is registered, none of their heavy modules is loaded: `validate` or
    `add` pays for neither httpx nor Textual."""
    loaded = loaded_by("import reap_tui.cli; reap_tui.cli.build_parser()")
    assert under(loaded, "httpx", "textual", "reap_tui.sandbox", "reap_tui.api.client") == []


def test_the_dashboard_draws_without_httpx_the_sandbox_the_upload_screen_or_the_palette() -> None:
    """What the dashboard loads before its first screen: a client that has sent nothing has not
    imported httpx; the sandbox is for --demo; the upload screen and the palette's provider
    load when first opened."""
    loaded = loaded_by(
        "import reap_tui.cli, reap_tui.commands.dashboard; "
        "from reap_tui.api.client import ReapClient; from reap_tui.clock import SystemClock; "
        "ReapClient('http://127.0.0.1:9', 'sk-x', clock=SystemClock())"
    )
    assert "reap_tui.tui.app" in loaded
    assert (
        under(
            loaded,
            "httpx",
            "reap_tui.sandbox",
            "reap_tui.tui.upload_screen",
            "reap_tui.tui.palette",
        )
        == []
    )
