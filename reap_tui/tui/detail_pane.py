"""The pane beside (or below) the table: the selected batch's or import's detail, its title,
and a hint when it is taller than the pane. Offered new content every second, it draws only
when what it would show has changed, and starts from its top when another row is selected."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.containers import VerticalScroll

from reap_tui.engine.state import BatchState
from reap_tui.text import clean
from reap_tui.tui.beat import on_the_beat
from reap_tui.tui.detail_render import render_detail, time_texts, time_texts_change_at
from reap_tui.tui.line_body import LineBody
from reap_tui.vocabulary import Rules

BATCH_TITLE = "Selected batch"
IMPORT_TITLE = "Selected import"


def nothing_selected(query: str, watching: bool) -> str:
    """Why no batch is shown: the filter (`query`) matches none, none is watched, or none is
    selected."""
    if query and watching:
        shown = clean(query, limit=40)
        return f"The filter “{shown}” matches no batch.\n\nPress / then escape to clear it."
    if not watching:
        return "No batch is watched here.\n\nPress a to watch a batch by its id."
    return "No batch selected."


class DetailPane:
    def __init__(self) -> None:
        # Held, not queried: the one-second tick may come while the screen is torn down.
        self.body = LineBody(id="detail-body")
        self.container = VerticalScroll(id="detail")
        # What the pane last drew for a batch: (state, utc, show_raw), its time texts, and
        # when they may next read differently.
        self._shown: tuple[object, ...] | None = None
        self._texts: tuple[str, ...] = ()
        self._changes_at = 0.0
        self._row: str | None = None  # the row (batch or import) the pane shows

    def forget(self) -> None:
        """Draw at the next offer even if nothing changed (the width or a setting did)."""
        self._shown = None

    def show_batch(
        self, state: BatchState, *, now: float, utc: bool, show_raw: bool, rules: Rules
    ) -> None:
        self.set_title(BATCH_TITLE)
        shown = (state, utc, show_raw)
        same = self._shown is not None and all(
            a is b or a == b for a, b in zip(shown, self._shown, strict=True)
        )
        if same and now < self._changes_at:
            return  # none of its times can read differently yet
        texts = time_texts(state, now, rules)
        self._changes_at = on_the_beat(time_texts_change_at(state, now, rules))
        if same and texts == self._texts:
            return  # the same state, settings and times: the detail would render the same
        self._from_top_for(state.batch_id)
        self._shown, self._texts = shown, texts
        self.body.show(render_detail(state, now=now, utc=utc, show_raw=show_raw, rules=rules))
        self._hint_more()

    def show_import(self, key: str, pane: RenderableType) -> None:
        """An import's pane, drawn at each tick (its ETA and times move); the body repaints
        only the lines that changed."""
        self.set_title(IMPORT_TITLE)
        self._shown = None
        self._from_top_for(key)
        self.body.show(pane)
        self._hint_more()

    def show_message(self, message: str) -> None:
        """Nothing selected, and why."""
        self.set_title(BATCH_TITLE)
        self._shown = None
        self.body.show(Text(message, style="dim"))
        self._hint_more()

    def set_title(self, title: str) -> None:
        if self.container.border_title != title:
            self.container.border_title = title

    def _from_top_for(self, row: str) -> None:
        if self._row != row:
            self._row = row
            self.container.scroll_home(animate=False)

    def _hint_more(self) -> None:
        """Say how to reach what is below the pane's fold, when there is any."""
        pane = self.container
        taller = self.body.lines > pane.scrollable_content_region.height > 0
        hint = "↓ more: tab, then pgdn" if taller else ""
        if pane.border_subtitle != hint:  # setting it repaints the whole pane, even unchanged
            pane.border_subtitle = hint
