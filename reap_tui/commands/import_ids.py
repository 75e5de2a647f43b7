"""`reap-tui import FILE`: add many batch ids at once, reporting bad lines by number."""

from __future__ import annotations

import argparse

from reap_tui.commands.common import add_global_options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "import",
        help="add the batch ids listed in a file",
        description="Add batch ids from FILE: one id per line (blank lines and # comments "
        "skipped), or a CSV with a batchId column. Bad lines are reported by number and the "
        "good ones added. Exit 0 all good, 4 some lines bad, 2 unreadable or no ids at all.",
    )
    p.add_argument("file", metavar="FILE", help="the file of batch ids")
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from reap_tui.clock import SystemClock
    from reap_tui.commands.common import UsageError
    from reap_tui.commands.context import saving, settings_from, target_from, watchlist_from
    from reap_tui.exitcodes import ExitCode
    from reap_tui.files import read_limited
    from reap_tui.idlist import SIZE_LIMIT, UnusableIdList, parse_id_list
    from reap_tui.store import Entry
    from reap_tui.store.model import Source
    from reap_tui.text import clean

    path = Path(args.file)
    try:
        listed = parse_id_list(read_limited(path, SIZE_LIMIT, "an ids file"))
    except OSError as error:
        raise UsageError(f"{clean(str(path))}: {error.strerror}") from None
    except UnusableIdList as error:
        raise UsageError(f"{clean(str(path))}: {clean(str(error))}") from None
    for line, problem in listed.problems:
        print(f"{clean(str(path))}: line {line}: {clean(problem)}", file=sys.stderr)
    if not listed.ids:
        raise UsageError(f"{clean(str(path))}: no valid batch ids found")

    settings = settings_from(args)
    environment, base_url = target_from(args, settings)
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    now = clock.now()
    entries = [
        Entry(batch_id, now, Source.MANUAL, environment, base_url) for _, batch_id in listed.ids
    ]
    with saving(watchlist):
        results = watchlist.add_many(entries)
    added = sum(result.added for result in results)
    already = len(results) - added
    print(
        f"added {added}, already watched {already}, bad lines {len(listed.problems)} "
        f"[{environment}] to {watchlist.path}"
    )
    return ExitCode.INVALID_FILE if listed.problems else ExitCode.OK
