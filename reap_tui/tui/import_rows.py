"""The dashboard's imports: one summary row above each import's batches, collapsible, reading like
a batch row (state, records done of total with a bar, failed, throughput, ETA, finish time).

The imports are the watch list's, for the host the dashboard shows. Their rows come first, each
followed (unless folded) by its batches in upload order; batches outside imports follow in the
order chosen. An import starts folded when its batches do not fit on screen beside the other
rows (the imports' rows, the batches outside imports, and the imports opened before it), so the
first screen shows every import and every other batch; this is decided once per import, the
first time it is shown, unless the saved view says how it was left (`folding`,
`restore_folding`). The numbers come from `engine.imports` (one pure function over the batches'
states), computed at most once per moment per import; the state is named by the vocabulary
(`import_condition`), and a change of it is told as a notice ("finished", "stalled", "moving
again"). The filter shows an import with all its batches when its name or its state matches,
else with those of its batches that match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rich.text import Text

from reap_tui import format as fmt
from reap_tui.clock import Clock
from reap_tui.engine.import_book import ImportMembership, memberships
from reap_tui.engine.imports import ImportNumbers, ImportState, import_numbers
from reap_tui.engine.state import BatchState
from reap_tui.import_report import finished_text, quoted, stalled_text
from reap_tui.store.imports import Import
from reap_tui.text import clean
from reap_tui.tui.cells import PROGRESS_BAR_WIDTH, TONE_STYLES, bar_text, failure_style
from reap_tui.tui.columns import Placed
from reap_tui.tui.notices import Notice, Severity
from reap_tui.tui.ordering import Query
from reap_tui.vocabulary import Rules, import_condition

KEY_PREFIX = "import:"
"""Row keys of imports; batch ids are UUIDs, so no batch's key starts with it."""
MEMBER_INDENT = "│ "  # before the label of a batch shown under its import's row

_ENDED = (ImportState.FINISHED, ImportState.FINISHED_WITH_FAILURES, ImportState.FAILED)
_SEVERITY: dict[ImportState, Severity] = {
    ImportState.FINISHED: "information",
    ImportState.FINISHED_WITH_FAILURES: "warning",
    ImportState.FAILED: "error",
}


def import_key(name: str) -> str:
    return KEY_PREFIX + name


def name_of_key(key: str | None) -> str | None:
    """The import a row key stands for, or None for a batch's key."""
    if key is None or not key.startswith(KEY_PREFIX):
        return None
    return key[len(KEY_PREFIX) :]


def rows_on_screen_estimate(width: int, height: int, wide_from: int) -> int:
    """How many rows the table shows before it is laid out, from the screen's size and the
    layout of `dashboard.tcss`: below `wide_from` columns the table has 3/5 of the body (the
    screen less the header's two lines and the footer), beside the pane from there all of it;
    less its border and header line."""
    body = height - 3
    table = body if width >= wide_from else body * 3 // 5
    return max(1, table - 3)


@dataclass
class _View:
    imported: Import
    numbers: tuple[tuple[object, ...], ImportNumbers] | None = None
    told: ImportState | None = None  # the state last seen, for notices
    members: tuple[str, ...] = field(default=())


