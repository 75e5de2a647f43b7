"""What the watch-list commands (and the dashboard) set up from the global options:
the settings, the environment to record, and the open watch list, with every failure
turned into a one-line UsageError (exit 2)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from reap_tui.clock import Clock
from reap_tui.commands.common import UsageError
from reap_tui.config import ConfigError, Settings, load_settings, resolve_base_url
from reap_tui.store import WatchList, WatchListError, default_watchlist_path, reset_watchlist
from reap_tui.text import clean


def settings_from(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(Path(args.config) if args.config else None)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def target_from(args: argparse.Namespace, settings: Settings) -> tuple[str, str]:
    """(environment name, base URL) from --base-url / --env / the settings."""
    try:
        return resolve_base_url(settings, args.env, args.base_url)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def watchlist_from(args: argparse.Namespace, clock: Clock) -> WatchList:
    """Open the watch list; with --reset-watchlist, first move a bad file aside (and say so)."""
    path = Path(args.watchlist) if args.watchlist else default_watchlist_path()
    try:
        if args.reset_watchlist:
            moved_to = reset_watchlist(path, clock)
            if moved_to is not None:
                print(
                    f"reap-tui: moved the unreadable watch list {path} to {moved_to}; "
                    "starting an empty list",
                    file=sys.stderr,
                )
        return WatchList.open(path, clock)
    except WatchListError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"watch list {path}: {error.strerror}") from None


@contextlib.contextmanager
def saving(watchlist: WatchList) -> Iterator[None]:
    """Around a change to the watch list: a failure to lock or write it is a UsageError
    (exit 2) saying why, never a traceback."""
    try:
        yield
    except WatchListError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        where = f" ({clean(str(error.filename))})" if error.filename else ""
        raise UsageError(
            f"watch list {watchlist.path}: cannot be saved: {error.strerror}{where}\n"
            "Nothing was changed."
        ) from None
