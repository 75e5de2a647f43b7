"""What reaches the dashboard from outside its own keys: a stop signal or its terminal going away
(`stopping`), other programs on its watch list (another dashboard holding the lease, see
`engine.sharing`; `reap-tui add/remove/import` and hand edits of the file, see
`store.outside_edits`), and saves that keep failing (a marker in the header while they do).

`start_outside()` is called at the end of start-up, once every batch is watched; a one-second
timer does the rest. The engine, the store and the lease do the work; this is their Textual side.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual.drivers.linux_driver import LinuxDriver

from reap_tui.engine.poller import WatchTarget
from reap_tui.engine.sharing import Role, Sharing, Takeover
from reap_tui.engine.state import BatchState
from reap_tui.exitcodes import ExitCode
from reap_tui.stopping import exit_code_for_signal
from reap_tui.store import Entry, WatchListError
from reap_tui.store.outside_edits import ListChanges, ListWatcher, Unreadable
from reap_tui.tui import outside_header
from reap_tui.tui.input_driver import QuietLinuxDriver
from reap_tui.tui.stopping import HangupWatch, StopSignals
from reap_tui.tui.unreadable_screen import UnreadableListScreen
from reap_tui.tui.view_actions import ViewActions

if TYPE_CHECKING:
    from textual.driver import Driver

    from reap_tui.tui.palette import PaletteAction

T = TypeVar("T")


class OutsideEvents(ViewActions):
    stopped_with: int | None = None  # the exit code a signal or the terminal's end asked for
    _sharing: Sharing | None = None
    _list_watcher: ListWatcher | None = None
    _stop_signals: StopSignals | None = None
    _hangup: HangupWatch | None = None
    _list_write_problem: str | None = None
    _trouble_shown = False

    # -- running and stopping -------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        # Textual's own Linux driver, however chosen, with the quiet key reader.
        return QuietLinuxDriver if driver is LinuxDriver else driver

    def run_stoppable(self) -> int | None:
        """Run the app; the exit code a stop signal or a hang-up asked for, if one did."""
        with StopSignals() as signals:
            self._stop_signals = signals
            self.run()
        return self.stopped_with

    def start_outside(self) -> None:
        """At mount: stop signals, the terminal's end, and the watch list's file as loaded (the
        other programs on it once the engine has started, after the first frame)."""
        if not self.is_headless:
            if self._stop_signals is not None:
                self._stop_signals.attach(asyncio.get_running_loop(), self._stop_for_signal)
            self._hangup = HangupWatch(
                sys.__stdin__.fileno() if sys.__stdin__ else 0,
                lambda: self.call_from_thread(self._stop_for, ExitCode.HANGUP),
                ExitCode.HANGUP,
            )
            self._hangup.start()
        self._list_watcher = ListWatcher(self._watchlist)

    def _on_second(self) -> None:
        super()._on_second()
        self._look_outside()  # on the tick's wake: a timer of its own would wake once more

    def _engine_started(self) -> None:
        """The engine watches the environment shown, nothing sent yet: take this dashboard's
        part among the programs on the watch list for that environment (again after `e`)."""
        base_url = self._client.base_url
        if self._sharing is not None:
            if self._sharing.base_url == base_url:
                return
            self._sharing.release()  # the environment left: its follower takes over
        sharing = Sharing(
            self._watchlist.path, base_url, self.engine, on_notice=self._told_by_sharing
        )
        role = sharing.start()
        self._sharing = sharing
        if self._saved_states is not None:
            self._saved_states.following = role in (Role.FOLLOWER, Role.TAKING)
        if sharing.problem:
            self.notify(sharing.problem, title="Watch list lease", severity="warning", timeout=30)
        if role is Role.FOLLOWER:
            holder = sharing.holder
            who = f"pid {holder.pid}" if holder else "Another dashboard"
            self.notify(
                f"{who} makes the checks of this watch list: this dashboard shows what it "
                "saves, and asks it for the checks you ask for. It takes over if that one ends.",
                title="Following",
            )
        self._render_header()

    def _stop_for_signal(self, signum: int) -> None:
        self._stop_for(exit_code_for_signal(signum))

    def _stop_for(self, code: int) -> None:
        if self.stopped_with is not None:
            return
        self.stopped_with = code
        self.call_later(self.action_quit)

    def end_outside(self) -> None:
        """At shutdown, after the last save: let go of the lease (a follower takes over at
        once) and of the terminal's watch."""
        if self._sharing is not None:
            self._sharing.release()
            self._sharing = None
        if self._hangup is not None:
            self._hangup.saved.set()
            if self.stopped_with is None:
                self._hangup.stop()

    # -- the world, once a second --------------------------------------------------------------

    def _look_outside(self) -> None:
        if self._shut_down:
            return
        if self._sharing is not None:
            takeover = self._sharing.poll()
            if takeover is not None:
                self._took_over(takeover)
        if self._list_watcher is not None:
            found = self._list_watcher.poll()
            if isinstance(found, Unreadable):
                self._list_unreadable(found.problem)
            elif found is not None:
                self._list_changed(found)
        self._note_trouble()

    def _took_over(self, takeover: Takeover) -> None:
        if self._saved_states is not None:
            self._saved_states.following = False
        before = takeover.after
        if takeover.after_watch:
            message = (
                "reap-tui watch has stopped checking this list: this dashboard makes the checks."
            )
        elif before is None:
            message = "The dashboard that made the checks has quit: this one makes them now."
        else:
            message = (
                f"pid {before.pid}, which made the checks, ended without letting go: this "
                "dashboard makes them now, the first ones no sooner than the cadence allows "
                "(a check it made may not have been saved)."
            )
        self.notify(message, title="Checks made here now")
        self._render_header()

    def _told_by_sharing(self, message: str) -> None:
        self.notify(message, title="Another dashboard makes the checks", severity="warning")

    def _marked(self, text: Text) -> Text:
        sharing = self._sharing
        role = sharing.role if sharing else Role.ALONE
        holder = sharing.holder if sharing else None
        return outside_header.with_line(
            text,
            outside_header.sharing_words(role, holder, self._clock.now()),
            outside_header.trouble_words(self._save_trouble()),
        )

    # -- the watch list changed outside --------------------------------------------------------

    def _list_changed(self, changes: ListChanges) -> None:
        base_url = self._client.base_url
        added = [
            entry
            for entry in changes.added
            if entry.base_url == base_url and entry.batch_id not in self._states
        ]
        for entry in added:
            self.engine.watch(self._target_for(entry))
        removed = [batch_id for batch_id in changes.removed if batch_id in self._states]
        for batch_id in removed:
            self.engine.unwatch(batch_id)
            self._states.pop(batch_id, None)
            self._counts.remove(batch_id)
            self._dirty.add(batch_id)
        for entry in changes.relabelled:
            if entry.batch_id in self._states:
                self.engine.set_label(entry.batch_id, entry.label)
        for entry in changes.regrouped:
            state = self._states.get(entry.batch_id)
            if state is not None:  # its import changed: watched again, from where it was
                self.engine.unwatch(entry.batch_id)
                self.engine.watch(self._target_for(entry, state))
        self._apply_changes()
        self._render_detail()
        self._update_sort_title()
        if changes.readable_again:
            self.notify("The watch list can be read again: changes are saved to it as before.")
        if added or removed:
            self.notify(_change_words(len(added), len(removed)), title="Watch list changed")

    def _target_for(self, entry: Entry, initial: BatchState | None = None) -> WatchTarget:
        """How a batch of the watch list is watched (start-up builds the same)."""
        return WatchTarget(
            entry.batch_id,
            self._client,
            label=entry.label,
            uploaded_at=entry.uploaded_at,
            initial=initial,
        )

    def _list_unreadable(self, problem: str) -> None:
        self.notify(
            f"{problem}\nThe list shown is kept, and nothing is written to the file until it can "
            "be read again: fix it, or press O to write the list shown over it (the unreadable "
            "file is kept beside it).",
            title="The watch list cannot be read",
            severity="error",
            timeout=60,
        )

    def action_overwrite_list(self) -> None:
        watcher = self._list_watcher
        if watcher is None or watcher.problem is None:
            self.notify("The watch list can be read: there is nothing to overwrite.")
            return
        screen = UnreadableListScreen(str(self._watchlist.path), watcher.problem)
        self.push_screen(screen, self._unreadable_answered)

    def _unreadable_answered(self, overwrite: bool | None) -> None:
        if overwrite:
            self._overwrite_unreadable()

    def _overwrite_unreadable(self) -> None:
        watcher = self._list_watcher
        if watcher is None or watcher.problem is None:
            self.notify("The watch list can be read: there is nothing to overwrite.")
            return
        outcome = self._saved_to_watchlist(self._watchlist.overwrite_unreadable)
        if outcome is None:
            return  # told by _saved_to_watchlist
        written, moved_to = outcome
        if not written:
            self.notify("The watch list can be read again: it was not overwritten.")
            return
        watcher.written()
        where = f" The unreadable file was kept as {moved_to}." if moved_to else ""
        self.notify(f"The list shown was written to {self._watchlist.path}.{where}")
        self._note_trouble()

    def _saved_to_watchlist(self, change: Callable[[], T]) -> T | None:
        """As the core's, remembering whether the last change could be saved (the marker)."""
        problem: list[str] = []

        def noting() -> T:
            try:
                return change()
            except (WatchListError, OSError) as error:
                problem.append(str(error))
                raise

        result = super()._saved_to_watchlist(noting)
        self._list_write_problem = problem[0] if problem else None
        return result

    def palette_actions(self) -> list[PaletteAction]:
        from reap_tui.tui.palette import PaletteAction

        actions = super().palette_actions()
        if self._list_watcher is not None and self._list_watcher.problem is not None:
            actions.append(
                PaletteAction(
                    "Overwrite the unreadable watch list with the list shown",
                    "O: the unreadable file is kept beside it",
                    self.action_overwrite_list,
                )
            )
        return actions

    # -- saves that keep failing ---------------------------------------------------------------

    def _save_trouble(self) -> outside_header.SaveTrouble:
        saved = self._saved_states
        watcher = self._list_watcher
        return outside_header.SaveTrouble(
            states=saved.db.trouble if saved is not None and not saved.following else None,
            list_unreadable=watcher.problem if watcher is not None else None,
            list_write=self._list_write_problem,
        )

    def _tell_state_problem(self) -> None:
        super()._tell_state_problem()
        # At the save itself: the header's marker (drawn from the save's outcome at any tick)
        # and "Saving works again" change together, not a look at the outside later.
        self._note_trouble()

    def _note_trouble(self) -> None:
        """A notice when saving works again after the marker was shown."""
        trouble = bool(self._save_trouble())
        if self._trouble_shown and not trouble:
            self.notify("Saving works again.", title="Saved")
        if trouble != self._trouble_shown:
            self._render_header()
        self._trouble_shown = trouble


def _change_words(added: int, removed: int) -> str:
    parts = []
    if added:
        parts.append(f"{added} batch{'es' if added != 1 else ''} added")
    if removed:
        parts.append(f"{removed} removed")
    return " and ".join(parts) + " by another program or by hand."