class ImportRows:
    def __init__(self, states: Mapping[str, BatchState], clock: Clock, rules: Rules) -> None:
        """`states` is the dashboard's own mapping, read when rows are drawn."""
        self._states = states
        self._clock = clock
        self.rules = rules
        self.utc = False
        self._views: dict[str, _View] = {}
        self._member_of: dict[str, str] = {}
        self._places: dict[str, ImportMembership] = {}
        # Each import's folding once decided (by the fit, by a key, or by the saved view), by
        # name, kept across environments; those a person chose (by a key, or in the saved view)
        # are saved with the view, the fit's are decided again at the next start.
        self._folded: dict[str, bool] = {}
        self._chosen: set[str] = set()
        self._names: set[str] = set()  # every import of the watch list, of any host
        self.state_changed = False
        """An import's state changed at the last `notices` (the filter may name it)."""

    # -- which imports ---------------------------------------------------------------------

    def set_imports(self, imports: Iterable[Import], base_url: str) -> bool:
        """The watch list's imports; those of other hosts are left out. What was decided about
        an import already shown (collapsed or not, its last state) is kept. True when a batch's
        import, or its place in it, changed."""
        imports = list(imports)
        self._names = {each.name for each in imports}
        mine = [each for each in imports if each.base_url == base_url]
        views = {}
        for each in mine:
            view = self._views.get(each.name) or _View(each)
            view.imported = each
            view.numbers = None
            views[each.name] = view
        self._views = views
        places = memberships(mine, base_url)
        changed = places != self._places
        self._places = places
        self._member_of = {batch_id: place.name for batch_id, place in places.items()}
        return changed

    def membership(self, batch_id: str) -> ImportMembership | None:
        return self._places.get(batch_id)

    def member_of(self, batch_id: str) -> str | None:
        return self._member_of.get(batch_id)

    def imported(self, name: str) -> Import | None:
        view = self._views.get(name)
        return view.imported if view else None

    def batch_ids(self, name: str) -> list[str]:
        """The import's watched batches, in upload order."""
        view = self._views.get(name)
        if view is None:
            return []
        return [b for b in view.imported.batch_ids if b in self._states]

    # -- arranging rows --------------------------------------------------------------------

    def arrange(
        self, matching: Iterable[str], lone: Sequence[str], query: Query, rows_on_screen: int
    ) -> list[str]:
        """The table's row keys: each import with a watched batch to show (all of them if its
        name or state matches `query`, else those of `matching`, its batches that match), then
        its batches unless folded; then `lone`, the matching batches outside imports, in the
        order given."""
        matched = set(matching)
        groups: list[tuple[_View, list[str]]] = []
        for name, view in self._views.items():
            members = self.batch_ids(name)
            named = bool(members) and self._matches(name, query)
            shown = members if named else [b for b in members if b in matched]
            view.members = tuple(shown)
            if shown:
                groups.append((view, members))
        room = rows_on_screen - len(lone) - len(groups)
        keys: list[str] = []
        for view, members in groups:
            name = view.imported.name
            folded = self._folded.setdefault(name, len(members) > room)
            keys.append(import_key(name))
            if not folded:
                keys.extend(view.members)
                room -= len(view.members)
        return keys + list(lone)

    def _matches(self, name: str, query: Query) -> bool:
        """The import itself passes the filter: by its state's name, and the other words in its
        name or state."""
        if query.empty:
            return False
        condition = import_condition(self.numbers(name).state)
        if query.states and condition.key not in query.states:
            return False
        haystack = f"{name} {condition.name}".casefold()
        return all(word in haystack for word in query.words)

    def shown_members(self, name: str) -> tuple[str, ...]:
        """The batches the import's row stands for as last arranged (the filter's matches)."""
        view = self._views.get(name)
        return view.members if view else ()

    def shown_batches(self) -> list[str]:
        """Every import's batches as last arranged, folded ones included, imports in order."""
        return [b for view in self._views.values() for b in view.members]

    def collapsed(self, name: str) -> bool:
        return self._folded.get(name, False)

    def set_collapsed(self, name: str, collapsed: bool) -> bool:
        """A person folds or opens the import `name`; True if that changed anything."""
        if name not in self._views:
            return False
        self._chosen.add(name)
        if self._folded.get(name) == collapsed:
            return False
        self._folded[name] = collapsed
        return True

    def folding(self) -> tuple[list[str], list[str]]:
        """The imports of the watch list a person folded, and those opened (sorted): what the
        saved view keeps."""
        known = sorted(
            (name, self._folded[name])
            for name in self._chosen & self._names
            if name in self._folded
        )
        return [n for n, folded in known if folded], [n for n, folded in known if not folded]

    def restore_folding(self, collapsed: Iterable[str], opened: Iterable[str]) -> None:
        """The folding a saved view kept; an import named in neither is decided by the fit."""
        for name in opened:
            self._folded[name] = False
            self._chosen.add(name)
        for name in collapsed:
            self._folded[name] = True
            self._chosen.add(name)

    # -- numbers and notices ---------------------------------------------------------------

    def numbers(self, name: str) -> ImportNumbers:
        view = self._views[name]
        members = [self._states[b] for b in self.batch_ids(name)]
        now = self._clock.now()
        rules = self.rules.imports
        stamp: tuple[object, ...] = (now, rules, *(id(state) for state in members))
        if view.numbers is None or view.numbers[0] != stamp:
            planned = {c.batch_id: c.rows for c in view.imported.chunks if c.batch_id}
            numbers = import_numbers(members, now, rules, planned_records=planned)
            view.numbers = (stamp, numbers)
        return view.numbers[1]

    def keys_of(self, batch_ids: Iterable[str]) -> set[str]:
        """The import rows that show any of these batches."""
        return {import_key(n) for b in batch_ids if (n := self._member_of.get(b)) is not None}

    def notices(self) -> list[Notice]:
        """Imports whose state changed since the last call: finished, stalled, moving again.
        The first state seen of an import (at start-up, or new) is not news."""
        found: list[Notice] = []
        for name, view in self._views.items():
            if not self.batch_ids(name):
                continue
            numbers = self.numbers(name)
            before, view.told = view.told, numbers.state
            if before == numbers.state:
                continue
            self.state_changed = True
            if before is not None:
                found.extend(self._notice(name, before, numbers))
        return found

    def _notice(self, name: str, before: ImportState, numbers: ImportNumbers) -> list[Notice]:
        subject = f"import {quoted(name)}"
        state = numbers.state
        if state in _ENDED and before not in _ENDED:
            title = "Import finished" if state is not ImportState.FAILED else "Import failed"
            text = finished_text(name, numbers)
            return [Notice(title, text, _SEVERITY[state], "import-finished", subject)]
        if state is ImportState.STALLED:
            message = stalled_text(name, self.rules.imports) + "; select its row for what to do"
            return [Notice("Import stalled", message, "warning", "import-stalled", subject)]
        if before is ImportState.STALLED and state is ImportState.WORKING:
            message = f"{subject} is moving again"
            return [Notice("Import moving again", message, "information", "import-moving", subject)]
        return []

    # -- drawing ---------------------------------------------------------------------------

    def render(self, name: str, columns: Sequence[Placed]) -> list[Text]:
        """The import's row: one Text per shown column (a column it has nothing for is blank)."""
        if name not in self._views or not self.batch_ids(name):
            return [Text("") for _ in columns]
        numbers = self.numbers(name)
        now = self._clock.now()
        return [self._cell(placed.key, name, numbers, now) for placed in columns]

    def _cell(self, column: str, name: str, numbers: ImportNumbers, now: float) -> Text:
        condition = import_condition(numbers.state)
        ended = numbers.state in _ENDED
        if column == "label":
            arrow = "▸" if self.collapsed(name) else "▾"
            text = Text(f"{arrow} ", style="bold", no_wrap=True, end="")
            text.append(clean(name, limit=60), style="bold")
            text.append(f" · {numbers.batches} batches", style="dim")
            return text
        if column == "status":
            return _cell(condition.label, TONE_STYLES[condition.tone])
        if column == "progress":
            percent = numbers.percent_done
            if percent is None:
                return _cell(fmt.NONE, "dim")
            text = bar_text(percent / 100, PROGRESS_BAR_WIDTH, condition.tone)
            text.append(f"{percent:4.0f}%")
            return text
        if column == "done":
            done = fmt.count(numbers.processed_records)
            return _cell(f"{done}/{fmt.count(numbers.total_records)}")
        if column == "ok":
            return _cell(fmt.count(numbers.successful_records))
        if column == "failed":
            style = failure_style(numbers.failure_rate, self.rules, bold=True)
            return _cell(fmt.count(numbers.failed_records), style)
        if column == "fail_rate":
            share = numbers.failure_rate
            return _cell(fmt.percent(share, share=True), failure_style(share, self.rules))
        if column == "rate":
            if ended:
                return _cell(fmt.NONE, "dim")
            rate = fmt.rate(numbers.throughput * 60)
            return _cell(rate if numbers.throughput_measured else f"~{rate}")
        if column == "eta":
            still = ended or numbers.stalled  # nothing moves: no time left can be told
            return _cell(fmt.NONE if still else fmt.eta(numbers.eta), "dim" if still else "")
        if column == "updated":
            return _cell(fmt.ago(numbers.last_progress_at, now))
        if column == "next":
            return _cell(finish_words(numbers, utc=self.utc))
        if column == "created":
            return _cell(fmt.ago(self._views[name].imported.created_at, now))
        if column == "completed":
            return _cell(fmt.ago(numbers.finish_at, now) if ended else fmt.NONE)
        return _cell("")


def finish_words(numbers: ImportNumbers, *, utc: bool) -> str:
    """`ends ~14:32` (predicted), `ended 14:05`, or a dash when it cannot be told."""
    if numbers.finish_at is None or numbers.stalled:
        return fmt.NONE
    at = fmt.clock_time(numbers.finish_at, utc=utc)[:5]
    if numbers.state in _ENDED:
        return f"ended {at}"
    return f"ends ~{at}"


def _cell(value: str, style: str = "") -> Text:
    return Text(value, style=style, no_wrap=True, end="")
