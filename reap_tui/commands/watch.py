"""`reap-tui watch BATCH_ID... [--json]`: poll until every batch is final, printing each change."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from reap_tui.commands.common import add_global_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="poll batches on the documented cadence until each is final",
        description="Poll batches until each is final, one line per change. Exit code: the "
        "highest of each batch's: 0 completed, 3 completed with failed records, 4 failed, "
        "5 timed out, 6 not found, 7 authentication failed, 8 stopped by an error; "
        "2 usage error, 130 interrupted.",
    )
    parser.add_argument("batch_ids", nargs="+", metavar="BATCH_ID")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_global_options(parser, on_subcommand=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reap_tui.api.ids import InvalidBatchId, parse_batch_id
    from reap_tui.clock import SystemClock
    from reap_tui.commands.common import UsageError
    from reap_tui.commands.connect import connection_from
    from reap_tui.exitcodes import ExitCode
    from reap_tui.headless import watch

    try:
        batch_ids = list(dict.fromkeys(parse_batch_id(text) for text in args.batch_ids))
    except InvalidBatchId as error:
        raise UsageError(str(error)) from None
    connection = connection_from(args)
    connection.start_logging(args.log_file)
    if connection.api_key is None:
        print(f"reap-tui: {connection.key_problem}", file=sys.stderr)
        return ExitCode.AUTH_FAILED
    clock = SystemClock()

    async def main() -> int:
        async with connection.client(clock) as client:
            return await watch(
                batch_ids,
                client,
                clock=clock,
                cadence=connection.cadence,
                limits=connection.limits,
                as_json=args.json,
            )

    return asyncio.run(main())
