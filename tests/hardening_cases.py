"""The command line against what the real world hands it, as data: odd files, text that is not
text, a key reflected by the server, links, a server that trickles, a closed pipe, JSON asked for.

Each case is one `reap-tui` command run as a subprocess, as a user runs it, against the sandbox
over loopback when it talks HTTP. It says what the user sees (phrases of stdout or stderr), the
exit code, and what the program does (`does`, for the README's table; `check` proves it from
the files left behind or the sandbox's request log).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reap_tui.api.errors import ApiFailure, FailureKind
from reap_tui.report import failure_json
from reap_tui.sandbox import RequestRecord, SandboxServer

KEY = "sk-hardening-test-0123456789abcdef"
WRONG_KEY = "sk-hardening-wrong-00000000000000"
GOOD_CSV = (
    "externalId,shareToken\n"
    "00000000-0000-4000-8000-000000000001,token-1\n"
    "00000000-0000-4000-8000-000000000002,token-2\n"
)
HOSTILE_MESSAGE = "\x9b2J\u202eevil\x1b]0;owned\x07"
LONG_LABEL = "L" * 130_000
# An ids file's label: a terminal title sequence, a bidi override, 200 characters, a C1 "next
# line" (not a line break of the file) and a form feed.
HOSTILE_ID_LABEL = "\x1b]0;owned\x07\u202e" + "L" * 200 + "\x85tail\x0cend"
HOSTILE_ID_LABEL_SAVED = "␛]0;owned␇\\u202e" + "L" * 63 + "…"
# Two uploads' worth: 5,001 data rows.
BIG_CSV = "externalId,shareToken\n" + "".join(
    f"00000000-0000-4000-8000-{n:012x},token-{n}\n" for n in range(5_001)
)
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Setting:
    """What a case runs in: a private home, a folder for its files, two sandboxes."""

    home: Path
    work: Path
    server: SandboxServer  # scripted batches by role (see BATCHES), normal uploads
    slow_server: SandboxServer  # its upload answers trickle

    def fields(self) -> dict[str, str]:
        """What a case's arguments may name: `{work}`, `{url}`, `{slow_url}`, `{batch_<role>}`."""
        return {
            "work": str(self.work),
            "url": self.server.base_url,
            "slow_url": self.slow_server.base_url,
            **{f"batch_{role}": batch_id for role, batch_id in BATCHES.items()},
        }


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    requests: list[RequestRecord]  # what the sandboxes received during the case


Argument = str | bytes  # bytes: passed as they are (a label that is not UTF-8)


@dataclass(frozen=True)
class Case:
    name: str
    args: Sequence[Argument]  # `{field}`s of Setting.fields() are filled in
    exit_code: int
    sees: str  # for the README: what the user sees
    does: str  # for the README: what the program does
    stdout: Sequence[str] = ()  # phrases that must be on stdout
    stderr: Sequence[str] = ()  # phrases that must be on stderr
    prepare: Callable[[Setting], None] | None = None
    check: Callable[[Setting, Outcome], None] | None = None
    output: Literal["read", "closed"] = "read"  # closed: stdout is a pipe nobody reads
    env: dict[str, str] = field(default_factory=dict)
    key: str | None = KEY


# -- the sandbox's batches, by role --------------------------------------------------------------

BATCHES = {
    "progress": "1b3f6c2a-4d5e-4f60-8a71-9b8c7d6e5f40",
    "hostile": "2c4e6a8b-0d1f-4a3b-8c5d-7e9f1a2b3c4d",
    "reflect401": "3d5f7b9c-1e2a-4b4c-9d6e-8f0a2b3c4d5e",
    "reflect500": "4e6a8c0d-2f3b-4c5d-8e7f-9a1b3c4d5e6f",
    "trickle": "5f7b9d1e-3a4c-4d6e-9f8a-0b2c4d6e8f1a",
}


# -- preparing files -----------------------------------------------------------------------------


def _write(relative: str, data: bytes | str) -> Callable[[Setting], None]:
    def prepare(setting: Setting) -> None:
        path = setting.work / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data)
        else:
            path.write_bytes(data)

    return prepare


def _fifo(relative: str) -> Callable[[Setting], None]:
    def prepare(setting: Setting) -> None:
        os.mkfifo(setting.work / relative)

    return prepare


