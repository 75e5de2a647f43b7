"""The environments of a watch list: which hold batches, how to say so, which comes next.

The dashboard shows one environment (base URL) at a time. The batches of the others are kept
in the watch list and said at the top of the table ("11 batches in production, not shown:
press e to switch"), so a list that looks empty is never a surprise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text

from reap_tui.store import Entry


@dataclass(frozen=True)
class Place:
    """An environment of the watch list, and how many batches it holds."""

    environment: str
    base_url: str
    count: int


def places(entries: Iterable[Entry], current: Place) -> list[Place]:
    """Every base URL of the list, in the order its first batch was added, with its count;
    `current` is among them even when it holds no batch."""
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for entry in entries:
        counts[entry.base_url] = counts.get(entry.base_url, 0) + 1
        names.setdefault(entry.base_url, entry.environment)
    counts.setdefault(current.base_url, 0)
    names.setdefault(current.base_url, current.environment)
    return [Place(names[url], url, count) for url, count in counts.items()]


def _name(place: Place, others: list[Place]) -> str:
    """The environment's name, with its URL where two places share a name (two custom hosts)."""
    twins = sum(1 for other in others if other.environment == place.environment)
    return f"{place.environment} ({place.base_url})" if twins > 1 else place.environment


def elsewhere_text(all_places: list[Place], shown: str) -> Text | None:
    """`11 batches in production, not shown: press e to switch`, or None when every batch of
    the list is in the environment shown (base URL `shown`)."""
    others = [place for place in all_places if place.count and place.base_url != shown]
    if not others:
        return None
    parts = [
        f"{place.count} batch{'es' if place.count != 1 else ''} in {_name(place, all_places)}"
        for place in others
    ]
    text = Text(", ".join(parts), style="bold")
    text.append(", not shown: press ")
    text.append("e", style="bold reverse")
    text.append(" to switch")
    return text


def next_place(all_places: list[Place], shown: str) -> Place | None:
    """The environment `e` switches to: the next one after `shown` that holds batches, round
    the list; None when there is none."""
    at = next(i for i, place in enumerate(all_places) if place.base_url == shown)
    for step in range(1, len(all_places)):
        place = all_places[(at + step) % len(all_places)]
        if place.count:
            return place
    return None
