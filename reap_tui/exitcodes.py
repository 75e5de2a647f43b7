"""The process exit codes, documented in the README and stable across releases."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reap_tui.api.errors import FailureKind


class ExitCode(IntEnum):
    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    COMPLETED_WITH_FAILED_RECORDS = 3
    BATCH_FAILED = 4
    INVALID_FILE = 4  # `validate` / `upload`: the CSV breaks the upload rules
    TIMED_OUT = 5
    NOT_FOUND = 6
    AUTH_FAILED = 7
    SERVER_ERROR = 8
    INTERRUPTED = 130
    OUTPUT_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`'s `yes`


def exit_code_for_failure(kind: FailureKind) -> ExitCode:
    from reap_tui.api.errors import FailureKind

    if kind is FailureKind.AUTH:
        return ExitCode.AUTH_FAILED
    if kind is FailureKind.NOT_FOUND:
        return ExitCode.NOT_FOUND
    return ExitCode.SERVER_ERROR
