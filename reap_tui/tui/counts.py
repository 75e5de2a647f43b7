"""Counts of batches by what they show, for the header and the terminal title."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from reap_tui import format as fmt
from reap_tui.engine.state import BatchState
from reap_tui.tui.ordering import ATTENTION

Group = tuple[str, str, fmt.Tone]  # symbol, words, tone


def _group(state: BatchState) -> Group:
    symbol, words, tone = fmt.status_label(state)
    if symbol == "▲":
        return symbol, "with failures", tone
    if symbol == "?":
        return symbol, "unknown status", tone
    return symbol, words, tone


def count_groups(states: Iterable[BatchState]) -> list[tuple[Group, int]]:
    """Non-empty groups, what needs attention first."""
    counts = Counter(_group(state) for state in states)
    return sorted(counts.items(), key=lambda item: (ATTENTION[item[0][2]], item[0][1]))


def terminal_title(groups: list[tuple[Group, int]], environment: str) -> str:
    """Plain words: a background tmux window or a taskbar shows progress without colour."""
    parts = [f"{number} {words}" for (_, words, _), number in groups]
    return f"reap-tui {environment}: " + (", ".join(parts) if parts else "no batches")
