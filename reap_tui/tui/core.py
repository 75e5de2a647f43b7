"""The dashboard's core: what it holds, how engine states reach the screen, and how it draws.

Changes arrive through `_on_state`, possibly thousands a second; they are only recorded here.
On the beat (`beat.Beat`: every five seconds) the tick applies whatever is pending and keeps
the relative times, countdowns and the header current, in one frame. A batch that moved to
another state, or the one under the cursor, does not wait for it: its change asks for a flush
`FLUSH_INTERVAL` later (`soon.SoonCall`, once for however many ask; at rest nothing runs between
ticks), and the header's counts follow at the next tick. Routine progress of the others waits
for the beat: a wake and a frame of their own for each check would cost more than all the rest
of the second. The states that changed are written to the state database every
`STATE_SAVE_INTERVAL` seconds and at shutdown. `actions.py` turns keys into engine calls on top
of this; `app.py` is the app itself: layout, start-up and shutdown. No polling logic and no
HTTP here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from reap_tui import gcpause
from reap_tui.api.client import ReapClient
from reap_tui.clock import Clock
from reap_tui.engine.cadence import CadenceConfig
from reap_tui.engine.engine import Engine
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.saved_states import SavedStates
from reap_tui.engine.state import BatchState
from reap_tui.gcpause import long_lived
from reap_tui.store import WatchList, WatchListError
from reap_tui.text import clean
from reap_tui.tui import counts, header, notices
from reap_tui.tui.batch_rows import BatchRows
from reap_tui.tui.beat import Beat
from reap_tui.tui.column_choice import ColumnChoice
from reap_tui.tui.dashboard_config import DashboardConfig, EngineFactory
from reap_tui.tui.detail_pane import IMPORT_TITLE, DetailPane, nothing_selected
from reap_tui.tui.import_pane import render_import_pane
from reap_tui.tui.import_rows import ImportRows, name_of_key
from reap_tui.tui.input_driver import QuietLinuxDriver
from reap_tui.tui.notifications import Notifier
from reap_tui.tui.ordering import SORT_CYCLE, SortOrder
from reap_tui.tui.soon import SoonCall
from reap_tui.tui.toasting import ToastingApp
from reap_tui.tui.totals import ShownSummary
from reap_tui.tui.view_memory import View, ViewMemory

FLUSH_INTERVAL = 0.25  # seconds from a change to the screen showing it, at most
TICK_INTERVAL = 1.0
STATE_SAVE_INTERVAL = 3.0
STATE_SAVE_ROWS = 500  # at most per timed save, so one pauses the screen briefly; at quit: all
WIDE_FROM = 180  # columns from which the detail pane sits beside the table (dashboard.tcss)

T = TypeVar("T")


class DashboardCore(ToastingApp):
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
        self._engine: Engine | None = None  # made once the saved states are on screen
        self._to_watch: list[WatchTarget] = []  # what it watches from the start
        self._watchlist = watchlist
        self._config = config
        self._environment = config.environment  # shown now: `e` switches it
        self._key_state = config.key_state
        # Per base URL: the client of each environment shown so far, and its key's state. Only
        # the environment started with has the key in force; others get one only by `k`.
        self._clients: dict[str, ReapClient] = {client.base_url: client}
        self._key_states: dict[str, str] = {client.base_url: config.key_state}
        self._utc = config.utc
        self._show_raw = False
        self._sort: SortOrder = SORT_CYCLE[0]
        self._reverse = False
        self._rules = config.rules
        self._states: dict[str, BatchState] = {}
        self._counts = counts.StatusCounts(config.rules)
        self._dirty: set[str] = set()
        self._beat = Beat(clock)
        self._counts_moved = False  # since the header was drawn
        self._changes_due = SoonCall(self._apply_changes, FLUSH_INTERVAL, self._handle_exception)
        self._applied = 0  # flushes that applied changes: when `_summary` must count again
        self._summary = ShownSummary()
        self._saved_states: SavedStates | None = None
        self._pending_notices: list[notices.Notice] = []
        self._notifier = Notifier()
        self._refresh_timers: list[Timer] = []
        self._shut_down = False
        self._terminal_title = ""
        self.save_error = ""  # why the states could not be saved at shutdown, told after exit
        # Held, not queried: the timers may fire while the screen is being torn down.
        self._banner = header.DashboardHeader(id="header")
        self._imports = ImportRows(self._states, clock, config.rules)
        self._imports.utc = config.utc
        self._rows = BatchRows(
            self._states,
            clock,
            rules=config.rules,
            imports=self._imports,
            wide_from=WIDE_FROM,
            id="batches",
        )
        self.table = self._rows.table
        self._view_memory: ViewMemory | None = None
        self._column_choice = ColumnChoice.from_settings(config.columns, config.hidden_columns)
        self.table.set_columns(self._column_choice.columns())
        self._elsewhere = Static(id="elsewhere")  # batches of other environments, if any
        self._detail = DetailPane()
        self.theme = config.theme

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

    @property
    def engine(self) -> Engine:
        """The engine, started now if a key press needs it before the first screen is up."""
        if self._engine is None:
            self._start_engine()
        assert self._engine is not None, "no engine once shutdown has begun"
        return self._engine

    def _start_engine(self) -> None:
        """Start checking the batches restored at mount: called once they are on screen (or
        when a key needs the engine sooner), never once shutdown has begun."""
        if self._shut_down:
            return
        first = self._engine is None
        if self._engine is None:
            self._engine = self._engine_factory(self._on_state)
        targets, self._to_watch = self._to_watch, []
        for target in targets:
            self._engine.watch(target)
        self._engine_started()
        if first:
            gcpause.started()
        if not targets:
            return
        self._pending_notices.clear()  # restoring the list is not news
        # What the engine decided at once ("needs key" without one), in the order it makes: the
        # rows are sorted once more, as they were when the engine started before the screen.
        self._apply_changes()
        self._arrange()
        self._render_header()

    def _engine_started(self) -> None:
        """The engine watches the environment shown (`outside.OutsideEvents` takes its part
        among the programs on the watch list here, before any check is sent)."""

    # -- state from the engine ----------------------------------------------------------------

    def _on_state(self, state: BatchState) -> None:
        before = self._states.get(state.batch_id)
        self._states[state.batch_id] = state
        moved = self._counts.update(state)
        self._counts_moved = self._counts_moved or moved
        self._dirty.add(state.batch_id)
        if moved or state.batch_id == self.table.cursor_key:
            self._changes_due.ask()
        in_import = self._imports.member_of(state.batch_id)
        self._pending_notices.extend(notices.notices_for(before, state, in_import=in_import))
        if notices.is_new_auth_failure(before, state):
            self._pending_notices.append(notices.auth_notice(state))

    def _apply_changes(self) -> None:
        """Apply every change recorded since the last flush, in one batch update."""
        self._announce()
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        self._applied += 1
        with self.batch_update():
            # The header (counts, requests) follows at the tick: redrawn at every flush it would
            # be a frame of its own four times a second.
            self._rows.apply_changes(dirty)
            selected = self.table.cursor_key
            if selected is None or selected in dirty or selected in self._imports.keys_of(dirty):
                self._render_detail()
        self._remember(dirty)

    def _start_timers(self) -> None:
        """At mount: the tick, the state saves, and flushes asked for from here on."""
        self._changes_due.start()
        self._refresh_timers += [
            self.set_interval(TICK_INTERVAL, self._on_second),
            self.set_interval(self.state_save_interval, self._save_states),
        ]

    def _stop_timers(self) -> None:
        self._changes_due.stop()
        for timer in self._refresh_timers:
            timer.stop()

    def _on_second(self) -> None:
        on_beat = self._beat.tick()
        if on_beat:
            self._apply_changes()
        self._tick(on_beat)

    def _tick(self, on_beat: bool) -> None:
        told = self._imports.notices()  # an import's news comes with time (a stall)
        if told:
            self._pending_notices.extend(told)
            self._announce()
        with self.batch_update():
            self._rows.tick(on_beat)
            if on_beat or self._counts_moved:
                self._render_header()
            self._render_detail()

    def _announce(self) -> None:
        """Tell what happened: every notice to the log, toasts merged per kind and second."""
        now = self._clock.now()
        self._notifier.add(self._pending_notices, now)
        self._pending_notices.clear()
        toasts = self._notifier.due(now)
        for toast in toasts:
            self._toast(toast)
        if toasts and self._config.bell:
            self.bell()
        if self._notifier.waiting:
            self._changes_due.ask()  # news held back (merged per second, or no room): told soon

    @property
    def cadence(self) -> CadenceConfig:
        """The cadence in force (the engine's)."""
        engine = self._engine
        return engine.cadence if engine is not None else CadenceConfig()

    def _remember(self, batch_ids: set[str]) -> None:
        """Note changed (or removed) batches; `_save_states` writes them on its timer."""
        if self._saved_states is not None:
            self._saved_states.changed(batch_ids)

    def _save_states(self) -> None:
        if self._saved_states is not None:
            self._saved_states.save(self._states, limit=STATE_SAVE_ROWS)
            self._save_view()
            self._tell_state_problem()

    def current_view(self) -> View:
        collapsed, opened = self._imports.folding()
        return View(
            sort=self._sort.name,
            reverse=self._reverse,
            query=self._rows.query,
            selected=self.table.cursor_key,
            collapsed=tuple(collapsed),
            opened=tuple(opened),
        )

    def _save_view(self) -> None:
        """The sort, filter, selection and folded or opened imports, when they changed."""
        if self._view_memory is not None:
            self._view_memory.save(self.current_view())

    def _tell_state_problem(self) -> None:
        problem = self._saved_states.take_problem() if self._saved_states else None
        if problem:
            self.notify(problem, title="Last known states", severity="warning", timeout=30)

    def _restore_environment(self) -> None:
        """Show every watched batch of the environment shown as last saved, and keep them for
        the engine to watch (`_start_engine`); nothing is sent here. The batches of other
        environments stay in the list, unwatched. Each batch of an import is watched with its
        place in it (the cadence inside an import)."""
        base_url = self._client.base_url
        self._imports.set_imports(self._watchlist.imports, base_url)
        with long_lived():
            saved = SavedStates.open(self._watchlist, self._clock, base_url)
            self._saved_states = saved
            self._view_memory = ViewMemory(saved.db)
            for entry in self._watchlist.entries:
                if entry.base_url != base_url:
                    continue
                state = saved.initial_state(entry)
                self._states[entry.batch_id] = state
                self._counts.update(state)
                self._to_watch.append(
                    WatchTarget(
                        batch_id=entry.batch_id,
                        client=self._client,
                        label=entry.label,
                        uploaded_at=entry.uploaded_at,
                        initial=state,
                        in_import=self._imports.membership(entry.batch_id),
                    )
                )

    # -- rendering -----------------------------------------------------------------------------

    def _render_header(self) -> None:
        self._counts_moved = False
        groups, totals = self._summary.of(
            self._applied,
            self._rows.shown_batches,
            filtered=bool(self._rows.query),
            states=self._states,
            counts=self._counts,
            rules=self._rules,
        )
        health = self._engine.health if self._engine is not None else None
        self._banner.show(
            self._marked(
                header.header_text(
                    environment=self._environment,
                    key_state=self._key_state,
                    groups=groups,
                    health=health,
                    now=self._clock.now(),
                    width=max(20, self.size.width - 2),
                    totals=totals,
                )
            )
        )
        self._set_terminal_title(counts.terminal_title(groups, self._environment))

    def _marked(self, text: Text) -> Text:
        """The header with anything else to say (`outside.OutsideEvents` adds a line)."""
        return text

    def _set_terminal_title(self, title: str) -> None:
        if title == self._terminal_title:
            return
        self._terminal_title = title
        if isinstance(self._driver, QuietLinuxDriver):  # not headless, nor TEXTUAL_DRIVER's
            self._driver.set_title(title)

    def _render_detail(self) -> None:
        selected = self.table.cursor_key
        name = name_of_key(selected)
        if name is not None:
            self._render_import(name)
            return
        state = self._states.get(selected) if selected else None
        if state is None:
            self._detail.show_message(nothing_selected(self._rows.query, bool(self._states)))
            return
        self._detail.show_batch(
            state, now=self._clock.now(), utc=self._utc, show_raw=self._show_raw, rules=self._rules
        )

    def _render_import(self, name: str) -> None:
        imported = self._imports.imported(name)
        if imported is None:
            self._detail.set_title(IMPORT_TITLE)
            return
        members = [self._states[b] for b in self._imports.batch_ids(name)]
        pane = render_import_pane(
            imported,
            self._imports.numbers(name),
            members,
            rules=self._rules,
            cadence=self.cadence,
            now=self._clock.now(),
            utc=self._utc,
        )
        self._detail.show_import(self.table.cursor_key or name, pane)

    def _arrange(self) -> None:
        self._rows.show(self._sort, reverse=self._reverse)

    def _update_sort_title(self) -> None:
        self._counts_moved = True  # the header counts what is shown: it follows at the tick
        direction = " (reversed)" if self._reverse else ""
        query = clean(self._rows.query, limit=40)
        count = len(self._rows.shown_batches)
        shown = f" · filter “{query}”: {count} shown" if query else ""
        # Content, not a str: a str title is parsed as markup, and the query is typed text.
        self.table.border_title = Content(
            f"Batches ({len(self._states)}) · sort: {self._sort.name}{direction}{shown}"
        )
