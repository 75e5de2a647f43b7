"""The header's third line, shown only when there is something to say: that another dashboard
makes the checks, and that saving keeps failing (one marker, for as long as it lasts, instead
of a notice at every attempt)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from reap_tui import format as fmt
from reap_tui.engine.sharing import Role
from reap_tui.store.lease import SILENT_AFTER, Holder
from reap_tui.text import clean


@dataclass(frozen=True)
class SaveTrouble:
    """What cannot be saved right now; each is None while it can."""

    states: str | None = None  # the state database
    list_unreadable: str | None = None  # the watch list's file, changed outside
    list_write: str | None = None  # the last change to the watch list

    def __bool__(self) -> bool:
        return bool(self.states or self.list_unreadable or self.list_write)


def sharing_words(role: Role, holder: Holder | None, now: float) -> Text | None:
    if role is Role.TAKING:
        return Text("waiting for reap-tui watch to stop checking this list", style="yellow")
    if role is not Role.FOLLOWER:
        return None
    if holder is None:
        return Text("following another dashboard: checks are made there", style="cyan")
    where = "" if holder.here else f" on {clean(holder.host, limit=40)}"
    line = Text(f"following pid {holder.pid}{where}: checks are made there", style="cyan")
    silent = now - holder.heartbeat
    if silent > SILENT_AFTER:
        line.append(f" (silent for {fmt.duration(silent)})", style="bold yellow")
    return line


def trouble_words(trouble: SaveTrouble) -> Text | None:
    if not trouble:
        return None
    if trouble.list_unreadable:
        what = "watch list unreadable: nothing is written to it (O to overwrite)"
    elif trouble.list_write:
        what = "the last change to the watch list was not saved"
    else:
        what = "last known states not saved (see the notice)"
    return Text(f"⚠ {what}", style="bold red")


def with_line(text: Text, *parts: Text | None) -> Text:
    """`text` with one more line holding the given parts (unchanged if there are none)."""
    shown = [part for part in parts if part is not None]
    if not shown:
        return text
    return Text("\n").join([text, Text(" · ").join(shown)])
