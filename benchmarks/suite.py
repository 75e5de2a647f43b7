"""Runs every scenario against one sandbox and turns the measurements into `Figure`s."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import discipline, memory, soak, terminal
from benchmarks.fixtures import fresh_copy, write_watchlist
from benchmarks.isolated import run_isolated
from benchmarks.report import Figure
from reap_tui.engine.limiter import Limits
from reap_tui.sandbox import SandboxServer


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...]
    startup_runs: int = 2
    check_seconds: float = 4.0
    idle_seconds: float = 4.0
    refresh_rounds: int = 5
    cadence_batches: int = 200
    discipline_size: int = 1000
    discipline_seconds: float = 12.0
    memory_wall_budget: float = 150.0
    terminal: terminal.TerminalSettings = field(default_factory=terminal.TerminalSettings)
    soak: soak.SoakSettings = field(default_factory=soak.SoakSettings)

    @classmethod
    def quick(cls, sizes: tuple[int, ...]) -> Settings:
        """Short windows, one run each, a smaller cadence comparison: CI's smoke run."""
        return cls(
            sizes,
            startup_runs=1,
            check_seconds=1.5,
            idle_seconds=1.5,
            refresh_rounds=2,
            cadence_batches=20,
            discipline_size=max(sizes),
            discipline_seconds=3.0,
            memory_wall_budget=8.0,
            terminal=terminal.TerminalSettings.quick(),
            soak=soak.SoakSettings.quick(),
        )


@dataclass(frozen=True)
class Context:
    server: SandboxServer
    folder: Path
    settings: Settings

    def watchlist(
        self, count: int, *, all_final: bool, saved: bool = True, long_watched: bool = False
    ) -> str:
        """A fresh copy of a prepared watch list (and its state database) for one run, so no
        run sees what another saved."""
        kind = "final" if all_final else "mixed" if saved else "unsaved"
        kind += "-long" if long_watched else ""
        path = self.folder / "prepared" / f"{kind}-{count}.toml"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            write_watchlist(
                path,
                self.server.base_url,
                count,
                all_final=all_final,
                saved=saved,
                long_watched=long_watched,
            )
        return fresh_copy(path, self.folder)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def startup(context: Context) -> list[Figure]:
    figures = []
    for count in context.settings.sizes:
        progress(f"start-up, {count} batches")
        watchlist = context.watchlist(count, all_final=False)
        reap, bare = [], []
        for _ in range(context.settings.startup_runs):
            reap.append(
                run_isolated(
                    "benchmarks.startup:measure_reap",
                    timed_launch=True,
                    count=count,
                    watchlist=watchlist,
                    base_url=context.server.base_url,
                )
            )
            bare.append(
                run_isolated("benchmarks.startup:measure_bare", timed_launch=True, count=count)
            )
        for key, name in (("seconds", "first frame, wall"), ("cpu_seconds", "first frame, CPU")):
            value = statistics.median(run[key] for run in reap)
            baseline = statistics.median(run[key] for run in bare)
            target, met = "<= 1.5x", value <= 1.5 * baseline
            if count == 1000 and key == "seconds":
                target, met = "<= 1.5x and < 0.5 s", met and value < 0.5
            figures.append(
                Figure("start-up", count, name, value, "s", baseline, "bare app", target, met)
            )
    return figures


def checks(context: Context) -> list[Figure]:
    figures = []
    seconds = context.settings.check_seconds
    for count in context.settings.sizes:
        progress(f"cost per check, {count} batches")
        reap = run_isolated(
            "benchmarks.checks:measure_reap_checks",
            count=count,
            watchlist=context.watchlist(count, all_final=False, saved=False),
            base_url=context.server.base_url,
            seconds=seconds,
        )
        bare = run_isolated(
            "benchmarks.checks:measure_bare_checks",
            count=count,
            base_url=context.server.base_url,
            requests=reap["checks"],
        )
        value, baseline = reap["cpu_per_check"] * 1000, bare["cpu_per_check"] * 1000
        figures.append(
            Figure(
                "cost per check",
                count,
                f"CPU per check ({reap['checks']} checks)",
                value,
                "ms",
                baseline,
                "bare httpx loop",
                "<= 1.5x",
                value <= 1.5 * baseline,
            )
        )
    for count in context.settings.sizes:
        progress(f"idle, {count} batches")
        reap = run_isolated(
            "benchmarks.checks:measure_reap_idle",
            count=count,
            watchlist=context.watchlist(count, all_final=True),
            base_url=context.server.base_url,
            seconds=context.settings.idle_seconds,
        )
        bare = run_isolated(
            "benchmarks.checks:measure_bare_idle",
            count=count,
            seconds=context.settings.idle_seconds,
        )
        value = reap["core_percent"]
        figures.append(
            Figure(
                "idle",
                count,
                "CPU between checks",
                value,
                "% of a core",
                bare["core_percent"],
                "bare app",
                "< 1%",
                value < 1.0,
            )
        )
    return figures


