"""`reap-tui status BATCH_ID [--json]`: one check, printed; the exit code says how it went.
`reap-tui status --import NAME [--json]`: every batch of an import checked once, and the
import's numbers printed."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from reap_tui.commands.common import UsageError, add_global_options, batch_id_argument
from reap_tui.exitcodes import ExitCode

if TYPE_CHECKING:
    from reap_tui.commands.connect import Connection


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
        help="check one batch once and print its status",
        description="Check one batch once, or with --import NAME every batch of that import "
        "(within the request limits) and print the import's numbers. Exit 0 when every status "
        "was retrieved (whatever it is), 2 for an invalid id or an unknown import, 6 not "
        "found, 7 authentication failed, 8 server, network or malformed response.",
    )
    parser.add_argument("batch_id", metavar="BATCH_ID", nargs="?", type=batch_id_argument)
    parser.add_argument(
        "--import",
        dest="import_name",
        metavar="NAME",
        help="the import NAME of the watch list instead of one batch",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_global_options(parser, on_subcommand=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reap_tui.commands.connect import connection_from
    from reap_tui.stopping import run_stoppable

    if (args.batch_id is None) == (args.import_name is None):
        raise UsageError("give one BATCH_ID or --import NAME")
    connection = connection_from(args)
    if args.import_name is not None:
        from reap_tui.commands.import_commands import import_status

        return import_status(args, connection)
    connection.require_key()
    connection.start_logging(args.log_file)
    return run_stoppable(_check(connection, args.batch_id, as_json=args.json))


async def _check(connection: Connection, batch_id: str, *, as_json: bool) -> int:
    from reap_tui.clock import SystemClock
    from reap_tui.exitcodes import exit_code_for_failure
    from reap_tui.report import failure_json, failure_lines, status_json, status_lines
    from reap_tui.text import json_text

    clock = SystemClock()
    async with connection.client(clock) as client:
        result = await client.get_batch_status(batch_id)
    if result.status is not None:
        if as_json:
            print(json_text(status_json(result.status)))
        else:
            print("\n".join(status_lines(result.status, clock.now())))
        return ExitCode.OK
    failure = result.failure
    assert failure is not None
    if as_json:
        print(json_text(failure_json(failure)))
    else:
        headline, *details = failure_lines(failure)
        print(f"reap-tui: {headline}", *details, sep="\n", file=sys.stderr)
    return exit_code_for_failure(failure.kind)
