"""`reap-tui add BATCH_ID [--label TEXT] [--import NAME]`: watch a batch, under the environment
in effect, and put it in an import."""

from __future__ import annotations

import argparse

from reap_tui.commands.common import add_global_options, batch_id_argument


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "add",
        help="add a batch id to the watch list",
        description="Add a batch to the watch list, recording the environment (--env / "
        "--base-url / settings) it belongs to. A batch already watched is reported and the "
        "file is left unchanged. --import NAME puts it in the import NAME (made if new) after "
        "its other batches. Exit 0 added or already there, 2 invalid id or settings, or the "
        "batch is in another import.",
    )
    p.add_argument(
        "batch_id", metavar="BATCH_ID", type=batch_id_argument, help="the batch id (a UUID)"
    )
    p.add_argument("--label", default="", metavar="TEXT", help="a name to show beside it")
    p.add_argument(
        "--import",
        dest="import_name",
        metavar="NAME",
        help="put the batch in the import NAME (made if new), after its other batches",
    )
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from reap_tui.clock import SystemClock
    from reap_tui.commands.context import saving, settings_from, target_from, watchlist_from
    from reap_tui.exitcodes import ExitCode
    from reap_tui.labels import clean_label
    from reap_tui.text import clean

    batch_id = args.batch_id
    label = clean_label(args.label)
    if label.was_cut:
        print(f"reap-tui: {label.cut_note}", file=sys.stderr)
    settings = settings_from(args)
    environment, base_url = target_from(args, settings)
    clock = SystemClock()
    watchlist = watchlist_from(args, clock)
    if args.import_name is not None:
        from reap_tui.commands.grouping import add_to_import
        from reap_tui.store import Entry
        from reap_tui.store.model import Source

        entry = Entry(batch_id, clock.now(), Source.MANUAL, environment, base_url, label.text)
        (result,), note = add_to_import(watchlist, args.import_name, [entry])
    else:
        note = ""
        with saving(watchlist):
            result = watchlist.add(
                batch_id, label=label.text, environment=environment, base_url=base_url
            )
    shown = f" ({clean(result.entry.label)})" if result.entry.label else ""
    if result.added:
        print(f"added {batch_id}{shown} [{environment}] to {watchlist.path}")
    else:
        print(
            f"{batch_id}{shown} is already in the watch list "
            f"[{clean(result.entry.environment, limit=30)}]" + ("" if note else "; nothing changed")
        )
    if note:
        print(note)
    return ExitCode.OK
