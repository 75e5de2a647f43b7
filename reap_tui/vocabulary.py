"""The one table of what a batch's state is called: its name, icon, tone, what it means, and
the words the filter understands for it.

The table, the header (at every width), the filter, the detail pane, the help screen, the
toasts and the headless printer all name a state from here, so a word seen in one place finds
the same batches in another. `condition_of` decides a batch's state from its `BatchState` and
the `Rules` in force (stall thresholds, the polling window, the failure-rate colours, the
import rules), which come from the settings and `--speed`. An import's state (working,
stalled, finished, with failures, failed) is named here too (`import_condition`); a word shared
with a batch state (`stalled`, `failed`, `with failures`) finds both in the filter. Pure: no
clock is read, no Textual is imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.api.models import StatusKind
from reap_tui.engine.imports import ImportRules, ImportState
from reap_tui.engine.state import BatchState, Phase


class Tone(StrEnum):
    """What a state means to a reader; the screen picks a colour for each."""

    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    ACTIVE = "active"
    WAITING = "waiting"
    IDLE = "idle"


class Block(IntEnum):
    """The attention sort's groups, most urgent first."""

    PERSON = 0  # needs a person
    WORKING = 1  # in progress, by when it will finish
    WAITING = 2  # pending, or not checked yet
    PAUSED = 3
    FINISHED = 4


@dataclass(frozen=True)
class Condition:
    key: str
    icon: str
    name: str
    """The words shown everywhere: the table, the header, the pane, the filter, the toasts."""
    tone: Tone
    block: Block
    meaning: str
    """What it means and what to do; `{window}` is the polling window in force, `{stall}` the
    time without progress after which an import is stalled."""
    aliases: tuple[str, ...] = ()
    """Other words the filter takes for this state."""

    @property
    def needs_person(self) -> bool:
        return self.block is Block.PERSON

    @property
    def label(self) -> str:
        """`✗ failed`: icon and name, so colour is never the only signal."""
        return f"{self.icon} {self.name}"

    @property
    def filter_words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _c(
    key: str, icon: str, name: str, tone: Tone, block: Block, meaning: str, *aliases: str
) -> Condition:
    return Condition(key, icon, name, tone, block, meaning, aliases)


KEY_NEEDED = _c(
    "key_needed", "!", "key needed", Tone.BAD, Block.PERSON,
    "no API key, or the key was refused: press k to enter one", "key", "auth",
)  # fmt: skip
NOT_FOUND = _c(
    "not_found", "✗", "not found", Tone.BAD, Block.PERSON,
    "no such batch for this key and environment", "404",
)  # fmt: skip
FAILED = _c("failed", "✗", "failed", Tone.BAD, Block.PERSON, "Reap could not process the batch")
STALLED = _c(
    "stalled", "▷", "stalled", Tone.WARN, Block.PERSON,
    "in progress, but no record processed for a while: ask Reap support if it lasts",
    "stuck",
)  # fmt: skip
ANOMALOUS = _c(
    "anomalous", "≠", "anomalous", Tone.WARN, Block.PERSON,
    "the counts Reap sent contradict each other: see Anomalies", "anomaly", "anomalies",
)  # fmt: skip
TIMED_OUT = _c(
    "timed_out", "◷", "timed out", Tone.WARN, Block.PERSON,
    "no change in {window}, so checks stopped: press r to check again",
)  # fmt: skip
STOPPED = _c(
    "stopped", "■", "stopped", Tone.WARN, Block.PERSON,
    "checks stopped on an answer that will not change by itself: press r to check again",
)  # fmt: skip
UNKNOWN = _c(
    "unknown", "?", "unknown status", Tone.WARN, Block.PERSON,
    "Reap sent a status this program does not know", "unknown",
)  # fmt: skip
WITH_FAILURES = _c(
    "with_failures", "▲", "with failures", Tone.WARN, Block.PERSON,
    "finished, but some records failed: upload a CSV of those records again", "failures",
)  # fmt: skip
RETRYING = _c(
    "retrying", "↻", "retrying", Tone.WARN, Block.WORKING,
    "the last check failed; it is retried with back-off",
)  # fmt: skip
IN_PROGRESS = _c(
    "in_progress", "▶", "in progress", Tone.ACTIVE, Block.WORKING, "Reap is processing records"
)
FIRST_CHECK = _c("first_check", "…", "first check", Tone.WAITING, Block.WAITING, "not checked yet")
PENDING = _c(
    "pending", "◌", "pending", Tone.WAITING, Block.WAITING,
    "queued at Reap, which picks batches up every 10 minutes",
)  # fmt: skip
PAUSED = _c("paused", "‖", "paused", Tone.IDLE, Block.PAUSED, "you paused it: press space")
COMPLETED = _c(
    "completed", "✓", "completed", Tone.GOOD, Block.FINISHED,
    "every record processed, none failed",
)  # fmt: skip

