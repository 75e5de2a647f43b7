"""Layouts for the detail pane that never break a value that cannot be broken.

A batch id, a time or a count cut over two lines is misread, and a value that wraps on and off
as its text ticks makes everything below it jump. So each field says whether its value may wrap
(prose: a label, a message, advice) or not (an id, a time, a number). A value that may not wrap
and does not fit beside its label goes whole onto the next line; one wider than the pane is cut
with an ellipsis. Values that change with the time are padded to a fixed width (`slot`), so
where a line breaks never depends on the second it is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

LABEL_STYLE = "bold"
LABEL_LIMIT = 12
GAP = 1
INDENT = 2  # a value moved under its label


def slot(text: str, width: int) -> str:
    """`text` padded to `width`: a value that changes with the time keeps its width."""
    return text.ljust(width)


@dataclass(frozen=True)
class Field:
    label: str
    value: Text
    breakable: bool = False
    label_style: str = LABEL_STYLE


def field(label: str, value: str | Text, style: str = "", *, breakable: bool = False) -> Field:
    shown = value if isinstance(value, Text) else Text(value, style=style)
    return Field(label, shown, breakable)


def _line(*parts: Text | str | tuple[str, str]) -> Text:
    """One line of the pane: never wrapped by Rich, cut with an ellipsis if too wide."""
    return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


class FieldList:
    """Labelled values, one field after another, labels in a column of their own."""

    def __init__(self, fields: Iterable[Field]) -> None:
        self.fields: Sequence[Field] = tuple(fields)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(options.max_width, 20), options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        label_width = min(LABEL_LIMIT, max((len(f.label) for f in self.fields), default=0))
        value_width = width - label_width - GAP
        for each in self.fields:
            label = (each.label.ljust(label_width), each.label_style)
            if each.breakable and value_width >= 10:
                lines = each.value.wrap(console, value_width)
                for index, part in enumerate(lines):
                    head = label if index == 0 else " " * label_width
                    yield _line(head, " " * GAP, part)
            elif each.value.cell_len <= value_width:
                yield _line(label, " " * GAP, each.value)
            else:
                yield _line((each.label, each.label_style))
                if each.breakable:
                    for part in each.value.wrap(console, max(1, width - INDENT)):
                        yield _line(" " * INDENT, part)
                else:
                    yield _line(" " * INDENT, each.value)


class Title:
    """The batch's label and its state: on one line when both fit, else the label (which may
    wrap) and, under it, the state whole."""

    def __init__(self, label: Text, state: Text) -> None:
        self.label = label
        self.state = state

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(options.max_width, 20), options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        if self.label.cell_len + 2 + self.state.cell_len <= width:
            yield _line(self.label, "  ", self.state)
            return
        for part in self.label.wrap(console, width):
            yield _line(part)
        yield _line(self.state)
