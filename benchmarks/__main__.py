"""`python -m benchmarks`: start the sandbox, run every scenario, print the table, write JSON."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks import report, suite
from benchmarks.fixtures import API_KEY, endless_batches
from benchmarks.isolated import IsolatedRunFailed
from reap_tui.clock import SystemClock
from reap_tui.sandbox import SandboxServer

DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="10,100,1000",
        help="numbers of watched batches, comma-separated (default 10,100,1000)",
    )
    parser.add_argument(
        "--n", type=int, help="one size only, with --quick: the smoke run (e.g. --n 10)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="short windows and single runs (noisier figures)"
    )
    parser.add_argument(
        "--only",
        help="comma-separated scenarios to run: " + ",".join(name for name, _ in suite.SCENARIOS),
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sizes = (args.n,) if args.n else tuple(int(size) for size in args.sizes.split(","))
    settings = suite.Settings.quick(sizes) if args.quick or args.n else suite.Settings(sizes)
    chosen = set(args.only.split(",")) if args.only else {name for name, _ in suite.SCENARIOS}
    info = report.machine()
    clock = SystemClock()
    batches = endless_batches(max(*sizes, settings.discipline_size), clock.now())
    figures: list[report.Figure] = []
    with (
        SandboxServer(clock, api_key=API_KEY, batches=batches) as server,
        tempfile.TemporaryDirectory(prefix="reap-bench-") as folder,
    ):
        context = suite.Context(server, Path(folder), settings)
        for name, scenario in suite.SCENARIOS:
            if name in chosen:
                began = time.perf_counter()
                try:
                    figures.extend(scenario(context))
                except IsolatedRunFailed as failure:
                    suite.progress(f"  {name} failed, its figures are missing: {failure}")
                suite.progress(f"  {name}: {time.perf_counter() - began:.0f} s")
    print(report.machine_line(info))
    print(report.table(figures))
    report.write_json(args.json, figures, info)
    print(f"figures written to {args.json}")


main()