def _sparse(relative: str, size: int) -> Callable[[Setting], None]:
    """A file of `size` bytes that takes no disk space (all NUL bytes)."""

    def prepare(setting: Setting) -> None:
        with (setting.work / relative).open("wb") as file:
            file.truncate(size)

    return prepare


def _both(*steps: Callable[[Setting], None]) -> Callable[[Setting], None]:
    def prepare(setting: Setting) -> None:
        for step in steps:
            step(setting)

    return prepare


def _link(relative: str, target: str) -> Callable[[Setting], None]:
    def prepare(setting: Setting) -> None:
        (setting.work / relative).symlink_to(setting.work / target)

    return prepare


def _watchlist_with_import(name: str, source: str) -> Callable[[Setting], None]:
    """A watch list written by hand with one import of one batch, split from `source`."""
    return _write(
        "watchlist.toml",
        "schema_version = 1\n\n[[batch]]\n"
        f'batch_id = "{BATCHES["progress"]}"\nsource = "upload"\n'
        'environment = "sandbox"\nbase_url = "https://sandbox-compliance.api.reap.global"\n'
        "added_at = 2026-03-01T09:30:00+00:00\n\n[[import]]\n"
        f"name = {json.dumps(name)}\n"
        'environment = "sandbox"\nbase_url = "https://sandbox-compliance.api.reap.global"\n'
        "created_at = 2026-03-01T09:30:00+00:00\n\n[import.source]\n"
        f'path = {json.dumps(source)}\nsha256 = "{"0" * 64}"\nsize_bytes = 90\n'
        "data_rows = 1\n\n[[import.chunk]]\nfirst_row = 2\nlast_row = 2\nrows = 1\n"
        f'size_bytes = 90\nsha256 = "{"1" * 64}"\n'
        'idempotency_key = "2c5e0f3a-0000-4000-8000-000000000001"\n'
        f'batch_id = "{BATCHES["progress"]}"\n',
    )


def _watchlist_with_label(label: str) -> Callable[[Setting], None]:
    """A watch list written by hand, its label holding what `add` would have cleaned."""
    escaped = json.dumps(label)  # a JSON string is a valid TOML basic string
    return _write(
        "watchlist.toml",
        "schema_version = 1\n\n[[batch]]\n"
        f'batch_id = "{BATCHES["progress"]}"\nlabel = {escaped}\nsource = "manual"\n'
        'environment = "sandbox"\nbase_url = "https://sandbox-compliance.api.reap.global"\n'
        "added_at = 2026-03-01T09:30:00+00:00\n",
    )


# -- checks --------------------------------------------------------------------------------------


def _labels_saved(setting: Setting) -> list[str]:
    import tomllib

    document = tomllib.loads((setting.work / "watchlist.toml").read_text(encoding="utf-8"))
    return [table.get("label", "") for table in document.get("batch", [])]


def _label_is(expected: str) -> Callable[[Setting, Outcome], None]:
    def check(setting: Setting, outcome: Outcome) -> None:
        assert _labels_saved(setting) == [expected]

    return check


def _labels_are(*expected: str) -> Callable[[Setting, Outcome], None]:
    def check(setting: Setting, outcome: Outcome) -> None:
        assert _labels_saved(setting) == list(expected)

    return check


def _first_chunk_recorded(setting: Setting, outcome: Outcome) -> None:
    """The run stopped at its first write to stdout: chunk 1's batch is watched and recorded,
    chunk 2 is left, unsent, for `upload --resume`."""
    from reap_tui.clock import SystemClock
    from reap_tui.store import WatchList

    watchlist = WatchList.open(setting.work / "watchlist.toml", SystemClock())
    (imported,) = watchlist.imports
    first, second = imported.chunks
    assert first.batch_id is not None and watchlist.get(first.batch_id) is not None
    assert second.batch_id is None
    assert [record.method for record in outcome.requests] == ["POST"]


def _nothing_saved(setting: Setting, outcome: Outcome) -> None:
    assert not (setting.work / "watchlist.toml").exists()
    assert not (setting.work / "uploads").exists()
    assert outcome.requests == []


def _nothing_sent(setting: Setting, outcome: Outcome) -> None:
    assert outcome.requests == []