def refresh(context: Context) -> list[Figure]:
    figures = []
    rounds = context.settings.refresh_rounds
    for count in context.settings.sizes:
        progress(f"table refresh, {count} batches")
        reap = run_isolated(
            "benchmarks.refresh:measure_reap",
            count=count,
            watchlist=context.watchlist(count, all_final=True),
            base_url=context.server.base_url,
            rounds=rounds,
        )
        bare = run_isolated("benchmarks.refresh:measure_bare", count=count, rounds=rounds)
        value = reap["seconds"]
        figures.append(
            Figure(
                "table refresh",
                count,
                "update of all rows to frame",
                value,
                "s",
                bare["seconds"],
                "bare DataTable",
                "< 100 ms",
                value < 0.1,
            )
        )
    return figures


def memory_use(context: Context) -> list[Figure]:
    figures = []
    for count in context.settings.sizes:
        progress(f"memory, {count} batches, one simulated hour")
        reap = run_isolated(
            "benchmarks.memory:measure_reap",
            count=count,
            wall_budget=context.settings.memory_wall_budget,
        )
        bare = run_isolated("benchmarks.memory:measure_bare", count=count)
        baseline = bare["peak_rss_mb"]
        figures.append(
            Figure(
                "memory",
                count,
                f"peak RSS, {reap['simulated_minutes']:.0f} simulated min "
                f"({reap['checks']} checks)",
                reap["peak_rss_mb"],
                "MB",
                baseline,
                "bare app + sandbox",
                "< 150 MB",
                reap["peak_rss_mb"] < 150,
            )
        )
        samples = reap["samples"]
        first = samples[0]["rss_mb"] if samples else 0.0
        for sample in samples:
            last = sample["minutes"] == memory.SIMULATED_MINUTES[-1]
            figures.append(
                Figure(
                    "memory",
                    count,
                    f"RSS at {sample['minutes']} simulated min",
                    sample["rss_mb"],
                    "MB",
                    first,
                    "at 15 min",
                    "flat: <= +10% by 60 min" if last else "",
                    sample["rss_mb"] <= 1.1 * first if last else None,
                )
            )
    return figures


CADENCE_POLICIES = ("adaptive", "fixed-60", "fixed-30")


def cadence_quality(context: Context) -> list[Figure]:
    batches = context.settings.cadence_batches
    progress(f"cadence quality, {batches} batches, 3 cadences side by side")

    def measure(policy: str) -> dict[str, float]:
        return run_isolated("benchmarks.cadence_quality:measure", policy=policy, batches=batches)

    with ThreadPoolExecutor(max_workers=len(CADENCE_POLICIES)) as pool:
        results = dict(zip(CADENCE_POLICIES, pool.map(measure, CADENCE_POLICIES), strict=True))
    fixed = results["fixed-60"]
    figures = []
    for policy in CADENCE_POLICIES:
        result = results[policy]
        adaptive = policy == "adaptive"
        for key, name, unit in (
            ("median_latency", "median detection latency", "s"),
            ("p90_latency", "p90 detection latency", "s"),
            ("requests_per_batch", "requests per batch", "requests"),
        ):
            target, met = "", None
            if adaptive and key == "median_latency":
                target, met = "<= 0.6x fixed-60", result[key] <= 0.6 * fixed[key]
            if adaptive and key == "requests_per_batch":
                target, met = "<= 1.1x fixed-60", result[key] <= 1.1 * fixed[key]
            figures.append(
                Figure(
                    "cadence",
                    batches,
                    f"{policy}: {name}",
                    result[key],
                    unit,
                    None if policy == "fixed-60" else fixed[key],
                    "fixed-60",
                    target,
                    met,
                )
            )
    return figures


