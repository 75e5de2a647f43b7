"""The `reap-tui` command line: global options, the dashboard, and one sub-command per module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from reap_tui import __version__
from reap_tui.commands import COMMANDS
from reap_tui.commands.common import NoApiKey, UsageError, add_global_options
from reap_tui.exitcodes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reap-tui",
        description="Watch Reap Compliance KYC batch imports. Without a sub-command, "
        "opens the dashboard on the saved watch list.",
    )
    parser.add_argument("--version", action="version", version=f"reap-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the dashboard on the built-in sandbox with sample batches (no key needed)",
    )
    add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from reap_tui.commands.dashboard import run_dashboard

            return int(run_dashboard(args))
        return int(args.handler(args))
    except UsageError as error:
        print(f"reap-tui: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except NoApiKey as error:
        print(f"reap-tui: {error}", file=sys.stderr)
        return ExitCode.AUTH_FAILED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
