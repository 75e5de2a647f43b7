"""The `reap-tui` command line: global options, the dashboard, and one sub-command per module.

Every way a command can end is handled here once: a usage error or a missing key is one line
on stderr (and, with `--json`, one JSON error object on stdout), a closed output pipe ends the
program quietly with 141 as a shell reports a process ended by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from reap_tui import __version__
from reap_tui.commands import COMMANDS
from reap_tui.commands.common import NoApiKey, UsageError, add_global_options
from reap_tui.coredumps import forbid_core_dumps
from reap_tui.exitcodes import ExitCode

# The sub-commands with a --json option: with it, every outcome is JSON on stdout.
JSON_COMMANDS = frozenset({"status", "watch", "list", "validate"})


class ArgumentsRejected(Exception):
    """argparse refused the command line (raised instead of its print-and-exit)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser (sub-command parsers are made of the same class) that lets `main`
    decide how a refusal is reported."""

    def error(self, message: str) -> NoReturn:
        raise ArgumentsRejected(self, message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    forbid_core_dumps()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(arguments)
        sys.stdout.flush()  # a pipe closed early shows here at the latest
        return code
    except BrokenPipeError:
        return _output_closed()


def _run(arguments: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except ArgumentsRejected as rejected:
        rejected.parser.print_usage(sys.stderr)
        print(f"{rejected.parser.prog}: error: {rejected.message}", file=sys.stderr)
        if _json_requested(parser, arguments):
            from reap_tui.report import usage_error_json

            _print_json(usage_error_json(rejected.message))
        return ExitCode.USAGE
    as_json = bool(getattr(args, "json", False))
    try:
        if args.command is None:
            from reap_tui.commands.dashboard import run_dashboard

            return int(run_dashboard(args))
        return int(args.handler(args))
    except UsageError as error:
        print(f"reap-tui: {error}", file=sys.stderr)
        if as_json:
            from reap_tui.report import usage_error_json

            _print_json(usage_error_json(str(error)))
        return ExitCode.USAGE
    except NoApiKey as error:
        print(f"reap-tui: {error}", file=sys.stderr)
        if as_json:
            from reap_tui.report import no_key_json

            _print_json(no_key_json(str(error)))
        return ExitCode.AUTH_FAILED
    except KeyboardInterrupt:
        if as_json:
            from reap_tui.report import interrupted_json

            _print_json(interrupted_json())
        return ExitCode.INTERRUPTED


def _json_requested(parser: argparse.ArgumentParser, arguments: list[str]) -> bool:
    """Whether a command line argparse refused asked for JSON: `--json` on a command that has
    it (the first argument naming a sub-command is taken as the sub-command)."""
    names = {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }
    command = next((argument for argument in arguments if argument in names), None)
    return command in JSON_COMMANDS and "--json" in arguments


def _print_json(document: dict[str, Any]) -> None:
    from reap_tui.text import json_text

    print(json_text(document), flush=True)


def _output_closed() -> int:
    """The reader of stdout (or stderr) went away (`| head -1`): stop quietly. Both streams
    are pointed at /dev/null so that the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return ExitCode.OUTPUT_CLOSED
