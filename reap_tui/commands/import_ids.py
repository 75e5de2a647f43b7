"""`reap-tui import FILE [--import NAME]`: add many batch ids at once (with labels from a second
column), reporting bad lines by number; optionally grouped as an import, in the file's order."""

from __future__ import annotations

import argparse

from reap_tui.commands.common import add_global_options


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "import",
        help="add the batch ids listed in a file",
        description="Add batch ids from FILE: one id per line (blank lines and # comments "
        "skipped), or a CSV with a batchId column. A label may follow each id: after white "
        "space, in the second column of a CSV without a header, or in a CSV's label column. "
        "Bad lines are reported by number and the good ones added. --import NAME also puts "
        "the batches in the import NAME (made if new), in the file's order. Exit 0 all good, "
        "4 some lines bad, 2 unreadable, no ids at all, or a batch in another import.",
    )
    p.add_argument("file", metavar="FILE", help="the file of batch ids")
    p.add_argument(
        "--import",
        dest="import_name",
        metavar="NAME",
        help="put the batches in the import NAME (made if new), in the file's order",
    )
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
    from reap_tui.labels import clean_label
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
    labels = {}
    for batch_id, (line, raw) in listed.labels.items():
        label = labels[batch_id] = clean_label(raw)
        if label.was_cut:
            print(f"{clean(str(path))}: line {line}: {label.cut_note}", file=sys.stderr)

    settings = settings_from(args)
    environment, base_url = target_from(args, settings)
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    now = clock.now()
    entries = [
        Entry(
            batch_id,
            now,
            Source.MANUAL,
            environment,
            base_url,
            labels[batch_id].text if batch_id in labels else "",
        )
        for _, batch_id in listed.ids
    ]
    if args.import_name is not None:
        from reap_tui.commands.grouping import add_to_import

        results, note = add_to_import(watchlist, args.import_name, entries)
    else:
        note = ""
        with saving(watchlist):
            results = watchlist.add_many(entries)
    added = sum(result.added for result in results)
    already = len(results) - added
    print(
        f"added {added}, already watched {already}, bad lines {len(listed.problems)} "
        f"[{environment}] to {watchlist.path}"
    )
    if note:
        print(note)
    return ExitCode.INVALID_FILE if listed.problems else ExitCode.OK
