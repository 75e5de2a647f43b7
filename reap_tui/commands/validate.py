"""`reap-tui validate FILE`: check a batch CSV against the upload rules without sending it."""

from __future__ import annotations

import argparse

from reap_tui.commands.common import add_global_options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a batch CSV against the upload rules",
        description="Check a batch CSV against Reap's upload rules and list every problem "
        "with its row and column. Exit 0 valid (warnings allowed), 4 invalid, 2 unreadable.",
    )
    p.add_argument("file", metavar="FILE", help="the CSV file to check")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reap_tui.batchfile import UnreadableFile, validate_file
    from reap_tui.commands.common import UsageError
    from reap_tui.exitcodes import ExitCode
    from reap_tui.report import validation_lines
    from reap_tui.text import clean, json_text

    try:
        report = validate_file(args.file)
    except UnreadableFile as error:
        raise UsageError(clean(str(error))) from None
    if args.json:
        print(json_text(report.to_json()))
    else:
        print(*validation_lines(report), sep="\n")
    return ExitCode.OK if report.ok else ExitCode.INVALID_FILE
