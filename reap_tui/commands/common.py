"""What every sub-command shares: the global options and the usage error they raise."""

from __future__ import annotations

import argparse
from typing import Any

from reap_tui.api.ids import InvalidBatchId, parse_batch_id


class UsageError(Exception):
    """Bad arguments or settings: printed as one line, exit code 2, nothing sent."""


class NoApiKey(Exception):
    """A command that must talk to Reap has no key: the message says how to provide one."""


def batch_id_argument(text: str) -> str:
    """An argparse `type`: the canonical batch id, or a usage error naming what is wrong."""
    try:
        return parse_batch_id(text)
    except InvalidBatchId as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_global_options(parser: argparse.ArgumentParser, *, on_subcommand: bool = False) -> None:
    """The options accepted before or after the sub-command name.

    On a sub-command the defaults are suppressed so that a value given before the sub-command
    name is not overwritten by the sub-command's default.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if on_subcommand else value

    group = parser.add_argument_group("global options")
    group.add_argument(
        "--env",
        choices=("sandbox", "production", "staging"),
        default=default(None),
        help="Reap environment (default: from settings, else sandbox)",
    )
    group.add_argument(
        "--base-url", default=default(None), metavar="URL", help="API base URL (overrides --env)"
    )
    group.add_argument(
        "--config", default=default(None), metavar="PATH", help="settings file (config.toml)"
    )
    group.add_argument("--watchlist", default=default(None), metavar="PATH", help="watch list file")
    group.add_argument(
        "--reset-watchlist",
        action="store_true",
        default=default(False),
        help="if the watch list file is unreadable, move it aside (to <name>.corrupt-<time>) "
        "and start an empty list",
    )
    group.add_argument(
        "--speed",
        type=float,
        default=default(None),
        metavar="N",
        help="divide every polling duration by N (loopback hosts only: demos and tests)",
    )
    group.add_argument("--log-file", default=default(None), metavar="PATH", help="debug log file")