def _one_request(setting: Setting, outcome: Outcome) -> None:
    assert len(outcome.requests) == 1


def _json_error(kind: str, code: str | None = None) -> Callable[[Setting, Outcome], None]:
    """stdout is exactly one JSON error object, in the shape of an API failure's."""
    shape = set(failure_json(ApiFailure(FailureKind.NETWORK, "t", "m", "a"))["error"])

    def check(setting: Setting, outcome: Outcome) -> None:
        document = json.loads(outcome.stdout)
        assert set(document) == {"error"}
        assert set(document["error"]) == shape
        assert document["error"]["kind"] == kind
        assert document["error"]["code"] == code

    return check


def _target_untouched(setting: Setting, outcome: Outcome) -> None:
    target = setting.work / "precious.txt"
    assert target.read_text() == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def _written_through_the_link(setting: Setting, outcome: Outcome) -> None:
    link, target = setting.work / "watchlist.toml", setting.work / "dotfiles" / "watchlist.toml"
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert BATCHES["progress"] in target.read_text()
    assert not list((setting.work / "dotfiles").glob(".*.tmp"))


def _pending_kept(setting: Setting, outcome: Outcome) -> None:
    assert "[[pending_upload]]" in (setting.work / "watchlist.toml").read_text()
    assert [record.method for record in outcome.requests] == ["POST"]


def _log_private_and_kept(setting: Setting, outcome: Outcome) -> None:
    folder = setting.home / ".local" / "state" / "reap-tui" / "log"
    existing, created = setting.work / "shared.log", folder / "reap-tui.log"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644  # not the program's to change
    assert existing.read_text().startswith("earlier lines\n")
    assert "GET batch" in existing.read_text()
    assert not created.exists()


def _default_log_not_followed(setting: Setting, outcome: Outcome) -> None:
    _target_untouched(setting, outcome)
    assert (setting.home / ".local" / "state" / "reap-tui" / "log" / "reap-tui.log").is_symlink()


def _link_default_log(setting: Setting) -> None:
    folder = setting.home / ".local" / "state" / "reap-tui" / "log"
    folder.mkdir(parents=True)
    (folder / "reap-tui.log").symlink_to(setting.work / "precious.txt")


def _precious(setting: Setting) -> None:
    target = setting.work / "precious.txt"
    target.write_text("keep me\n")
    target.chmod(0o644)


def _shared_log(setting: Setting) -> None:
    log = setting.work / "shared.log"
    log.write_text("earlier lines\n")
    log.chmod(0o644)


def _deadline_config(seconds: float) -> Callable[[Setting], None]:
    return _write("config.toml", f"[limits]\nrequest_deadline = {seconds:g}\n")


def _good_list_then_bad_bak(setting: Setting) -> None:
    (setting.work / "watchlist.toml").write_text("schema_version = [\n")
    (setting.work / "watchlist.toml.bak").write_text("this is = not = toml\n")


def _no_request_after_the_first(setting: Setting, outcome: Outcome) -> None:
    batch = [r for r in outcome.requests if r.batch_id == BATCHES["progress"]]
    assert len(batch) == 1


def _all(*checks: Callable[[Setting, Outcome], None]) -> Callable[[Setting, Outcome], None]:
    def check(setting: Setting, outcome: Outcome) -> None:
        for each in checks:
            each(setting, outcome)

    return check


def _closed(
    command: str,
    args: Sequence[Argument],
    prepare: Callable[[Setting], None] | None = None,
    check: Callable[[Setting, Outcome], None] | None = None,
) -> Case:
    return Case(
        f"{command} into a closed pipe",
        args,
        141,
        sees="nothing: no BrokenPipeError traceback",
        does="exits 141 at once, as the shell reports a process ended by SIGPIPE",
        output="closed",
        prepare=prepare,
        check=check,
    )


def _status(*args: Argument, batch: str = "progress", url: str = "{url}") -> tuple[Argument, ...]:
    return ("status", "--base-url", url, *args, f"{{batch_{batch}}}")


WATCHLIST = ("--watchlist", "{work}/watchlist.toml")
ADD = ("add", *WATCHLIST, BATCHES["progress"])

# -- the cases -----------------------------------------------------------------------------------

