"""This process's memory and CPU, as the kernel counts them (Linux /proc)."""

from __future__ import annotations

import time
from pathlib import Path

MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def rss_mb() -> float:
    """Resident set size now."""
    return _status_kb("VmRSS") * 1024 / MB


def peak_rss_mb() -> float:
    """The highest resident set size so far (the kernel's high-water mark)."""
    return _status_kb("VmHWM") * 1024 / MB


def cpu_seconds() -> float:
    """CPU time of every thread of this process, user and system."""
    return time.process_time()
