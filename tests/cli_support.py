"""Running `python -m reap_tui` as a user would, with every per-user folder inside a temp home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def user_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "REAP_")) and key != "HOME"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        **extra,
    )
    return env


def run_cli(home: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reap_tui", *args],
        cwd=ROOT,
        env=user_env(home, **extra_env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    api_key: str
    batches: dict[str, str]  # label -> batch id
    process: subprocess.Popen[str]


@contextmanager
def sandbox_process(home: Path, *options: str) -> Iterator[RunningSandbox]:
    """`reap-tui sandbox` in the background, its URL, key and batch ids read from its output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reap_tui", "sandbox", *options],
        env=user_env(home),
        cwd=ROOT,
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
