"""`reap-tui watch BATCH_ID... [--json]`: poll until every batch is final, printing each change;
`reap-tui watch --import NAME [--json]`: the same for an import's batches, with its numbers."""

from __future__ import annotations

import argparse
from typing import Any

from reap_tui.commands.common import UsageError, add_global_options, batch_id_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="poll batches on the documented cadence until each is final",
        description="Poll batches until each is final, one line per change; with --import "
        "NAME, the batches of that import, plus a line whenever the import's records or batch "
        "states change, until each is final or the import stalls. Exit code: the highest of "
        "each batch's: 0 completed, 3 completed with failed records, 4 failed, 5 timed out "
        "(or the import stalled), 6 not found, 7 authentication failed, 8 stopped by an "
        "error; 2 usage error, 129 hang-up, 130 interrupted, 143 terminated (SIGTERM). A "
        "batch of the watch list that a running dashboard polls is followed from what that "
        "dashboard saves, not checked a second time.",
    )
    parser.add_argument("batch_ids", nargs="*", metavar="BATCH_ID", type=batch_id_argument)
    parser.add_argument(
        "--import",
        dest="import_name",
        metavar="NAME",
        help="the batches of the import NAME of the watch list",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    add_global_options(parser, on_subcommand=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from reap_tui.clock import SystemClock
    from reap_tui.commands.connect import connection_from
    from reap_tui.headless import watch
    from reap_tui.stopping import run_stoppable
    from reap_tui.store import default_watchlist_path

    if bool(args.batch_ids) == (args.import_name is not None):
        raise UsageError("give BATCH_IDs or --import NAME")
    connection = connection_from(args)
    if args.import_name is not None:
        from reap_tui.commands.import_commands import import_watch

        return import_watch(args, connection)
    from reap_tui.commands.import_commands import import_places

    batch_ids = list(dict.fromkeys(args.batch_ids))
    connection.require_key()
    connection.start_logging(args.log_file)
    clock = SystemClock()
    watchlist_path = Path(args.watchlist) if args.watchlist else default_watchlist_path()
    places = import_places(args, clock, connection.base_url)

    async def main() -> int:
        async with connection.client(clock) as client:
            return await watch(
                batch_ids,
                client,
                clock=clock,
                cadence=connection.cadence,
                limits=connection.limits,
                as_json=args.json,
                watchlist_path=watchlist_path,
                places=places,
            )

    return run_stoppable(main())
