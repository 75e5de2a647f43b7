"""Running `reap-tui` as users do: a subprocess with its own environment and temp home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def isolated_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment whose config, data and log dirs all live under `home`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("REAP_", "XDG_")) and key != "HOME"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def run_cli(
    *args: str, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reap_tui", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    api_key: str
    batches: dict[str, str]  # label -> batch id
    process: subprocess.Popen[str]


@contextmanager
def sandbox_process(*options: str, env: Mapping[str, str]) -> Iterator[RunningSandbox]:
    """`reap-tui sandbox` in the background, its URL, key and batch ids read from its output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reap_tui", "sandbox", *options],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = api_key = ""
        batches: dict[str, str] = {}
        in_batches = False
        for line in process.stdout:
            if line.startswith("base URL:"):
                base_url = line.split()[-1]
            elif line.startswith("API key:"):
                api_key = line.split()[-1]
            elif line.startswith("batches:"):
                in_batches = True
            elif in_batches and line.startswith("  "):
                batch_id, _status, label = line.strip().split(maxsplit=2)
                batches[label] = batch_id
            elif in_batches:
                break
        assert base_url and api_key, "the sandbox did not print its URL and key"
        yield RunningSandbox(base_url, api_key, batches, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