def large_import(context: Context) -> list[Figure]:
    """A 20-batch import on the processor model: quick in every mode (the fake clock runs its
    four hours in seconds)."""
    batches = 20
    progress(f"large import, {batches} batches of 5,000 rows on the processor model")
    result = run_isolated("benchmarks.large_import:measure", batches=batches)
    requests, fixed = result["requests"], result["fixed_45_requests"]
    figures = [
        Figure(
            "large import",
            batches,
            f"requests over the import ({result['hours']:.1f} simulated h)",
            requests,
            "requests",
            fixed,
            "every batch every 45 s",
            "<= 0.4x",
            requests <= 0.4 * fixed,
        )
    ]
    for mark, error in result["eta_errors"].items():
        figures.append(
            Figure(
                "large import",
                batches,
                f"ETA error at {float(mark):.0%} of the records done",
                float("nan") if error is None else abs(error) * 100,
                "% of the time left",
                None,
                "",
                "within 10%",
                error is not None and abs(error) <= 0.10,
            )
        )
    return figures


def request_discipline(context: Context) -> list[Figure]:
    count = context.settings.discipline_size
    progress(f"request discipline, {count} batches from start-up")
    limits = Limits()
    watchlist = context.watchlist(count, all_final=False, saved=False)
    context.server.clear_log()
    run_isolated(
        "benchmarks.discipline:run_dashboard",
        watchlist=watchlist,
        base_url=context.server.base_url,
        seconds=context.settings.discipline_seconds,
    )
    log = context.server.request_log
    busiest = discipline.max_in_any_second([record.at for record in log])
    in_flight = context.server.max_in_flight
    return [
        Figure(
            "discipline",
            count,
            f"most requests in any second ({len(log)} requests)",
            busiest,
            "requests",
            limits.per_second,
            "rate cap",
            "<= cap",
            busiest <= limits.per_second,
        ),
        Figure(
            "discipline",
            count,
            "most requests in flight",
            in_flight,
            "requests",
            limits.max_in_flight,
            "in-flight cap",
            "<= cap",
            in_flight <= limits.max_in_flight,
        ),
    ]


def real_terminal(context: Context) -> list[Figure]:
    figures = []
    for count in context.settings.sizes:
        progress(f"real terminal, {count} batches at the documented cadence")
        watchlist = context.watchlist(count, all_final=False, saved=False)
        figures += terminal.checks(
            context.server, context.folder, watchlist, count, context.settings.terminal
        )
    return figures


def no_key(context: Context) -> list[Figure]:
    count = max(context.settings.sizes)
    progress(f"no key, {count} batches")
    watchlist = context.watchlist(count, all_final=False, saved=False)
    return terminal.no_key(
        context.server, context.folder, watchlist, count, context.settings.terminal
    )


def real_startup(context: Context) -> list[Figure]:
    progress("real start-up, in a terminal")
    return terminal.startup(
        context.server,
        context.folder,
        lambda count, long_watched: context.watchlist(
            count, all_final=False, long_watched=long_watched
        ),
        context.settings.sizes,
        context.settings.terminal,
    )


def soak_run(context: Context) -> list[Figure]:
    chosen = context.settings.soak
    progress(
        f"soak, {chosen.batches} batches, two dashboards and a watch, "
        f"{soak.SIMULATED_MINUTES:.0f} simulated min at speed {chosen.speed:g}"
    )
    return soak.run(context.folder, chosen)


SCENARIOS: tuple[tuple[str, Callable[[Context], list[Figure]]], ...] = (
    ("startup", startup),
    ("checks", checks),
    ("refresh", refresh),
    ("memory", memory_use),
    ("cadence", cadence_quality),
    ("import", large_import),
    ("discipline", request_discipline),
    ("terminal", real_terminal),
    ("nokey", no_key),
    ("terminal-startup", real_startup),
    ("soak", soak_run),
)
