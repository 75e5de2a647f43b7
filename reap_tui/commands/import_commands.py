"""`status --import NAME` and `watch --import NAME`: an import of the watch list, found on the
host in effect, checked once or followed to its end (see `reap_tui.import_watch`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from reap_tui.commands.common import UsageError

if TYPE_CHECKING:
    from reap_tui.clock import Clock
    from reap_tui.commands.connect import Connection
    from reap_tui.engine.import_book import ImportMembership
    from reap_tui.engine.state import BatchState
    from reap_tui.import_watch import ImportTarget


def import_places(
    args: argparse.Namespace, clock: Clock, base_url: str
) -> dict[str, ImportMembership]:
    """Each batch's place in its import, from the watch list, for `watch BATCH_ID...`: a batch
    waiting behind others of its import gets the slow rate there too. A watch list that cannot
    be read is said, and the batches are watched without their imports."""
    from reap_tui.commands.context import watchlist_from
    from reap_tui.engine.import_book import memberships

    try:
        watchlist = watchlist_from(args, clock)
    except UsageError as error:
        print(f"reap-tui: {error}; watching without the imports it holds", file=sys.stderr)
        return {}
    return memberships(watchlist.imports, base_url)


def _target(args: argparse.Namespace, connection: Connection) -> ImportTarget:
    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import watchlist_from
    from reap_tui.engine.imports import ImportRules
    from reap_tui.import_watch import ImportNotFound, find_import

    watchlist = watchlist_from(args, SystemClock())
    speed = args.speed if args.speed is not None else 1.0
    rules = ImportRules.for_cadence(connection.cadence, speed)
    try:
        target = find_import(watchlist, args.import_name, connection.base_url, rules)
    except ImportNotFound as error:
        raise UsageError(str(error)) from None
    if not target.batch_ids:
        raise UsageError(
            f"the import {target.name!r} has no batch yet: run reap-tui upload --resume "
            "to upload its chunks"
        )
    return target


def import_status(args: argparse.Namespace, connection: Connection) -> int:
    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import watchlist_from
    from reap_tui.import_report import import_lines
    from reap_tui.import_watch import check_once, saved_states, status_exit_code
    from reap_tui.text import json_text

    target = _target(args, connection)
    connection.require_key()
    connection.start_logging(args.log_file)
    clock = SystemClock()
    saved = saved_states(watchlist_from(args, clock), clock, target)

    async def check() -> dict[str, BatchState]:
        async with connection.client(clock) as client:
            states = await check_once(
                target, client, clock=clock, limits=connection.limits, saved=saved
            )
        now = clock.now()
        numbers = target.numbers(states, now)
        if args.json:
            print(json_text(target.json(numbers)))
        else:
            rows = target.rows(states)
            lines = import_lines(
                target.name, numbers, now, rules=target.rules, cadence=connection.cadence, rows=rows
            )
            print("\n".join(lines))
        return states

    states = asyncio.run(check())
    code = status_exit_code(states.values())
    if code and not args.json:
        print("reap-tui: some batches could not be checked (see their lines)", file=sys.stderr)
    return code


def import_watch(args: argparse.Namespace, connection: Connection) -> int:
    from reap_tui.clock import SystemClock
    from reap_tui.import_watch import watch_import

    target = _target(args, connection)
    connection.require_key()
    connection.start_logging(args.log_file)
    clock = SystemClock()

    async def main() -> int:
        async with connection.client(clock) as client:
            return await watch_import(
                target,
                client,
                clock=clock,
                cadence=connection.cadence,
                limits=connection.limits,
                as_json=args.json,
            )

    return asyncio.run(main())