CONDITIONS: tuple[Condition, ...] = (
    KEY_NEEDED,
    NOT_FOUND,
    FAILED,
    STALLED,
    ANOMALOUS,
    TIMED_OUT,
    STOPPED,
    UNKNOWN,
    WITH_FAILURES,
    RETRYING,
    IN_PROGRESS,
    FIRST_CHECK,
    PENDING,
    PAUSED,
    COMPLETED,
)
"""Every state, in the order the header lists them and the attention sort ranks them."""

IMPORT_WORKING = _c(
    "import_working", "▶", "working", Tone.ACTIVE, Block.WORKING,
    "its batches are processed or wait their turn",
)  # fmt: skip
IMPORT_STALLED = _c(
    "import_stalled", "▷", "stalled", Tone.WARN, Block.PERSON,
    "no batch changed for {stall}: select its row", "stuck",
)  # fmt: skip
IMPORT_FAILED = _c(
    "import_failed", "✗", "failed", Tone.BAD, Block.PERSON,
    "it ended with a batch failed or not found",
)  # fmt: skip
IMPORT_WITH_FAILURES = _c(
    "import_with_failures", "▲", "with failures", Tone.WARN, Block.PERSON,
    "finished, but some records failed", "failures", "finished with failures",
)  # fmt: skip
IMPORT_FINISHED = _c(
    "import_finished", "✓", "finished", Tone.GOOD, Block.FINISHED,
    "every batch completed, no record failed",
)  # fmt: skip

IMPORT_CONDITIONS: dict[ImportState, Condition] = {
    ImportState.STALLED: IMPORT_STALLED,
    ImportState.FAILED: IMPORT_FAILED,
    ImportState.FINISHED_WITH_FAILURES: IMPORT_WITH_FAILURES,
    ImportState.WORKING: IMPORT_WORKING,
    ImportState.FINISHED: IMPORT_FINISHED,
}
"""An import's states, in the order the help lists them."""

RANK = {condition.key: rank for rank, condition in enumerate(CONDITIONS)}
STATE_WIDTH = max(len(condition.label) for condition in CONDITIONS if condition is not UNKNOWN)
"""The widest state as a table shows it (an unknown status shows the server's word, cut)."""


@dataclass(frozen=True)
class Rules:
    """The thresholds the states and their colours are judged by (from the settings; times
    already divided by `--speed`)."""

    stall_checks: int = 10
    """An in-progress batch whose processed count has not moved for this many checks..."""
    stall_seconds: float = 600.0
    """...or for this long between checks, is stalled."""
    failure_red: float = 0.05
    """A failure rate above this share of processed records is red..."""
    failure_amber: float = 0.01
    """...above this, amber; at or below it, not coloured."""
    window: float = 1800.0
    """The polling window in force: checks stop after this long without a change."""
    imports: ImportRules = field(default_factory=ImportRules)
    """An import's thresholds (stalled after, Reap's pickup interval and rate) in force."""


def condition_of(state: BatchState, rules: Rules = Rules()) -> Condition:
    """The state a batch is in. The batch's own final status wins, except that impossible
    counts are never shown as success; then why checks stopped; then what the last answer
    says."""
    status = state.status
    kind = status.kind if status is not None else None
    if kind is StatusKind.FAILED:
        return FAILED
    if kind is StatusKind.COMPLETED:
        if anomalous(state):
            return ANOMALOUS
        return WITH_FAILURES if status is not None and status.failed_records > 0 else COMPLETED
    phase = state.phase
    if phase is Phase.NOT_FOUND:
        return NOT_FOUND
    if phase is Phase.AUTH_REQUIRED:
        return KEY_NEEDED
    if kind is StatusKind.UNKNOWN:
        return UNKNOWN
    if anomalous(state):
        return ANOMALOUS
    if phase is Phase.TIMED_OUT:
        return TIMED_OUT
    if phase is Phase.STOPPED:
        return STOPPED
    if phase is Phase.PAUSED:
        return PAUSED
    if kind is StatusKind.IN_PROGRESS:
        return STALLED if stalled_for(state, rules) is not None else IN_PROGRESS
    if kind is StatusKind.PENDING:
        return PENDING
    if state.failure is not None:
        return RETRYING
    return FIRST_CHECK


