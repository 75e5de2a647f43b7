"""What the process itself guarantees: no core dump holding the key, and the request deadline as
a setting."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reap_tui.api.client import DEFAULT_REQUEST_DEADLINE
from reap_tui.config import ConfigError, Settings, load_settings

from .cli_support import ROOT, user_env

resource = pytest.importorskip("resource")
LINUX = sys.platform.startswith("linux")
CORE_SIZE = 1024 * 1024


def can_allow_core_dumps() -> bool:
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    return hard == resource.RLIM_INFINITY or hard >= CORE_SIZE or os.geteuid() == 0


def allow_core_dumps() -> None:
    """In the child before it runs: a core size limit above 0, as many shells set."""
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    if hard != resource.RLIM_INFINITY and hard < CORE_SIZE:
        hard = CORE_SIZE  # allowed to root
    resource.setrlimit(resource.RLIMIT_CORE, (CORE_SIZE, hard))


needs_core_dumps = pytest.mark.skipif(
    not (LINUX and can_allow_core_dumps()), reason="Linux, with core dumps allowed"
)


def core_limit_of(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    raise AssertionError("no core size in /proc/<pid>/limits")


@needs_core_dumps
def test_a_running_command_allows_no_core_dump(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "reap_tui", "sandbox"],
        cwd=ROOT,
        env=user_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=allow_core_dumps,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Reap sandbox running")
        assert core_limit_of(process.pid) == "0 0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@needs_core_dumps
def test_after_a_command_the_process_is_not_dumpable(tmp_path: Path) -> None:
    csv = tmp_path / "march.csv"
    csv.write_text("externalId,shareToken\n00000000-0000-4000-8000-000000000001,t\n")
    probe = textwrap.dedent(
        f"""
        import ctypes, resource
        from reap_tui.cli import main
        code = main(["validate", {str(csv)!r}])
        dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
        print(code, dumpable, resource.getrlimit(resource.RLIMIT_CORE))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=user_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=allow_core_dumps,
    )
    assert done.stdout.splitlines()[-1] == "0 0 (0, 0)", done.stderr


def test_the_request_deadline_is_a_setting(tmp_path: Path) -> None:
    assert Settings().limits.request_deadline == DEFAULT_REQUEST_DEADLINE
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nrequest_deadline = 2.5\n")
    assert load_settings(config).limits.request_deadline == 2.5
    config.write_text("[limits]\nrequest_deadline = 0\n")
    with pytest.raises(
        ConfigError, match=r"limits\.request_deadline: expected a number of seconds"
    ):
        load_settings(config)