CASES: list[Case] = [
    # Files that are not regular files, and files too large.
    Case(
        "validate a FIFO",
        ("validate", "{work}/pipe.csv"),
        2,
        sees='"cannot read …pipe.csv: it is a named pipe (FIFO), not a regular file"',
        does="refuses at once, without opening it (no hang)",
        stderr=("it is a named pipe (FIFO), not a regular file",),
        prepare=_fifo("pipe.csv"),
    ),
    Case(
        "upload a FIFO",
        ("upload", "--base-url", "{url}", *WATCHLIST, "{work}/pipe.csv"),
        2,
        sees="the same refusal",
        does="refuses at once; nothing is sent",
        stderr=("it is a named pipe (FIFO), not a regular file",),
        prepare=_fifo("pipe.csv"),
        check=_nothing_sent,
    ),
    Case(
        "upload --import a FIFO",
        ("upload", "--base-url", "{url}", *WATCHLIST, "--import", "March", "{work}/pipe.csv"),
        2,
        sees="the same refusal",
        does="refuses at once; nothing is sent or saved (the file split into an import is "
        "opened by the same helper)",
        stderr=("it is a named pipe (FIFO), not a regular file",),
        prepare=_fifo("pipe.csv"),
        check=_nothing_saved,
    ),
    Case(
        "import a FIFO",
        ("import", *WATCHLIST, "{work}/ids.txt"),
        2,
        sees='"…ids.txt: it is a named pipe (FIFO), not a regular file"',
        does="refuses at once; the watch list is not touched",
        stderr=("it is a named pipe (FIFO), not a regular file",),
        prepare=_fifo("ids.txt"),
    ),
    Case(
        "import /dev/zero",
        ("import", *WATCHLIST, "/dev/zero"),
        2,
        sees='"/dev/zero: it is a character device, not a regular file"',
        does="refuses at once (it used to read until memory ran out)",
        stderr=("/dev/zero: it is a character device, not a regular file",),
    ),
    Case(
        "import a directory",
        ("import", *WATCHLIST, "{work}"),
        2,
        sees='"…: it is a directory, not a regular file"',
        does="refuses at once",
        stderr=("it is a directory, not a regular file",),
    ),
    Case(
        "import an ids file over 10 MB",
        ("import", *WATCHLIST, "{work}/ids.txt"),
        2,
        sees='"…ids.txt: it is larger than 10 MB, the limit for an ids file"',
        does="refuses without reading it; every read stops one byte past its limit",
        stderr=("it is larger than 10 MB, the limit for an ids file",),
        prepare=_sparse("ids.txt", 10 * MEGABYTE + 1),
    ),
    Case(
        "settings file that is a FIFO",
        ("list", "--config", "{work}/config.toml", *WATCHLIST),
        2,
        sees='"…config.toml: cannot be read: it is a named pipe (FIFO), not a regular file"',
        does="refuses at once",
        stderr=("config.toml: cannot be read: it is a named pipe (FIFO)",),
        prepare=_fifo("config.toml"),
    ),
    Case(
        "settings file over 64 MB",
        ("list", "--config", "{work}/config.toml", *WATCHLIST),
        2,
        sees='"…: cannot be read: it is larger than 64 MB, the limit for a settings file"',
        does="refuses without reading it",
        stderr=("it is larger than 64 MB, the limit for a settings file",),
        prepare=_sparse("config.toml", 64 * MEGABYTE + 1),
    ),
    Case(
        "watch list that is a FIFO",
        ("list", *WATCHLIST),
        2,
        sees='"watch list …: cannot be read: it is a named pipe (FIFO), not a regular file"',
        does="refuses at once; the file is left as it is",
        stderr=("cannot be read: it is a named pipe (FIFO), not a regular file",),
        prepare=_fifo("watchlist.toml"),
    ),
    Case(
        "watch list over 64 MB",
        ("list", *WATCHLIST),
        2,
        sees='"watch list …: cannot be read: it is larger than 64 MB, the limit for a watch list"',
        does="refuses without reading it; the file is left as it is",
        stderr=("it is larger than 64 MB, the limit for a watch list",),
        prepare=_sparse("watchlist.toml", 64 * MEGABYTE + 1),
    ),
    # Text that is not text.
    Case(
        "label with an undecodable byte",
        (*ADD, "--label", b"caf\xe9"),
        0,
        sees='"added … (caf\ufffd)"',
        does="saves the label with U+FFFD for the byte (it crashed in the TOML encoder)",
        stdout=("(caf\ufffd)",),
        check=_label_is("caf\ufffd"),
    ),
    Case(
        "label with a lone C1 byte",
        (*ADD, "--label", b"x\x9by"),
        0,
        sees='"added … (x\ufffdy)"',
        does="saves the label cleaned as `upload --label` does",
        stdout=("(x\ufffdy)",),
        check=_label_is("x\ufffdy"),
    ),
    Case(
        "label with control and bidi characters",
        (*ADD, "--label", "x\u009b\u202ey\x1b"),
        0,
        sees='"added … (x\\u009b\\u202ey␛)"',
        does="saves the label with the characters made visible",
        stdout=("(x\\u009b\\u202ey␛)",),
        check=_label_is("x\\u009b\\u202ey␛"),
    ),
    Case(
        "label of 130 KB",
        (*ADD, "--label", LONG_LABEL),
        0,
        sees='"the label was 130,000 characters long; it was cut to 80"',
        does="saves (and echoes) the first 79 characters and …",
        stderr=("the label was 130,000 characters long; it was cut to 80",),
        stdout=(f"({'L' * 79}…)",),
        check=_label_is("L" * 79 + "…"),
    ),
    Case(
        "import an ids file with a hostile label",
        ("import", *WATCHLIST, "{work}/ids.txt"),
        0,
        sees='"…ids.txt: line 1: the label was 230 characters long; it was cut to 80"',
        does="cleans and cuts every label of an ids file as `add --label` does (a C1 "
        '"next line" or a form feed in a label does not split its line)',
        stderr=("ids.txt: line 1: the label was 230 characters long; it was cut to 80",),
        stdout=("added 2, already watched 0, bad lines 0",),
        prepare=_write(
            "ids.txt",
            f"{BATCHES['progress']} {HOSTILE_ID_LABEL}\r\n{BATCHES['hostile']}\tsecond\r\n",
        ),
        check=_labels_are(HOSTILE_ID_LABEL_SAVED, "second"),
    ),
    Case(
        "list --json with C1 and bidi characters in a label",
        ("list", "--json", *WATCHLIST),
        0,
        sees='`"label": "x\\u009b\\u202ey"`',
        does="every JSON output escapes control, C1 and bidi-override characters",
        stdout=('"label": "x\\u009b\\u202ey"',),
        prepare=_watchlist_with_label("x\u009b\u202ey"),
    ),
    Case(
        "list --json of an import with C1 and bidi characters",
        ("list", "--json", *WATCHLIST),
        0,
        sees='`"name": "x\\u009by"`, `"sourceFile": "/data/\\u202ecsv.exe"`',
        does="the imports and pending uploads of `list --json` are escaped as its entries are",
        stdout=('"name": "x\\u009by"', '"sourceFile": "/data/\\u202ecsv.exe"'),
        prepare=_watchlist_with_import("x\u009by", "/data/\u202ecsv.exe"),
    ),
    Case(
        "status --json of an error with escapes",
        _status("--json", batch="hostile"),
        8,
        sees='`"message": "\\u009b2J\\u202eevil\\u001b]0;owned\\u0007"`',
        does="the server's text is kept, escaped",
        stdout=('"message": "\\u009b2J\\u202eevil\\u001b]0;owned\\u0007"',),
    ),
    # Secrets in server text.
    Case(
        "401 that reflects the key",
        _status(batch="reflect401"),
        7,
        sees='"Reap says: Invalid Authorization: x-reap-api-key=[redacted] is not …"',
        does="every server text is redacted where it enters, as in the log",
        stderr=("x-reap-api-key=[redacted]", "Parameter:     [redacted]"),
        key=WRONG_KEY,
    ),
    Case(
        "500 that reflects the key, --json",
        _status("--json", batch="reflect500"),
        8,
        sees='`"message": "… for api key [redacted]"`, `"parameter": "[redacted]"`',
        does="the same, in every field of the JSON",
        stdout=('for api key [redacted]"', '"parameter": "[redacted]"'),
    ),
    # Links.
    Case(
        "--log-file that is a symbolic link",
        (*_status(batch="progress"), "--log-file", "{work}/link.log"),
        0,
        sees='"not writing the debug log …link.log: it is a symbolic link, which is not followed"',
        does="runs without a log; the link's target is neither appended to nor chmodded",
        stderr=("link.log: it is a symbolic link, which is not followed",),
        stdout=("Status      in progress",),
        prepare=_both(_precious, _link("link.log", "precious.txt")),
        check=_target_untouched,
    ),
    Case(
        "default log path that is a symbolic link",
        _status(batch="progress"),
        0,
        sees="the same",
        does="the same",
        stderr=("reap-tui.log: it is a symbolic link, which is not followed",),
        prepare=_both(_precious, _link_default_log),
        check=_default_log_not_followed,
    ),
    Case(
        "--log-file someone else's file",
        (*_status(batch="progress"), "--log-file", "{work}/shared.log"),
        0,
        sees="nothing",
        does="appends to it and leaves its permissions as they were",
        prepare=_shared_log,
        check=_log_private_and_kept,
    ),
    Case(
        "watch list that is a symbolic link",
        (*ADD, "--label", "dotfiles"),
        0,
        sees='"added …"',
        does="writes through the link: temp file beside the target, renamed onto it; the link "
        "stays",
        stdout=("added",),
        prepare=_both(
            _write("dotfiles/watchlist.toml", "schema_version = 1\n"),
            _link("watchlist.toml", "dotfiles/watchlist.toml"),
        ),
        check=_written_through_the_link,
    ),
    # No overall deadline.
    Case(
        "status against a server that trickles",
        (*_status(batch="trickle"), "--config", "{work}/config.toml"),
        8,
        sees='"Request timed out", "Detail: no complete answer within 1 s"',
        does="gives up at the request deadline (`[limits] request_deadline`, 30 s)",
        stderr=("Request timed out", "no complete answer within 1 s"),
        prepare=_deadline_config(1),
        check=_one_request,
    ),
    Case(
        "upload to a server that trickles",
        ("upload", "--base-url", "{slow_url}", *WATCHLIST, "--upload-timeout", "1", "{work}/x.csv"),
        8,
        sees='"upload failed: Request timed out", "run the same command again"',
        does="gives up at --upload-timeout; the pending upload (and its key) is kept for the retry",
        stderr=("upload failed: Request timed out", "no complete answer within 1 s"),
        prepare=_write("x.csv", GOOD_CSV),
        check=_pending_kept,
    ),
    # Pipes and messages.
    _closed("list", ("list", *WATCHLIST), _watchlist_with_label("a")),
    _closed("list --json", ("list", "--json", *WATCHLIST), _watchlist_with_label("a")),
    _closed("validate", ("validate", "{work}/march.csv"), _write("march.csv", GOOD_CSV)),
    _closed("status", _status()),
    _closed(
        "watch --json",
        ("watch", "--json", "--base-url", "{url}", "{batch_progress}"),
        check=_no_request_after_the_first,
    ),
    _closed(
        "upload",
        ("upload", "--base-url", "{url}", *WATCHLIST, "{work}/march.csv"),
        _write("march.csv", GOOD_CSV),
    ),
    _closed(
        "upload --import",
        ("upload", "--base-url", "{url}", *WATCHLIST, "--import", "March", "{work}/big.csv"),
        _write("big.csv", BIG_CSV),
        _first_chunk_recorded,
    ),
    _closed(
        "upload --dry-run",
        ("upload", *WATCHLIST, "--import", "March", "--dry-run", "{work}/big.csv"),
        _write("big.csv", BIG_CSV),
        _nothing_saved,
    ),
    _closed("add", ADD),
    _closed(
        "remove",
        ("remove", *WATCHLIST, BATCHES["progress"]),
        _watchlist_with_label("a"),
    ),
    _closed(
        "import", ("import", *WATCHLIST, "{work}/ids.txt"), _write("ids.txt", BATCHES["trickle"])
    ),
    _closed("sandbox", ("sandbox",)),
    Case(
        "watch list and its .bak both corrupt",
        ("list", *WATCHLIST),
        2,
        sees='"Its previous version …watchlist.toml.bak cannot be read either (…), so there is '
        'no good version to go back to."',
        does="leaves both files as they are; never calls the .bak good",
        stderr=("cannot be read either", "no good version to go back to"),
        prepare=_good_list_then_bad_bak,
    ),
    # CSV cells that spreadsheets run.
    Case(
        "validate cells a spreadsheet would run",
        ("validate", "{work}/march.csv"),
        0,
        sees='"warning: row 2, column shareToken: "=HYPERLINK(…)" starts with "=": a spreadsheet '
        'opening the file may run it as a formula"',
        does='warns (one rule, with the usual "and N more"); the file stays uploadable',
        stdout=('warning: row 2, column shareToken: "=HYPERLINK(', "may run it as a formula"),
        prepare=_write(
            "march.csv",
            "externalId,shareToken\n00000000-0000-4000-8000-000000000001,"
            '"=HYPERLINK(""http://x"")"\n',
        ),
    ),
    Case(
        "validate a NUL byte",
        ("validate", "{work}/march.csv"),
        4,
        sees='"row 2: a NUL byte (0x00) at byte offset 60: no cell may hold one"',
        does="an error: the file is not uploaded",
        stdout=("row 2: a NUL byte (0x00) at byte offset 60: no cell may hold one",),
        prepare=_write(
            "march.csv", b"externalId,shareToken\n00000000-0000-4000-8000-000000000001,t\x00k\n"
        ),
    ),
    # JSON always when asked.
    Case(
        "status --json without a key",
        _status("--json"),
        7,
        sees='`{"error": {"kind": "authentication failed", "code": "0000000100", …}}`',
        does="nothing is sent; the object has the shape of an API error's",
        stderr=("no API key",),
        check=_all(_json_error("authentication failed", "0000000100"), _nothing_sent),
        key=None,
    ),
    Case(
        "status --json with an invalid id",
        ("status", "--json", "--base-url", "{url}", "not-a-batch"),
        2,
        sees='`{"error": {"kind": "usage error", "detail": "argument BATCH_ID: batch id …"}}`',
        does="nothing is sent",
        stderr=("is not a UUID",),
        check=_all(_json_error("usage error"), _nothing_sent),
    ),
    Case(
        "watch --json with an unknown option",
        ("watch", "--json", "--base-url", "{url}", "--colour", "{batch_progress}"),
        2,
        sees='`{"error": {"kind": "usage error", "detail": "unrecognized arguments: --colour"}}`',
        does="nothing is sent",
        stderr=("unrecognized arguments: --colour",),
        check=_all(_json_error("usage error"), _nothing_sent),
    ),
    Case(
        "list --json of an unreadable watch list",
        ("list", "--json", *WATCHLIST),
        2,
        sees='`{"error": {"kind": "usage error", "detail": "watch list …: not valid TOML …"}}`',
        does="the file is left as it is",
        stderr=("not valid TOML",),
        prepare=_write("watchlist.toml", "schema_version = [\n"),
        check=_json_error("usage error"),
    ),
    Case(
        "validate --json of a FIFO",
        ("validate", "--json", "{work}/pipe.csv"),
        2,
        sees='`{"error": {"kind": "usage error", "detail": "cannot read …: it is a named '
        'pipe …"}}`',
        does="refuses at once",
        prepare=_fifo("pipe.csv"),
        check=_json_error("usage error"),
    ),
    # Row numbers as a spreadsheet shows them.
    Case(
        "validate: the second data row",
        ("validate", "{work}/march.csv"),
        4,
        sees='"row 3, column externalId: …" (the header is row 1); "(line N)" when a quoted cell '
        "spans lines",
        does="`validate --json` gives `row` (as shown), `data_row` and `line`",
        stdout=('row 3, column externalId: "abc" is not a UUID',),
        prepare=_write(
            "march.csv", "externalId,shareToken\n" + GOOD_CSV.splitlines()[1] + "\nabc,t\n"
        ),
    ),
    Case(
        "upload: the second data row",
        ("upload", "--base-url", "{url}", *WATCHLIST, "{work}/march.csv"),
        4,
        sees="the same lines, on stderr",
        does="nothing is sent",
        stderr=('row 3, column externalId: "abc" is not a UUID',),
        prepare=_write(
            "march.csv", "externalId,shareToken\n" + GOOD_CSV.splitlines()[1] + "\nabc,t\n"
        ),
        check=_nothing_sent,
    ),
]
