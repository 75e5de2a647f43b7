"""Run one measurement in a fresh Python process, so process-level figures (start-up time,
RSS, CPU time) belong to that measurement alone.

Parent: `run_isolated("benchmarks.startup:measure_reap", count=10)`. Child: this module run
as `python -m benchmarks.isolated TARGET JSON`, which calls the target with the JSON object's
keys as keyword arguments and prints its result as one JSON line. Stdlib only, so the child
imports nothing the measurement does not.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from typing import Any

RESULT_PREFIX = "BENCHMARK-RESULT "
TIMEOUT = 600


class IsolatedRunFailed(RuntimeError):
    pass


def run_isolated(target: str, *, timed_launch: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Call `target` ("module:function") in a new process; with `timed_launch`, it is also
    given `launched_at`, the wall-clock time just before the process was started."""
    if timed_launch:
        kwargs = {**kwargs, "launched_at": time.time()}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.isolated", target, json.dumps(kwargs)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise IsolatedRunFailed(f"{target} took more than {TIMEOUT} s") from None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
            return result
    raise IsolatedRunFailed(
        f"{target} exited with {done.returncode} and no result:\n{done.stderr[-4000:]}"
    )


def main() -> None:
    target, arguments = sys.argv[1], json.loads(sys.argv[2])
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(**arguments)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
