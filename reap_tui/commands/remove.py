"""`reap-tui remove BATCH_ID`: stop watching a batch."""

from __future__ import annotations

import argparse

from reap_tui.commands.common import add_global_options, batch_id_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "remove",
        help="remove a batch id from the watch list",
        description="Remove a batch from the watch list. "
        "Exit 0 removed, 6 not in the list, 2 invalid id.",
    )
    p.add_argument(
        "batch_id", metavar="BATCH_ID", type=batch_id_argument, help="the batch id (a UUID)"
    )
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import saving, watchlist_from
    from reap_tui.exitcodes import ExitCode

    batch_id = args.batch_id
    watchlist = watchlist_from(args, SystemClock())
    with saving(watchlist):
        removed = watchlist.remove(batch_id)
    if not removed:
        print(f"reap-tui: {batch_id} is not in the watch list {watchlist.path}", file=sys.stderr)
        return ExitCode.NOT_FOUND
    print(f"removed {batch_id} from {watchlist.path}")
    return ExitCode.OK
