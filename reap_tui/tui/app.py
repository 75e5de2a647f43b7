"""The dashboard: renders the engine's `BatchState`s and turns key presses into engine calls.

Changes arrive through `on_state`, possibly thousands a second; they are only recorded here
and applied together a few times a second (`FLUSH_INTERVAL`). One one-second timer keeps the
relative times and countdowns current. The states that changed are written to the state
database every `STATE_SAVE_INTERVAL` seconds and at shutdown. No polling logic and no HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, VerticalScroll
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Footer, Input

from reap_tui.api.client import ReapClient
from reap_tui.apikey import ApiKey
from reap_tui.clock import Clock
from reap_tui.engine.engine import Engine
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.saved_states import SavedStates
from reap_tui.engine.state import BatchState
from reap_tui.store import Entry, WatchList, WatchListError
from reap_tui.text import clean
from reap_tui.tui import counts, header, notices
from reap_tui.tui.batch_rows import BatchRows
from reap_tui.tui.batch_table import BatchTable
from reap_tui.tui.detail_body import DetailBody
from reap_tui.tui.detail_render import render_detail, time_texts
from reap_tui.tui.filterbox import FilterBox
from reap_tui.tui.header import NO_KEY
from reap_tui.tui.ordering import COLUMN_ORDERS, SORT_CYCLE, SortOrder, next_sort
from reap_tui.tui.palette import DashboardCommands, PaletteAction
from reap_tui.tui.screens import AddBatchScreen, AddRequest, ApiKeyScreen, ConfirmScreen, HelpScreen
from reap_tui.tui.upload_screen import UploadScreen, UploadTarget

FLUSH_INTERVAL = 0.25
TICK_INTERVAL = 1.0
STATE_SAVE_INTERVAL = 3.0
STATE_SAVE_ROWS = 500  # at most per timed save, so one pauses the screen briefly; at quit: all

EngineFactory = Callable[[Callable[[BatchState], None]], Engine]
T = TypeVar("T")


@dataclass(frozen=True)
class DashboardConfig:
    environment: str  # "sandbox" | "production" | "staging" | "custom" | "demo"
    key_state: str = NO_KEY  # the key's masked form, or NO_KEY: never the key
    theme: str = "textual-dark"
    utc: bool = False
    bell: bool = False


class DashboardApp(App[None]):
    TITLE = "reap-tui"
    CSS_PATH = "dashboard.tcss"
    # The detail pane beside the table only where the table keeps the columns it has at 120
    # columns (with the pane below): from 170 the table is still 120 wide.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (170, "-wide")]  # noqa: RUF012
    COMMANDS = App.COMMANDS | {DashboardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add"),
        Binding("u", "upload", "Upload"),
        Binding("d", "remove", "Remove"),
        Binding("r", "check_now", "Check"),
        Binding("R", "check_all", "Check all", show=False),
        Binding("space", "toggle_pause", "Pause"),
        Binding("P", "toggle_pause_all", "Pause all", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("t", "toggle_utc", "Local/UTC", show=False),
        Binding("b", "toggle_raw", "Raw body", show=False),
        Binding("k", "enter_key", "Key", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    state_save_interval = STATE_SAVE_INTERVAL  # seconds; set before the app runs to change it

    def __init__(
        self,
        *,
        clock: Clock,
        client: ReapClient,
        engine_factory: EngineFactory,
        watchlist: WatchList,
        config: DashboardConfig,
    ) -> None:
        """The app owns `client` from here on: it is closed when the app shuts down."""
        super().__init__()
        self._clock = clock
        self._client = client
        self._engine_factory = engine_factory
        self._engine: Engine | None = None
        self._watchlist = watchlist
        self._config = config
        self._key_state = config.key_state
        self._utc = config.utc
        self._show_raw = False
        self._sort: SortOrder = SORT_CYCLE[0]
        self._reverse = False
        self._states: dict[str, BatchState] = {}
        self._counts = counts.StatusCounts()
        # What the detail pane last rendered: (state, utc, show_raw, its time texts).
        self._detail_shown: tuple[object, ...] | None = None
        self._dirty: set[str] = set()
        self._saved_states: SavedStates | None = None
        self._pending_notices: list[notices.Notice] = []
        self._refresh_timers: list[Timer] = []
        self._shut_down = False
        self._terminal_title = ""
        self.save_error = ""  # why the states could not be saved at shutdown, told after exit
        # Held, not queried: the timers may fire while the screen is being torn down.
        self._banner = header.DashboardHeader(id="header")
        self._rows = BatchRows(self._states, clock, id="batches")
        self.table = self._rows.table
        self._detail_body = DetailBody(id="detail-body")
        self.theme = config.theme

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry labels and server text: plain text, never markup, unless asked."""
        super().notify(
            message if markup else clean(message, keep_newlines=True),
            title=clean(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _saved_to_watchlist(self, change: Callable[[], T]) -> T | None:
        """Run a watch-list write and return its result; if it fails, say so on screen, keep
        running, and return None."""
        try:
            return change()
        except (WatchListError, OSError) as error:
            self.notify(
                f"{error}",
                title="The watch list could not be saved",
                severity="error",
                timeout=60,
            )
            return None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._banner
        with Container(id="body"):
            yield self.table
            with VerticalScroll(id="detail"):
                yield self._detail_body
        yield FilterBox(placeholder="filter: label, id or status (escape clears)", id="filter")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "the engine starts when the app mounts"
        return self._engine

    def on_mount(self) -> None:
        self._engine = self._engine_factory(self._on_state)
        saved = SavedStates.open(self._watchlist, self._clock, self._client.base_url)
        self._saved_states = saved
        skipped = 0
        for entry in self._watchlist.entries:
            if entry.base_url != self._client.base_url:
                skipped += 1
                continue
            self.engine.watch(
                WatchTarget(
                    batch_id=entry.batch_id,
                    client=self._client,
                    label=entry.label,
                    uploaded_at=entry.uploaded_at,
                    initial=saved.initial_state(entry),
                )
            )
        self._pending_notices.clear()  # restoring the list is not news
        self._arrange()
        self._render_header()
        self._render_detail()
        self._update_sort_title()
        self.query_one("#detail").border_title = "Selected batch"
        self.table.focus()
        self._refresh_timers = [
            self.set_interval(FLUSH_INTERVAL, self._apply_changes),
            self.set_interval(TICK_INTERVAL, self._tick),
            self.set_interval(self.state_save_interval, self._save_states),
        ]
        self._tell_state_problem()
        if skipped:
            self.notify(
                f"{skipped} watched batches belong to another environment and are not shown.",
                title="Other environments",
            )
        if self._key_state == NO_KEY:
            self.notify("No API key: press k to enter one for this session.", severity="warning")

    # -- state from the engine ----------------------------------------------------------------

    def _on_state(self, state: BatchState) -> None:
        before = self._states.get(state.batch_id)
        self._states[state.batch_id] = state
        self._counts.update(state)
        self._dirty.add(state.batch_id)
        self._pending_notices.extend(notices.notices_for(before, state))
        if notices.is_new_auth_failure(before, state):
            sent = state.failure is None or state.failure.http_status is not None
            self._pending_notices.append(
                notices.Notice(
                    "API key refused" if sent else "No API key",
                    "Checks are stopped. Press k to enter a key, or set REAP_API_KEY."
                    if sent
                    else "Nothing is sent without one. Press k to enter a key, or set "
                    "REAP_API_KEY.",
                    "error",
                )
            )

    def _apply_changes(self) -> None:
        """Apply every change recorded since the last flush, in one batch update."""
        self._announce()
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        with self.batch_update():
            # The header (counts, requests) follows on the one-second tick: redrawn at every
            # flush it would be a frame of its own four times a second.
            self._rows.apply_changes(dirty)
            if self.table.cursor_key in dirty or self.table.cursor_key is None:
                self._render_detail()
        self._remember(dirty)

    def _tick(self) -> None:
        with self.batch_update():
            self._rows.tick()
            self._render_header()
            self._render_detail()

    def _announce(self) -> None:
        seen: set[notices.Notice] = set()
        for notice in self._pending_notices:
            if notice in seen:
                continue
            seen.add(notice)
            self.notify(notice.message, title=notice.title, severity=notice.severity)
        if seen and self._config.bell:
            self.bell()
        self._pending_notices.clear()

    def _remember(self, batch_ids: set[str]) -> None:
        """Note changed (or removed) batches; `_save_states` writes them on its timer."""
        if self._saved_states is not None:
            self._saved_states.changed(batch_ids)

    def _save_states(self) -> None:
        if self._saved_states is not None:
            self._saved_states.save(self._states, limit=STATE_SAVE_ROWS)
            self._tell_state_problem()

    def _tell_state_problem(self) -> None:
        problem = self._saved_states.take_problem() if self._saved_states else None
        if problem:
            self.notify(problem, title="Last known states", severity="warning", timeout=30)

    # -- rendering -----------------------------------------------------------------------------

    def _render_header(self) -> None:
        groups = self._counts.groups()
        health = self._engine.health if self._engine is not None else None
        self._banner.show(
            header.header_text(
                environment=self._config.environment,
                key_state=self._key_state,
                groups=groups,
                health=health,
                now=self._clock.now(),
                width=max(20, self.size.width - 2),
            )
        )
        self._set_terminal_title(counts.terminal_title(groups, self._config.environment))

    def _set_terminal_title(self, title: str) -> None:
        if title == self._terminal_title:
            return
        self._terminal_title = title
        if self._driver is not None:
            self._driver.write(f"\x1b]2;{title}\x07")

    def _render_detail(self) -> None:
        body = self._detail_body
        selected = self.table.cursor_key
        state = self._states.get(selected) if selected else None
        if state is None:
            self._detail_shown = None
            body.show(
                Text("No batch selected.\n\nPress a to watch a batch by its id.", style="dim")
            )
            return
        now = self._clock.now()
        shown = (state, self._utc, self._show_raw, time_texts(state, now))
        if self._detail_shown is not None and all(
            a is b or a == b for a, b in zip(shown, self._detail_shown, strict=True)
        ):
            return  # the same state, settings and times: the detail would render the same
        self._detail_shown = shown
        body.show(render_detail(state, now=now, utc=self._utc, show_raw=self._show_raw))

    def _arrange(self) -> None:
        self._rows.show(self._sort, reverse=self._reverse)

    def _update_sort_title(self) -> None:
        direction = " (reversed)" if self._reverse else ""
        query = clean(self._rows.query, limit=40)
        shown = f" · filter “{query}”: {self.table.row_count} shown" if query else ""
        # Content, not a str: a str title is parsed as markup, and the query is typed text.
        self.table.border_title = Content(
            f"Batches ({len(self._states)}) · sort: {self._sort.name}{direction}{shown}"
        )

    def on_resize(self) -> None:
        self._render_header()

    @on(BatchTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._render_detail()

    @on(BatchTable.HeaderSelected)
    def _header_selected(self, event: BatchTable.HeaderSelected) -> None:
        order = COLUMN_ORDERS.get(event.column)
        if order is None:
            return
        self._reverse = not self._reverse if order.name == self._sort.name else False
        self._sort = order
        self._arrange()
        self._update_sort_title()

    # -- actions -------------------------------------------------------------------------------

    def _selected(self) -> BatchState | None:
        selected = self.table.cursor_key
        state = self._states.get(selected) if selected else None
        if state is None:
            self.notify("No batch selected.", severity="warning")
        return state

    def action_add(self) -> None:
        self.push_screen(AddBatchScreen(self._states.__contains__), self._add)

    def _add(self, request: AddRequest | None) -> None:
        if request is None:
            return
        result = self._saved_to_watchlist(
            lambda: self._watchlist.add(
                request.batch_id,
                environment=self._config.environment,
                base_url=self._client.base_url,
                label=request.label,
            )
        )
        if result is None:
            return
        entry = result.entry
        if entry.base_url != self._client.base_url:
            # Saved under another environment (hidden here): its key and its snapshot are that
            # environment's, so this dashboard must not check it or overwrite them.
            self.notify(
                f"{entry.batch_id} is already watched under {entry.environment} "
                f"({entry.base_url}). Open reap-tui on that environment to follow it.",
                title="Watched in another environment",
                severity="warning",
                timeout=30,
            )
            return
        self._show_new_batch(entry.batch_id, entry.label)

    def _show_new_batch(self, batch_id: str, label: str, uploaded_at: float | None = None) -> None:
        self.engine.watch(WatchTarget(batch_id, self._client, label=label, uploaded_at=uploaded_at))
        self._apply_changes()
        self.table.select(batch_id)
        self._update_sort_title()
        self.notify(f"Watching {notices.name_of(self._states[batch_id])}.")

    def action_upload(self) -> None:
        target = UploadTarget(
            self._client, self._watchlist, self._config.environment, self._clock, self._uploaded
        )
        self.push_screen(UploadScreen(target, Path.cwd()))

    def _uploaded(self, entry: Entry) -> None:
        """An upload (or one chunk of a split upload) put the batch in the watch list: watch it."""
        self._show_new_batch(entry.batch_id, entry.label, entry.uploaded_at)

    def action_remove(self) -> None:
        state = self._selected()
        if state is None:
            return
        question = Text("Stop watching ", style="bold")
        question.append(notices.name_of(state))
        question.append(f"\n{state.batch_id}?", style="")
        question.append("\nThe batch itself is not affected.", style="dim")

        def answered(remove: bool | None) -> None:
            if remove:
                self._remove(state.batch_id)

        self.push_screen(ConfirmScreen(question), answered)

    def _remove(self, batch_id: str) -> None:
        if self._saved_to_watchlist(lambda: self._watchlist.remove(batch_id)) is None:
            return
        self.engine.unwatch(batch_id)
        state = self._states.pop(batch_id, None)
        self._counts.remove(batch_id)
        self._dirty.add(batch_id)
        self._apply_changes()
        self._render_detail()
        self._update_sort_title()
        if state is not None:
            self.notify(f"Stopped watching {notices.name_of(state)}.")

    def action_check_now(self) -> None:
        state = self._selected()
        if state is not None:
            self.engine.check_now(state.batch_id)
            self.notify(f"Checking {notices.name_of(state)} now.")

    def action_check_all(self) -> None:
        self.engine.check_all()
        self.notify(f"Checking all {len(self._states)} batches now.")

    def action_toggle_pause(self) -> None:
        state = self._selected()
        if state is None:
            return
        name = notices.name_of(state)
        if state.phase.is_done:
            self.notify(f"{name} has finished: there is nothing to pause.")
        elif state.phase.is_final:
            self.engine.resume(state.batch_id)
            self.notify(f"Resumed {name}.")
        else:
            self.engine.pause(state.batch_id)
            self.notify(f"Paused {name}.")

    def action_toggle_pause_all(self) -> None:
        if any(not state.phase.is_final for state in self._states.values()):
            self.engine.pause_all()
            self.notify("Paused every batch.")
        else:
            self.engine.resume_all()
            self.notify("Resumed every paused batch.")

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._rows.query = event.value
        self._arrange()
        self._update_sort_title()
        self._render_detail()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value:
            box.remove_class("-shown")
        self.table.focus()

    @on(FilterBox.Cleared)
    def _filter_cleared(self) -> None:
        self.table.focus()

    def action_cycle_sort(self) -> None:
        self._sort = next_sort(self._sort)
        self._reverse = False
        self._arrange()
        self._update_sort_title()

    def action_copy_id(self) -> None:
        state = self._selected()
        if state is not None:
            self.copy_to_clipboard(state.batch_id)
            self.notify(f"Copied {state.batch_id}", title="Batch id copied")

    def action_toggle_utc(self) -> None:
        self._utc = not self._utc
        self._render_detail()
        self.notify("Times in UTC." if self._utc else "Times in the local zone.")

    def action_toggle_raw(self) -> None:
        self._show_raw = not self._show_raw
        self._render_detail()

    def action_enter_key(self) -> None:
        def entered(secret: ApiKey | None) -> None:
            if not secret:
                return
            self.engine.set_api_key(self._client, secret)
            self._key_state = f"{secret.masked} (this session)"
            self._render_header()
            self.notify("Key set for this session; stopped checks resume.")

        self.push_screen(ApiKeyScreen(), entered)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def select_batch(self, batch_id: str) -> None:
        if not self.table.select(batch_id) and batch_id in self._states:
            self.query_one("#filter", Input).value = ""
            self._rows.query = ""
            self._arrange()
            self.table.select(batch_id)
        self.table.focus()

    def palette_actions(self) -> list[PaletteAction]:
        return [
            PaletteAction("Add a batch", "watch a batch by its id", self.action_add),
            PaletteAction("Upload a batch CSV", "u", self.action_upload),
            PaletteAction("Remove the selected batch", "asks first", self.action_remove),
            PaletteAction("Check the selected batch now", "r", self.action_check_now),
            PaletteAction("Check all batches now", "R", self.action_check_all),
            PaletteAction("Pause or resume the selected batch", "space", self.action_toggle_pause),
            PaletteAction("Pause or resume all batches", "P", self.action_toggle_pause_all),
            PaletteAction("Filter batches", "/", self.action_filter),
            PaletteAction("Next sort order", "s", self.action_cycle_sort),
            PaletteAction("Copy the selected batch id", "c", self.action_copy_id),
            PaletteAction("Toggle local time / UTC", "t", self.action_toggle_utc),
            PaletteAction("Show or hide the raw error body", "b", self.action_toggle_raw),
            PaletteAction("Enter an API key for this session", "k", self.action_enter_key),
            PaletteAction("Help", "?", self.action_help),
        ]

    def palette_batches(self) -> list[BatchState]:
        return list(self._states.values())

    # -- shutdown ------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the timers, wait for every check to end, then save what changed. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        for timer in self._refresh_timers:
            timer.stop()
        if self._engine is not None:
            await self._engine.aclose()
        await self._client.aclose()
        saved = self._saved_states
        if saved is not None:
            saved.changed(self._dirty)
            if not saved.save(self._states):
                self.save_error = saved.db.trouble or "the last known states could not be saved"
            saved.close()

    async def on_unmount(self) -> None:
        await self.shutdown()
