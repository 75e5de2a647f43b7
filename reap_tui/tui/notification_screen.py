"""Every notification of this session, newest first, on a screen of its own (`n`): what the
toasts said, including those merged into one and those not shown again while on screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from reap_tui import format as fmt
from reap_tui.text import clean
from reap_tui.tui.notifications import LogEntry

_MARKS = {"information": ("·", "green"), "warning": ("▲", "yellow"), "error": ("✗", "red")}


def log_text(entries: Sequence[LogEntry], *, utc: bool) -> Text:
    if not entries:
        return Text("Nothing to tell yet: batch and import events will be listed here.", "dim")
    text = Text()
    for entry in reversed(entries):
        notice = entry.notice
        mark, style = _MARKS[notice.severity]
        if text:
            text.append("\n")
        text.append(fmt.clock_time(entry.at, utc=utc), style="dim")
        text.append(f" {mark} ", style=f"bold {style}")
        if notice.title:
            text.append(clean(notice.title, limit=60), style="bold")
            text.append("  ")
        text.append(clean(notice.message, keep_newlines=True))
    return text


class NotificationLogScreen(ModalScreen[None]):
    """Over the whole dashboard; only its own keys work while it is open."""

    DEFAULT_CSS = """
    NotificationLogScreen #log-title { width: 100%; height: 1; padding: 0 1; background: $panel; }
    NotificationLogScreen #log { width: 100%; height: 1fr; padding: 0 1; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n,q", "close", "Back"),
    ]

    def __init__(self, entries: Sequence[LogEntry], *, utc: bool) -> None:
        super().__init__()
        self._entries = list(entries)
        self._utc = utc

    def compose(self) -> ComposeResult:
        count = len(self._entries)
        title = Text(f"Notifications ({count}), newest first", style="bold")
        yield Static(title, id="log-title")
        with VerticalScroll(id="log"):
            yield Static(log_text(self._entries, utc=self._utc))
        yield Footer(compact=True, show_command_palette=False)

    def action_close(self) -> None:
        self.dismiss(None)
