"""`reap-tui sandbox`: the local Reap-compatible server in the foreground, with the demo batches
and the demo import."""

from __future__ import annotations

import argparse
import math
import signal
import threading
from types import FrameType
from typing import Any

from reap_tui.commands.common import UsageError, add_global_options


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sandbox",
        help="run a local Reap-compatible server with sample batches",
        description="Run a Reap-compatible server on 127.0.0.1 with the demo batches until "
        "Ctrl-C. It prints its base URL, its own throwaway API key and its batch ids. Uploaded "
        "batches, and those of the demo import, wait for a model of Reap's processor: pickups "
        "every 10 minutes, 7 records/s shared by the batches in progress.",
    )
    p.add_argument("--port", type=int, default=0, metavar="N", help="port (default: any free)")
    p.add_argument(
        "--batches",
        type=int,
        default=0,
        metavar="N",
        help="also serve N generic in-progress batches (load tests)",
    )
    p.add_argument(
        "--import-batches",
        type=int,
        default=0,
        metavar="N",
        help="also queue an import of N batches of 5,000 rows, uploaded at start",
    )
    add_global_options(p, on_subcommand=True)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reap_tui.clock import SystemClock
    from reap_tui.sandbox import SandboxServer
    from reap_tui.sandbox.demo import (
        DEMO_MISSING_ID,
        demo_batches,
        demo_import,
        demo_import_labels,
        demo_labels,
        demo_processor,
        load_batches,
        load_import,
        load_import_label,
        load_label,
    )
    from reap_tui.sandbox.server import Batch

    speed = 1.0 if getattr(args, "speed", None) is None else float(args.speed)
    if not (speed > 0 and math.isfinite(speed)):
        raise UsageError("--speed must be a number greater than 0")
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    if args.batches < 0:
        raise UsageError("--batches must not be negative")
    if args.import_batches < 0:
        raise UsageError("--import-batches must not be negative")

    clock = SystemClock()
    now = clock.now()
    labels = {**demo_labels(), **demo_import_labels()}
    extra = load_batches(args.batches, now, speed)
    labels.update({batch.batch_id: load_label(i) for i, batch in enumerate(extra)})
    queued = load_import(args.import_batches, now)
    count = len(queued)
    labels.update({batch.batch_id: load_import_label(i, count) for i, batch in enumerate(queued)})
    batches: list[Batch] = [*demo_batches(now, speed), *demo_import(now, speed), *extra, *queued]
    server = SandboxServer(
        clock, speed=speed, batches=batches, port=args.port, processor=demo_processor(now)
    )
    try:
        server.start()
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}") from None

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Reap sandbox running at {speed:g}x speed. Ctrl-C stops it.")
        print(f"base URL: {server.base_url}")
        print(f"API key:  {server.api_key}")
        print("          (this sandbox's own throwaway key, made for this run; safe to show)")
        print("batches:")
        for batch_id in server.batch_ids:
            state = server.status_document(batch_id, now)["status"]
            print(f"  {batch_id}  {state:<12} {labels.get(batch_id, '')}")
        print(f"  {DEMO_MISSING_ID}  {'(unknown)':<12} {labels[DEMO_MISSING_ID]}")
        print(
            f"try: REAP_API_KEY={server.api_key} reap-tui --base-url {server.base_url} "
            f"status {server.batch_ids[0]}",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
    return 0
