"""Child processes for the watch-list crash and concurrency tests.

Run as `python -m tests.store_workers PATH`: a fork server that has already imported the
store and, for every `fork LOG` line on stdin, forks a writer and prints its pid (then, for
`reap PID`, waits for it and prints `reaped`), so 200 killed writers start in milliseconds.
Run as `python -m tests.store_workers PATH ID...`: wait for a line on stdin, then add each id.

A writer appends one line to its log after every save returns, in one `os.write`, so a kill
leaves whole lines plus at most one partial line without its newline.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

from reap_tui.clock import SystemClock
from reap_tui.store import WatchList

KEEP = 10  # the writer keeps the list about this long, so every save stays small


def write_forever(path: Path, log_path: str) -> None:
    """Add, relabel and remove batches until killed: `+ id` added, `? id` removing, `- id` gone."""
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    clock = SystemClock()
    watchlist = WatchList.open(path, clock)
    while True:
        batch_id = str(uuid.uuid4())
        watchlist.add(batch_id, environment="sandbox", base_url="https://example.test")
        os.write(log, f"+ {batch_id}\n".encode())
        watchlist.set_label(batch_id, f"seen at {clock.now()}")
        while len(watchlist.entries) > KEEP:
            victim = watchlist.entries[0].batch_id
            os.write(log, f"? {victim}\n".encode())
            watchlist.remove(victim)
            os.write(log, f"- {victim}\n".encode())


def serve_forks(path: Path) -> None:
    for command in sys.stdin:
        verb, argument = command.split()
        if verb == "fork":
            pid = os.fork()
            if pid == 0:
                write_forever(path, argument)
            print(pid, flush=True)
        else:
            os.waitpid(int(argument), 0)
            print("reaped", flush=True)


def add_batches(path: Path, batch_ids: list[str]) -> None:
    watchlist = WatchList.open(path, SystemClock())
    sys.stdin.readline()
    for batch_id in batch_ids:
        watchlist.add(batch_id, environment="sandbox", base_url="https://example.test")


if __name__ == "__main__":
    if len(sys.argv) == 2:
        serve_forks(Path(sys.argv[1]))
    else:
        add_batches(Path(sys.argv[1]), sys.argv[2:])
