"""The suite's figures, each beside its baseline: printed as a table, written as JSON."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    scenario: str
    size: int | None
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None  # None: no target for this figure

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def _number(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.3f} ms"
    if unit in ("", "requests"):
        return f"{value:.4g}"
    return f"{value:.4g} {unit}"


HEADERS = ("Scenario", "N", "Figure", "Value", "Baseline", "Ratio", "Target", "Met")


def table(figures: list[Figure]) -> str:
    rows = [HEADERS]
    for figure in figures:
        baseline = ""
        if figure.baseline is not None:
            baseline = f"{_number(figure.baseline, figure.unit)} ({figure.baseline_name})"
        ratio = figure.ratio
        rows.append(
            (
                figure.scenario,
                "" if figure.size is None else f"{figure.size:,}",
                figure.name,
                _number(figure.value, figure.unit),
                baseline,
                "" if ratio is None else f"{ratio:.2f}x",
                figure.target,
                {True: "yes", False: "NO", None: ""}[figure.met],
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def machine_line(info: dict[str, Any]) -> str:
    load = ", ".join(f"{load:g}" for load in info["load_average"])
    return f"{info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, load average {load}"


def write_json(path: Path, figures: list[Figure], info: dict[str, Any]) -> None:
    document = {
        "machine": info,
        "figures": [{**asdict(figure), "ratio": figure.ratio} for figure in figures],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
