"""The debug log: each check is written to the log file, never to the terminal, key redacted."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from reap_tui.api.client import ReapClient
from reap_tui.apikey import ApiKey
from reap_tui.clock import SystemClock
from reap_tui.engine.engine import Engine
from reap_tui.logs import LOG_MAX_BYTES, REDACTED, RedactSecrets, start_logging
from reap_tui.sandbox import Fault, SandboxServer, ScriptedBatch

from .cli_support import run_cli

BATCH = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
KEY = "sk-live-do-not-leak-0123456789"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    batch = ScriptedBatch(
        BATCH, rate=0.01, fault_cycle=(None, Fault.server_error(message=f"echo {KEY}"))
    )
    with SandboxServer(SystemClock(), api_key=KEY, batches=[batch]) as running:
        yield running


def test_each_check_goes_to_the_log_file_not_the_terminal(
    server: SandboxServer, tmp_path: Path
) -> None:
    log_file = tmp_path / "reap.log"
    for _ in range(2):
        done = run_cli(
            tmp_path,
            "status",
            BATCH,
            "--base-url",
            server.base_url,
            "--log-file",
            str(log_file),
            REAP_API_KEY=KEY,
        )
        assert "GET batch" not in done.stdout + done.stderr
    text = log_file.read_text()
    assert f"GET batch {BATCH} -> in_progress" in text
    assert f"GET batch {BATCH} -> HTTP 500" in text
    assert KEY not in text
    assert (log_file.stat().st_mode & 0o077) == 0, "the log is private to its owner"


def test_the_default_log_lives_in_the_platform_log_folder(
    server: SandboxServer, tmp_path: Path
) -> None:
    run_cli(tmp_path, "status", BATCH, "--base-url", server.base_url, REAP_API_KEY=KEY)
    logs = list((tmp_path / ".local" / "state").rglob("reap-tui.log"))
    assert logs and f"GET batch {BATCH}" in logs[0].read_text()


def test_the_filter_redacts_messages_arguments_and_tracebacks() -> None:
    redact = RedactSecrets([KEY])
    try:
        raise RuntimeError(f"request failed with header {KEY}")
    except RuntimeError:
        record = logging.LogRecord(
            "reap_tui", logging.ERROR, __file__, 1, "key was %s", (KEY,), exc_info=True
        )
        import sys

        record.exc_info = sys.exc_info()
    assert redact.filter(record)
    formatted = logging.Formatter().format(record)
    assert KEY not in formatted
    assert f"key was {REDACTED}" in formatted
    assert f"header {REDACTED}" in formatted


@pytest.fixture
def isolated_logging() -> Iterator[None]:
    """start_logging configures process-wide loggers: put them back afterwards."""
    saved = {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).propagate)
        for name in ("reap_tui", "httpx")
    }
    yield
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_a_key_typed_in_for_the_session_is_redacted_from_then_on(
    tmp_path: Path, isolated_logging: None
) -> None:
    typed = "sk-typed-in-session-0123456789"
    log_file = tmp_path / "reap.log"
    start_logging(log_file, [])
    clock = SystemClock()
    engine = Engine(clock=clock, on_state=lambda state: None)
    client = ReapClient("http://127.0.0.1:9", None, clock=clock)
    engine.set_api_key(client, ApiKey(typed))
    logging.getLogger("reap_tui.test").warning("the server echoed %s", typed)
    text = log_file.read_text()
    assert typed not in text and f"the server echoed {REDACTED}" in text


def test_the_log_is_rotated_at_its_size_counting_what_the_file_already_held(
    tmp_path: Path,
) -> None:
    log_file = tmp_path / "reap.log"
    log_file.write_bytes(b"x" * (LOG_MAX_BYTES - 1000) + b"\n")  # an earlier run's lines
    logger = logging.getLogger("reap_tui")
    before = list(logger.handlers)
    start_logging(log_file, [])
    try:
        line = "a check of a batch " * 5
        for _ in range(100):
            logger.debug(line)  # ~10 KB: past the limit within the first kilobyte
        assert (tmp_path / "reap.log.1").stat().st_size >= LOG_MAX_BYTES - 1000
        assert (tmp_path / "reap.log.1").read_bytes().startswith(b"xxx")
        assert 0 < log_file.stat().st_size < 20_000
        for _ in range(3 * LOG_MAX_BYTES // len(line) + 100):
            logger.debug(line)
        kept = [log_file, *(tmp_path / f"reap.log.{n}" for n in (1, 2, 3))]
        sizes = [path.stat().st_size for path in kept]
        assert all(size <= LOG_MAX_BYTES + 200 for size in sizes), sizes
        assert not (tmp_path / "reap.log.4").exists(), "three old files kept"
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            for name in ("reap_tui", "httpx"):
                logging.getLogger(name).removeHandler(handler)
            handler.close()
