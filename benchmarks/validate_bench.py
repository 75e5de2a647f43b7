"""How long `validate_file` takes, and how much memory it holds, on the largest allowed files.

Run as `python benchmarks/validate_bench.py`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Run from a checkout: the package need not be installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reap_tui.batchfile import MAX_BYTES, MAX_DATA_ROWS, format_size, validate_file

HEADER = "externalId,shareToken,applicantLevel,cardProcessorPublicToken\n"
RUNS = 7


def row(n: int, padding: int = 0) -> str:
    return f"00000000-0000-4000-8000-{n:012x},_act-{n:08d},basic-kyc-level,pk_{'x' * padding}\n"


def padded_rows(path: Path) -> None:
    """5,000 rows padded so the file is just under 10 MB."""
    plain = len(HEADER) + sum(len(row(n)) for n in range(MAX_DATA_ROWS))
    padding = (MAX_BYTES - plain) // MAX_DATA_ROWS
    path.write_text(HEADER + "".join(row(n, padding) for n in range(MAX_DATA_ROWS)))


def plain_rows(path: Path) -> None:
    path.write_text(HEADER + "".join(row(n) for n in range(MAX_DATA_ROWS)))


def short_rows(path: Path) -> None:
    """The worst case per byte: 10 MB of short rows, far over the row limit, every id kept."""
    lines = ["externalId,shareToken\n"]
    size = len(lines[0])
    n = 0
    while size + len(line := f"00000000-0000-4000-8000-{n:012x},t\n") <= MAX_BYTES:
        lines.append(line)
        size += len(line)
        n += 1
    path.write_text("".join(lines))


def measure(path: Path) -> None:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        report = validate_file(path)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    validate_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{path.name:<16} {format_size(report.size_bytes):>8} {report.data_rows or 0:>9,} rows  "
        f"median {statistics.median(times) * 1000:7.1f} ms  "
        f"peak {peak / 1024 / 1024:5.1f} MB  ({report.summary})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        for make in (padded_rows, plain_rows, short_rows):
            path = Path(directory) / f"{make.__name__}.csv"
            make(path)
            measure(path)


if __name__ == "__main__":
    main()
