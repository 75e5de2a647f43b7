"""What a dashboard is started with: its settings (`DashboardConfig`) and how it makes its
engine (`EngineFactory`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reap_tui.api.client import ReapClient
from reap_tui.engine.engine import Engine
from reap_tui.engine.state import BatchState
from reap_tui.tui.header import NO_KEY
from reap_tui.vocabulary import Rules

EngineFactory = Callable[[Callable[[BatchState], None]], Engine]


@dataclass(frozen=True)
class DashboardConfig:
    environment: str  # "sandbox" | "production" | "staging" | "custom" | "demo"
    key_state: str = NO_KEY  # the key's masked form, or NO_KEY: never the key
    theme: str = "textual-dark"
    utc: bool = False
    bell: bool = False
    rules: Rules = field(default_factory=Rules)
    """The thresholds in force (stalls, polling window, failure colours, imports)."""
    columns: tuple[str, ...] | None = None  # the table's columns after the label; None: all
    hidden_columns: tuple[str, ...] = ()
    ui_state_path: Path | None = None  # where the column chooser saves; None: not saved
    ui_state_problem: str = ""  # why ui-state.toml could not be read (told on start)
    # Makes the client of another environment (with no key); None: the client's defaults.
    client_factory: Callable[[str], ReapClient] | None = None
