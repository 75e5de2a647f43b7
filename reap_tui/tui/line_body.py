"""Content drawn line by line: an update redraws only the lines that changed.

The header and the detail pane are offered new content every second (counts, relative times,
countdowns). Rendered once per change into lines, compared with the lines on screen, it costs
one render and a repaint of the changed lines (usually one); a layout pass, which re-arranges
and repaints the whole screen, happens only when the number of lines changes. (A `Static`
re-renders all its lines through Textual's content pipeline at every change: for the header,
~0.8 ms a frame.)
"""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class LineBody(Widget):
    DEFAULT_CSS = """
    LineBody { height: auto; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._renderable: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._width = -1

    @property
    def content(self) -> RenderableType:
        """What the pane shows (to print it elsewhere at another width)."""
        return self._renderable

    @property
    def lines(self) -> int:
        """How many lines the content takes at the pane's width (-1 before it has one)."""
        return len(self._lines) if self._width >= 0 else -1

    def show(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        if self._width < 0:
            self.refresh(layout=True)
            return
        before = self._lines
        self._lines = self._render_at(self._width)
        if len(before) != len(self._lines):
            self.refresh(layout=True)
            return
        for y, (old, new) in enumerate(zip(before, self._lines, strict=True)):
            if old != new:
                self.refresh(Region(0, y, self._width, 1))

    def _render_at(self, width: int) -> list[Strip]:
        console = self.app.console
        if isinstance(self._renderable, Text):
            unwrapped = unwrapped_lines(self._renderable, console, width)
            if unwrapped is not None:
                return unwrapped
        options = console.options.update(width=width, height=None, highlight=False)
        lines = console.render_lines(self._renderable, options, pad=True)
        return [Strip(Segment.simplify(line), width) for line in lines]

    def _lines_for(self, width: int) -> list[Strip]:
        if width != self._width:
            self._width = width
            self._lines = self._render_at(width)
        return self._lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines_for(width))

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        lines = self._lines_for(width)
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        return lines[y].apply_style(self.rich_style)


def unwrapped_lines(text: Text, console: Console, width: int) -> list[Strip] | None:
    """The lines of a text of which none is wider than `width`, drawn as Rich would but without
    its wrapping pass (which is half the cost: the header is offered anew every second); None
    for any other text."""
    plain = text.plain
    if not plain or plain.endswith("\n") or "\t" in plain:
        return None
    if text.justify not in (None, "default", "left"):
        return None
    lines = text.split("\n", allow_blank=True)
    if any(line.cell_len > width for line in lines):
        return None
    strips = []
    for line in lines:
        # As Rich joins wrapped lines: the line's own style becomes a span (`render` draws
        # spans only).
        segments = list(Text().append_text(line).render(console))
        if line.cell_len < width:
            segments.append(Segment(" " * (width - line.cell_len)))
        strips.append(Strip(Segment.simplify(segments), width))
    return strips
