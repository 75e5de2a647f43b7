"""Which notices become toasts, and when: pure, driven by the clock's `now`.

- One toast per kind per `window` (a second) at most: notices of a kind that arrive while its
  last toast is younger than that wait, and are merged into the next ("3 batches completed,
  1 with failed records").
- At most `most_on_screen` toasts on screen: news that would make more waits (and merges)
  until one has gone, and more kinds due at once than there is room for make one summary
  toast. Toasts sit over the detail pane, whose height at 80x24 holds two. (A toast made
  outside, such as a key's answer, is shown at once: the oldest on screen gives way.)
- A toast never repeats one still on screen (the same title and message within its timeout):
  a refused key then `R` gives one "API key refused", not six.
- Every notice goes to the log (`entries`), toast or not, newest last, at most `log_limit`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from reap_tui.tui.notices import KINDS, Notice, Severity

WINDOW = 1.0
MOST_ON_SCREEN = 2
LOG_LIMIT = 1_000
SUBJECTS_SHOWN = 3
SUMMARY_LINE = 90  # characters of each kind's line in a summary
# How long a toast stays, by severity: errors longer, so they are read.
TOAST_SECONDS: dict[Severity, float] = {"information": 5.0, "warning": 8.0, "error": 12.0}

_RANK: dict[Severity, int] = {"information": 0, "warning": 1, "error": 2}


def toast_seconds(severity: Severity) -> float:
    return TOAST_SECONDS[severity]


@dataclass(frozen=True)
class Toast:
    title: str
    message: str
    severity: Severity
    seconds: float


@dataclass(frozen=True)
class LogEntry:
    at: float
    notice: Notice


def _worst(notices: Iterable[Notice]) -> Severity:
    return max((n.severity for n in notices), key=_RANK.__getitem__, default="information")


def merged(kind: str, notices: list[Notice]) -> Toast:
    """One toast for `notices` of one kind: the notice itself if alone, else their count and
    the first few subjects."""
    severity = _worst(notices)
    seconds = TOAST_SECONDS[severity]
    if len(notices) == 1 or kind not in KINDS:
        only = notices[-1]
        return Toast(only.title, only.message, severity, seconds)
    title, wording = KINDS[kind]
    message = wording.format(n=len(notices))
    flagged = sum(1 for n in notices if n.flagged)
    if flagged:
        message += f", {flagged} with failed records"
    names = list(dict.fromkeys(n.subject for n in notices if n.subject))
    if names:
        more = len(names) - SUBJECTS_SHOWN
        message += ": " + ", ".join(names[:SUBJECTS_SHOWN])
        if more > 0:
            message += f" and {more} more"
    return Toast(title, message, severity, seconds)


def summary(toasts: list[Toast], count: int) -> Toast:
    """One toast for `count` notices of several kinds due together: a line for each kind."""
    severity = max((t.severity for t in toasts), key=_RANK.__getitem__)
    lines = [f"{t.title}: {t.message}" if t.title else t.message for t in toasts]
    return Toast(
        f"{count} notifications (n: the log)",
        "\n".join(
            line if len(line) <= SUMMARY_LINE else line[: SUMMARY_LINE - 1] + "…" for line in lines
        ),
        severity,
        TOAST_SECONDS[severity],
    )


class Notifier:
    def __init__(
        self,
        *,
        window: float = WINDOW,
        most_on_screen: int = MOST_ON_SCREEN,
        log_limit: int = LOG_LIMIT,
    ) -> None:
        self._window = window
        self._most_on_screen = most_on_screen
        self._waiting: dict[str, list[Notice]] = {}
        self._last_toast: dict[str, float] = {}
        self._on_screen: dict[tuple[str, str], float] = {}  # (title, message) -> until
        self.entries: deque[LogEntry] = deque(maxlen=log_limit)

    def add(self, notices: Iterable[Notice], now: float) -> None:
        """Notices to tell: logged now, toasted by the next `due` that may."""
        for notice in notices:
            self._waiting.setdefault(notice.kind, []).append(notice)
            self.entries.append(LogEntry(now, notice))

    def log(self, notice: Notice, now: float) -> None:
        """Into the log only (a toast made outside, such as a warning a key press gave)."""
        self.entries.append(LogEntry(now, notice))

    @property
    def waiting(self) -> bool:
        """Whether news is held back for a later `due`."""
        return bool(self._waiting)

    def due(self, now: float) -> list[Toast]:
        """The toasts to show now (each kind's waiting notices merged, or one summary)."""
        self._on_screen = {shown: until for shown, until in self._on_screen.items() if until > now}
        room = self._most_on_screen - len(self._on_screen)
        if room <= 0:
            return []
        ready = {
            kind: notices
            for kind, notices in self._waiting.items()
            if now - self._last_toast.get(kind, float("-inf")) >= self._window
        }
        for kind in ready:
            del self._waiting[kind]
            self._last_toast[kind] = now
        if not ready:
            return []
        toasts: list[Toast] = []
        for kind, notices in ready.items():
            if kind:
                toasts.append(merged(kind, notices))
            else:  # unmerged notices (the key refused): each its own, repeats dropped below
                toasts.extend(merged(kind, [notice]) for notice in dict.fromkeys(notices))
        toasts = [toast for toast in dict.fromkeys(toasts) if self.may_show(toast, now)]
        if len(toasts) > room:
            toasts = [summary(toasts, sum(len(n) for n in ready.values()))]
        for toast in toasts:
            self.shown(toast, now)
        return toasts

    def shown(self, toast: Toast, now: float) -> None:
        """`toast` is on screen from `now` (also for toasts made outside, such as a key's
        answer): the same one is not shown again before it has gone."""
        self._on_screen[(toast.title, toast.message)] = now + toast.seconds

    def gone(self, title: str, message: str) -> None:
        """The toast of `title` and `message` left the screen before its time (a newer one
        took its place): it may be shown again, and its room is free."""
        self._on_screen.pop((title, message), None)

    def may_show(self, toast: Toast, now: float) -> bool:
        """False while the same toast is still on screen."""
        until = self._on_screen.get((toast.title, toast.message))
        return until is None or until <= now
