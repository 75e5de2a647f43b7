"""The filter line under the table: shown by `/`, filters as you type, escape clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBox(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear_filter", "Clear filter")]

    class Cleared(Message):
        """The user cleared the filter and left the box."""

    def action_clear_filter(self) -> None:
        self.value = ""
        self.remove_class("-shown")
        self.post_message(self.Cleared())
