"""The column chooser (C): show or hide each column and change their order, seen live in the
table behind it. The label stays first and is always shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from reap_tui.tui.column_choice import ColumnChoice, header_of

HELP = (
    "space: show or hide · [ and ] (or shift+↑ ↓): move up or down · r: reset · "
    "escape: done. Label is always first. Columns that do not fit the width are left out, "
    "least important first."
)


class ColumnChooser(ModalScreen[ColumnChoice]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,C,q", "done", "Done"),
        Binding("space", "toggle_shown", "Show/hide", show=False),
        Binding("left_square_bracket,shift+up", "move(-1)", "Move up", show=False),
        Binding("right_square_bracket,shift+down", "move(1)", "Move down", show=False),
        Binding("r", "reset", "Reset", show=False),
    ]

    def __init__(
        self,
        choice: ColumnChoice,
        on_change: Callable[[ColumnChoice], None],
        fitting: Callable[[ColumnChoice], frozenset[str]],
    ) -> None:
        """`on_change` hears every change (the table follows it); `fitting` says which
        columns of a choice fit the table's width now."""
        super().__init__()
        self._choice = choice
        self._on_change = on_change
        self._fitting = fitting

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog columns"):
            yield Label(Text("Columns", style="bold"))
            yield OptionList(*self._options(), id="column-list")
            yield Static(Text(HELP, style="dim"), id="column-help")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _options(self) -> list[Option]:
        fits = self._fitting(self._choice)
        options = [
            Option(Text("[x] Label  (always first)", style="dim"), id="label", disabled=True)
        ]
        for key in self._choice.order:
            shown = key not in self._choice.hidden
            text = Text(f"[{'x' if shown else ' '}] {header_of(key)}")
            if shown and key not in fits:
                text.append("  (no room at this width)", style="dim")
            elif not shown:
                text.stylize("dim")
            options.append(Option(text, id=key))
        return options

    def _selected_key(self) -> str | None:
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None:
            return None
        return options.get_option_at_index(index).id

    def _show(self, choice: ColumnChoice, keep: str | None) -> None:
        self._choice = choice
        self._on_change(choice)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())
        if keep is not None:
            options.highlighted = options.get_option_index(keep)

    def action_toggle_shown(self) -> None:
        key = self._selected_key()
        if key is not None:
            self._show(self._choice.toggled(key), key)

    def action_move(self, by: int) -> None:
        key = self._selected_key()
        if key is not None:
            self._show(self._choice.moved(key, by), key)

    def action_reset(self) -> None:
        self._show(ColumnChoice(), self._selected_key())

    def action_done(self) -> None:
        self.dismiss(self._choice)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_shown()
