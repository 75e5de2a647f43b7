"""How the dashboard shows a notice as a toast: as plain text (labels and server strings are
never read as markup), at most `MOST_ON_SCREEN` at once, the same one not twice while it is
still up, and warnings and errors kept in the log the `n` key shows."""

from __future__ import annotations

from textual.app import App
from textual.notifications import SeverityLevel

from reap_tui.clock import Clock
from reap_tui.text import clean
from reap_tui.tui import notices
from reap_tui.tui.notifications import MOST_ON_SCREEN, Notifier, Toast, toast_seconds


class ToastingApp(App[None]):
    _clock: Clock
    _notifier: Notifier

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry labels and server text: plain text, never markup, unless asked. A toast
        still on screen is not shown again; a warning or an error goes to the log (`n`) too."""
        shown = message if markup else clean(message, keep_newlines=True)
        seconds = timeout if timeout is not None else toast_seconds(severity)
        toast = Toast(clean(title), shown, severity, seconds)
        now = self._clock.now()
        if severity != "information":
            self._notifier.log(notices.Notice(toast.title, toast.message, severity), now)
        if self._notifier.may_show(toast, now):
            self._notifier.shown(toast, now)
            self._toast(toast, markup=markup)

    def _toast(self, toast: Toast, *, markup: bool = False) -> None:
        """Show `toast`, the oldest on screen making room for it: never more than the rack
        shows at once (a key's answer would otherwise land out of sight below the others)."""
        on_screen = list(self._notifications)  # oldest first
        for old in on_screen[: max(0, len(on_screen) - MOST_ON_SCREEN + 1)]:
            self._unnotify(old, refresh=False)
            self._notifier.gone(old.title, old.message)
        super().notify(
            toast.message,
            title=toast.title,
            severity=toast.severity,
            timeout=toast.seconds,
            markup=markup,
        )
