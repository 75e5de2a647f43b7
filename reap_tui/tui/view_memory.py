"""What the dashboard was showing (sort, filter, selection, the imports folded and those
opened), kept in the state database's view table so a restart opens where the last run left
off.

Saved only when it changed since the last save, on the state-save timer and at quit. A saved
value of the wrong type or size (another version, a hand edit) is ignored, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reap_tui.store.statedb import StateDB

QUERY_LIMIT = 200
COLLAPSED_LIMIT = 10_000


@dataclass(frozen=True)
class View:
    sort: str = "attention"
    reverse: bool = False
    query: str = ""
    selected: str | None = None
    collapsed: tuple[str, ...] = ()
    """Names of the imports folded..."""
    opened: tuple[str, ...] = ()
    """...and of those opened (an import in neither is folded if it does not fit)."""

    def values(self) -> dict[str, Any]:
        return {
            "sort": self.sort,
            "reverse": self.reverse,
            "query": self.query,
            "selected": self.selected,
            "collapsed": list(self.collapsed),
            "opened": list(self.opened),
        }


def view_of(values: dict[str, Any]) -> View:
    """The view saved in `values`; each value that is not as written is left at its default."""
    default = View()
    sort = values.get("sort")
    reverse = values.get("reverse")
    query = values.get("query")
    selected = values.get("selected")
    return View(
        sort=sort if isinstance(sort, str) and len(sort) <= 40 else default.sort,
        reverse=reverse if isinstance(reverse, bool) else default.reverse,
        query=query if isinstance(query, str) and len(query) <= QUERY_LIMIT else default.query,
        selected=selected if isinstance(selected, str) and len(selected) <= 100 else None,
        collapsed=_names(values.get("collapsed")),
        opened=_names(values.get("opened")),
    )


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > COLLAPSED_LIMIT:
        return ()
    return tuple(item for item in value if isinstance(item, str))


class ViewMemory:
    def __init__(self, db: StateDB) -> None:
        self._db = db
        self._saved: View | None = None

    def read(self) -> View:
        self._saved = view_of(self._db.get_view())
        return self._saved

    def save(self, view: View) -> None:
        if view != self._saved and self._db.set_view(view.values()):
            self._saved = view
