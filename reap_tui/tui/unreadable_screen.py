"""Asked when the user chooses to write the list shown over a watch-list file that was changed
outside and can no longer be read (`O`): overwrite it, or keep it and fix it by hand."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from reap_tui.text import clean


def question(path: str, problem: str) -> Text:
    text = Text("Write the list shown over the watch list?\n\n", style="bold")
    text.append(clean(path, limit=200))
    text.append(" cannot be read: ")
    text.append(clean(problem, limit=600, keep_newlines=True))
    text.append(
        "\n\nOverwriting keeps the unreadable file beside it, renamed to …corrupt-<time>. "
        "Keeping it, nothing is written to it until it can be read again: fix it and save it, "
        "and its changes appear here.",
        style="dim",
    )
    return text


class UnreadableListScreen(ModalScreen[bool]):
    """Dismissed with True to overwrite, False to keep the file as it is."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "Keep the file"),
        Binding("y", "answer(True)", "Overwrite"),
    ]

    def __init__(self, path: str, problem: str) -> None:
        super().__init__()
        self._question = question(path, problem)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._question)
            with Horizontal(classes="buttons"):
                yield Button("Overwrite (y)", variant="warning", id="overwrite")
                yield Button("Keep the file (n)", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def action_answer(self, overwrite: bool) -> None:
        self.dismiss(overwrite)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "overwrite")
