"""The command palette: every dashboard action, and a jump to any batch by label or id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from reap_tui import format as fmt
from reap_tui.api.ids import short_id
from reap_tui.engine.state import BatchState
from reap_tui.text import clean


@dataclass(frozen=True)
class PaletteAction:
    name: str
    help: str
    run: Callable[[], object]


class PaletteHost(Protocol):
    def palette_actions(self) -> list[PaletteAction]: ...

    def palette_batches(self) -> list[BatchState]: ...

    def select_batch(self, batch_id: str) -> None: ...


def _highlighted(matcher: Matcher, candidate: str) -> Content:
    """Like `Matcher.highlight`, but the candidate is plain text, never markup."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def batch_entry(state: BatchState) -> tuple[str, str]:
    """(what is matched and shown, help): the help holds only the program's own words."""
    label = clean(state.label, limit=60)
    shown = f"Go to {label} ({short_id(state.batch_id)})" if label else f"Go to {state.batch_id}"
    symbol, words, _ = fmt.status_label(state)
    status = "unknown status" if symbol == "?" else words
    return f"{shown} {state.batch_id}" if label else shown, f"{symbol} {status}"


class DashboardCommands(Provider):
    def _host(self) -> PaletteHost:
        host = self.app
        assert hasattr(host, "palette_actions")
        return host  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for action in self._host().palette_actions():
            yield DiscoveryHit(action.name, action.run, help=action.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        host = self._host()
        for action in host.palette_actions():
            score = matcher.match(action.name)
            if score > 0:
                yield Hit(score, _highlighted(matcher, action.name), action.run, help=action.help)
        for state in host.palette_batches():
            text, help_text = batch_entry(state)
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    _highlighted(matcher, text),
                    partial(host.select_batch, state.batch_id),
                    text=text,
                    help=help_text,
                )
