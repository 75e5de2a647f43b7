"""The detail pane's body: a `Static` that asks for a layout pass only when its height changes.

A layout pass re-arranges and repaints the whole screen (~20-80 ms with a large table); the
pane is offered new content every second (its relative times), which almost never changes how
many lines it takes.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.widgets import Static


class DetailBody(Static):
    _height = -1

    @property
    def lines(self) -> int:
        """How many lines the content takes at the pane's width (-1 before it has one)."""
        return self._height

    def show(self, renderable: RenderableType) -> None:
        width = self.content_region.width
        height = -1
        if width > 0:
            options = self.app.console.options.update_width(width)
            height = len(self.app.console.render_lines(renderable, options, pad=False))
        self.update(renderable, layout=height < 0 or height != self._height)
        self._height = height
