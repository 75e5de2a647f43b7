"""What the dashboard's keys do: each action turns a key press into an engine or watch-list call
and says what happened. The state they act on and the drawing are `core.DashboardCore`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.widgets import Input

from reap_tui.apikey import ApiKey
from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.state import BatchState
from reap_tui.store import Entry
from reap_tui.tui import notices
from reap_tui.tui.core import DashboardCore
from reap_tui.tui.filterbox import FilterBox
from reap_tui.tui.import_rows import import_key, name_of_key
from reap_tui.tui.notification_screen import NotificationLogScreen
from reap_tui.tui.ordering import next_sort
from reap_tui.tui.screens import AddBatchScreen, AddRequest, ApiKeyScreen, ConfirmScreen, HelpScreen

if TYPE_CHECKING:
    from reap_tui.tui.palette import PaletteAction


class BatchActions(DashboardCore):
    def _selected(self) -> BatchState | None:
        selected = self.table.cursor_key
        state = self._states.get(selected) if selected else None
        if state is None and name_of_key(selected) is not None:
            self.notify("An import's row is selected: → shows its batches, to pick one.")
        elif state is None:
            self.notify("No batch selected.", severity="warning")
        return state

    def _selected_import(self) -> tuple[str, list[str]] | None:
        """The import whose row is selected, and its batches shown (all, unless filtered)."""
        name = name_of_key(self.table.cursor_key)
        if name is None:
            return None
        return name, list(self._imports.shown_members(name))

    def fold_import(self, key: str, folded: bool | None) -> None:
        """Fold (True), open (False) or toggle (None) the import of the row `key`: the import's
        own row, or one of its batches (← there folds it and selects its row)."""
        name = name_of_key(key)
        if name is None:
            name = self._imports.member_of(key)
            if name is None or folded is not True:
                return
        if folded is None:
            folded = not self._imports.collapsed(name)
        self._rows.fold(name, folded)
        if folded:
            self.table.select(import_key(name))

    def action_add(self) -> None:
        self.push_screen(AddBatchScreen(self._states.__contains__), self._add)

    def _add(self, request: AddRequest | None) -> None:
        if request is None:
            return
        result = self._saved_to_watchlist(
            lambda: self._watchlist.add(
                request.batch_id,
                environment=self._environment,
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
        # An upload of a split file adds to an import: its place in it is the watch list's (and
        # the list's imports may have changed since they were read: the rows follow).
        if self._imports.set_imports(self._watchlist.imports, self._client.base_url):
            self._arrange()
        self.engine.watch(
            WatchTarget(
                batch_id,
                self._client,
                label=label,
                uploaded_at=uploaded_at,
                in_import=self._imports.membership(batch_id),
            )
        )
        self._apply_changes()
        name = self._imports.member_of(batch_id)
        if name is not None:
            self._rows.fold(name, False)  # a new batch of a folded import: shown
        self.table.select(batch_id)
        self._update_sort_title()
        self.notify(f"Watching {notices.name_of(self._states[batch_id])}.")

    def action_upload(self) -> None:
        from reap_tui.tui.upload_screen import UploadScreen, UploadTarget  # on first use

        target = UploadTarget(
            self._client, self._watchlist, self._environment, self._clock, self._uploaded
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
        if self._selected_import() is not None:
            self.action_check_all()
            return
        state = self._selected()
        if state is not None:
            self.engine.check_now(state.batch_id)
            self.notify(f"Checking {notices.name_of(state)} now.")

    def action_check_all(self) -> None:
        """Every batch; with an import's row selected, the import's batches."""
        chosen = self._selected_import()
        if chosen is None:
            self.engine.check_all()
            self.notify(f"Checking all {len(self._states)} batches now.")
            return
        name, batch_ids = chosen
        for batch_id in batch_ids:
            self.engine.check_now(batch_id)
        self.notify(f"Checking the {len(batch_ids)} batches of the import '{name}' now.")

    def _toggle_import_pause(self, name: str, batch_ids: list[str]) -> None:
        """Pause every batch of the import still checked; if none is, resume them all."""
        states = [self._states[b] for b in batch_ids if b in self._states]
        running = [s.batch_id for s in states if not s.phase.is_final]
        if running:
            for batch_id in running:
                self.engine.pause(batch_id)
            self.notify(f"Paused {len(running)} batches of the import '{name}'.")
            return
        stopped = [s.batch_id for s in states if s.phase.is_final and not s.phase.is_done]
        for batch_id in stopped:
            self.engine.resume(batch_id)
        if stopped:
            self.notify(f"Resumed {len(stopped)} batches of the import '{name}'.")
        else:
            self.notify(f"Every batch of the import '{name}' has finished: nothing to pause.")

    def action_toggle_pause(self) -> None:
        chosen = self._selected_import()
        if chosen is not None:
            self._toggle_import_pause(*chosen)
            return
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

    def action_clear_filter(self) -> None:
        """Escape on the table: clear a filter left in place (after enter in the box)."""
        box = self.query_one("#filter", FilterBox)
        if box.value or box.has_class("-shown"):
            box.action_clear_filter()

    def action_cycle_sort(self) -> None:
        self._sort = next_sort(self._sort)
        self._reverse = False
        self._arrange()
        self._update_sort_title()

    def action_copy_id(self) -> None:
        state = self._selected()
        if state is not None:
            # OSC 52: the terminal decides whether to take it, and says nothing either way.
            self.copy_to_clipboard(state.batch_id)
            self.notify(
                f"{state.batch_id}\nSent to the terminal's clipboard (OSC 52); some terminals "
                "ignore it. The id is also in the pane, to select by hand.",
                title="Batch id",
                timeout=10,
            )

    def action_toggle_utc(self) -> None:
        self._utc = not self._utc
        self._imports.utc = self._utc
        self._render_detail()
        self.notify("Times in UTC." if self._utc else "Times in the local zone.")

    def action_toggle_raw(self) -> None:
        state = self._selected()
        if state is None:
            return
        if state.failure is None and not self._show_raw:
            self.notify(
                f"{notices.name_of(state)}: its last check had no error, so there is no raw "
                "body to show."
            )
            return
        if state.failure is not None and not state.failure.body_excerpt and not self._show_raw:
            self.notify(f"{notices.name_of(state)}: the last error came with an empty body.")
        self._show_raw = not self._show_raw
        self._render_detail()

    def action_enter_key(self) -> None:
        def entered(secret: ApiKey | None) -> None:
            if not secret:
                return
            self.engine.set_api_key(self._client, secret)
            self._key_state = f"{secret.masked} (this session)"
            self._key_states[self._client.base_url] = self._key_state
            self._render_header()
            self.notify("Key set for this session; stopped checks resume.")

        self.push_screen(ApiKeyScreen(), entered)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._rules))

    def action_notifications(self) -> None:
        self.push_screen(NotificationLogScreen(self._notifier.entries, utc=self._utc))

    def select_batch(self, batch_id: str) -> None:
        name = self._imports.member_of(batch_id)
        if name is not None:
            self._rows.fold(name, False)
        if not self.table.select(batch_id) and batch_id in self._states:
            self.query_one("#filter", Input).value = ""
            self._rows.query = ""
            self._arrange()
            self.table.select(batch_id)
        self.table.focus()

    def palette_actions(self) -> list[PaletteAction]:
        from reap_tui.tui.palette import PaletteAction

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
            PaletteAction("Notification log", "n: every notification", self.action_notifications),
            PaletteAction("Help", "?", self.action_help),
        ]

    def palette_batches(self) -> list[BatchState]:
        return list(self._states.values())