def anomalous(state: BatchState) -> bool:
    """The last answer's counts contradict each other or an earlier answer."""
    status = state.status
    return status is not None and bool(status.anomalies)


@dataclass(frozen=True)
class Stall:
    checks: int
    """Checks since the processed count last moved."""
    seconds: float
    """Time between the check that first saw the count and the latest one."""
    processed: int


def stalled_for(state: BatchState, rules: Rules = Rules()) -> Stall | None:
    """How long an in-progress batch's processed count has stood still, if long enough to
    call it stalled. Judged from the checks' history only, so it changes only with a check."""
    status = state.status
    history = state.history
    if status is None or status.kind is not StatusKind.IN_PROGRESS or len(history) < 2:
        return None
    latest = history[-1]
    start = len(history) - 1
    while start > 0 and history[start - 1].processed == latest.processed:
        start -= 1
    checks = len(history) - 1 - start
    seconds = latest.at - history[start].at
    if checks >= 1 and (checks >= rules.stall_checks or seconds >= rules.stall_seconds):
        return Stall(checks, seconds, latest.processed)
    return None


def window_text(seconds: float) -> str:
    """`30 min`, `3 min`, `90 s`: the polling window as the settings in force make it."""
    if seconds >= 60 and seconds % 60 < 1:
        return f"{seconds / 60:g} min"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:g} s"


def meaning(condition: Condition, rules: Rules = Rules()) -> str:
    return condition.meaning.format(
        window=window_text(rules.window), stall=window_text(rules.imports.stall_after)
    )


def import_condition(state: ImportState) -> Condition:
    """An import's state as the vocabulary names it."""
    return IMPORT_CONDITIONS[state]


def shown_words(state: BatchState, condition: Condition) -> str:
    """The state's name, except that an unknown status shows the server's own word."""
    if condition is UNKNOWN and state.status is not None:
        return state.status.status.raw
    return condition.name


# Failures after which the engine would check again by itself; the catalogue says "Nothing to
# do" for them, which is true only while checks go on.
_RETRIED = frozenset(
    {
        FailureKind.RATE_LIMITED,
        FailureKind.SERVER_ERROR,
        FailureKind.NETWORK,
        FailureKind.TIMEOUT,
        FailureKind.MALFORMED,
    }
)


def what_to_do(state: BatchState, failure: ApiFailure) -> str:
    """The advice for a failure, true for the batch's state: once checks have stopped, a
    failure that is retried by itself is not retried any more."""
    retried = failure.kind in _RETRIED or failure.http_status == 408
    if not retried or not state.phase.is_final:
        return failure.action
    if state.phase is Phase.PAUSED:
        return "Checks are paused: press space to resume them, or r to check once now."
    why = f" ({state.stop_reason})" if state.stop_reason else ""
    return f"Checks have stopped{why}: press r to check again."


def parse_query(query: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """A filter query as (state keys named in it, the other words). State names are matched
    whole, longest first (`not found`, `with failures`), case-insensitively; a word that names
    a batch state and an import state (`stalled`) names both."""
    words = query.casefold().split()
    named: set[str] = set()
    rest: list[str] = []
    index = 0
    while index < len(words):
        match = _longest_state_at(words, index)
        if match is None:
            rest.append(words[index])
            index += 1
        else:
            keys, length = match
            named.update(keys)
            index += length
    return frozenset(named), tuple(rest)


def _phrases() -> dict[tuple[str, ...], frozenset[str]]:
    found: dict[tuple[str, ...], set[str]] = {}
    for condition in (*CONDITIONS, *IMPORT_CONDITIONS.values()):
        for word in condition.filter_words:
            found.setdefault(tuple(word.split()), set()).add(condition.key)
    return {phrase: frozenset(keys) for phrase, keys in found.items()}


_PHRASES = _phrases()
_LONGEST = max(len(phrase) for phrase in _PHRASES)


def _longest_state_at(words: list[str], index: int) -> tuple[frozenset[str], int] | None:
    for length in range(min(_LONGEST, len(words) - index), 0, -1):
        keys = _PHRASES.get(tuple(words[index : index + length]))
        if keys is not None:
            return keys, length
    return None


def by_key(key: str) -> Condition:
    return CONDITIONS[RANK[key]]
