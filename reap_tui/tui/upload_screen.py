"""The upload screen: pick a CSV, read its validation report, confirm, upload.

The steps are `reap_tui.uploading`'s, as in `reap-tui upload`: reading and validating run in
a thread so a 10 MB file does not freeze the dashboard; the pending upload is saved before the
request. The screen is dismissed with the new watch-list entry, or None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text, TextType
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Static

from reap_tui.api.client import ReapClient
from reap_tui.batchfile import UnreadableFile
from reap_tui.clock import Clock
from reap_tui.labels import clean_label
from reap_tui.report import failure_lines, validation_lines
from reap_tui.store import Entry, WatchList, WatchListError
from reap_tui.store.model import LABEL_LIMIT
from reap_tui.text import clean
from reap_tui.uploading import BatchFile, begin_upload, read_batch_file, send_upload

PRODUCTION = "production"


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload goes and where its batch is recorded: the dashboard's own."""

    client: ReapClient
    watchlist: WatchList
    environment: str
    clock: Clock


class CsvTree(DirectoryTree):
    """Folders and .csv files (no hidden ones), names with control characters made visible."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (self._safe_is_dir(path) or path.suffix.lower() == ".csv")
        ]

    def process_label(self, label: TextType) -> Text:
        return super().process_label(clean(label) if isinstance(label, str) else label)


class UploadScreen(ModalScreen[Entry | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    UploadScreen .upload {
        width: 110;
        height: 90%;
    }
    #upload-pick {
        height: 1fr;
    }
    #upload-tree {
        width: 2fr;
    }
    #upload-report-box {
        width: 3fr;
        padding: 0 1;
    }
    #upload-status {
        height: auto;
        margin-top: 1;
    }
    #upload-confirm {
        display: none;
    }
    #upload-confirm.-asking {
        display: block;
    }
    """

    def __init__(self, target: UploadTarget, root: Path) -> None:
        super().__init__()
        self._target = target
        self._root = root
        self._file: BatchFile | None = None
        self._uploading = False

    @property
    def _production(self) -> bool:
        return self._target.environment == PRODUCTION

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog upload"):
            yield Static(self._banner(), id="upload-target")
            with Horizontal(id="upload-pick"):
                yield CsvTree(self._root, id="upload-tree")
                with VerticalScroll(id="upload-report-box"):
                    yield Static(
                        Text(
                            "Pick a CSV file: enter opens a folder or checks a file.", style="dim"
                        ),
                        id="upload-report",
                    )
            yield Input(placeholder="label (optional)", max_length=LABEL_LIMIT, id="upload-label")
            yield Static(id="upload-status")
            with Horizontal(classes="buttons"):
                yield Button("Upload…", variant="primary", id="upload-start", disabled=True)
                yield Button(
                    f"Yes, upload to {self._environment_name()}",
                    variant="error" if self._production else "warning",
                    id="upload-confirm",
                )
                yield Button("Cancel", id="upload-cancel")

    def on_mount(self) -> None:
        self.query_one(CsvTree).focus()

    def _environment_name(self) -> str:
        return self._target.environment.upper() if self._production else self._target.environment

    def _banner(self) -> Text:
        url = self._target.client.base_url
        if self._production:
            banner = Text(" PRODUCTION ", style="bold white on red")
            banner.append(
                f"  Upload a batch CSV to {url}: this creates a real batch.", style="bold"
            )
            return banner
        banner = Text("Upload a batch CSV to ", style="bold")
        banner.append(self._target.environment, style="bold cyan")
        banner.append(f" ({url})")
        return banner

    # -- pick and check --------------------------------------------------------------------------

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        if self._uploading:
            return
        self._file = None
        self._ask(False)
        self.query_one("#upload-start", Button).disabled = True
        self._status(Text(f"Checking {clean(event.path.name, limit=80)}…", style="dim"))
        self._check(event.path)

    @work(exclusive=True, group="check")
    async def _check(self, path: Path) -> None:
        try:
            batch_file = await asyncio.to_thread(read_batch_file, path)
        except UnreadableFile as error:
            self._show_report(Text(clean(str(error)), style="red"))
            self._status(Text(""))
            return
        self._file = batch_file
        self._show_report(_report_text(batch_file))
        if batch_file.uploadable:
            self._status(Text("The file is valid: press Upload… to continue."))
            self.query_one("#upload-start", Button).disabled = False
        else:
            self._status(Text("This file cannot be uploaded: fix the errors shown.", style="red"))

    # -- confirm and upload ----------------------------------------------------------------------

    @on(Button.Pressed, "#upload-start")
    def _start(self) -> None:
        batch_file = self._file
        if batch_file is None or not batch_file.uploadable:
            return
        question = Text("Upload ", style="bold")
        question.append(f"{batch_file.description} to ")
        question.append(
            self._environment_name(),
            style="bold white on red" if self._production else "bold cyan",
        )
        question.append(f" ({self._target.client.base_url})?")
        if self._production:
            question.append("\nThis creates a real batch in production.", style="bold red")
        self._status(question)
        self._ask(True)
        self.query_one("#upload-confirm", Button).focus()

    @on(Button.Pressed, "#upload-confirm")
    def _confirmed(self) -> None:
        if self._file is not None and not self._uploading:
            label = clean_label(self.query_one("#upload-label", Input).value)
            if label.was_cut:
                self.notify(label.cut_note.capitalize() + ".", severity="warning")
            self._upload(self._file, label.text)

    @work(exclusive=True, group="upload")
    async def _upload(self, batch_file: BatchFile, label: str) -> None:
        target = self._target
        self._set_uploading(True)
        try:
            pending, reused = begin_upload(
                target.watchlist,
                batch_file,
                environment=target.environment,
                base_url=target.client.base_url,
                label=label,
                clock=target.clock,
            )
        except (WatchListError, OSError) as error:
            self._set_uploading(False)
            self._status(Text(f"Nothing was uploaded: {clean(str(error))}", style="red"))
            return
        note = " (again, with the same idempotency key)" if reused else ""
        self._status(Text(f"Uploading {clean(batch_file.name, limit=80)}{note}…"))
        outcome = await send_upload(
            target.client, target.watchlist, batch_file, pending, label=label, clock=target.clock
        )
        self._set_uploading(False)
        if outcome.entry is not None:
            self.dismiss(outcome.entry)
            return
        if outcome.receipt is not None:
            problem = Text(f"Uploaded as batch {outcome.receipt.batch_id}, ", style="bold")
            problem.append("but the watch list could not record it:\n", style="bold red")
            problem.append(clean(outcome.save_problem, keep_newlines=True))
            problem.append("\nUpload the same file again to get this batch back.")
            self._status(problem)
            return
        failure = outcome.advised_failure("upload the same file again")
        assert failure is not None
        headline, *details = failure_lines(failure)
        shown = Text(f"Upload failed: {headline}", style="bold red")
        for line in details:
            shown.append(f"\n{line}")
        self._status(shown)

    def _set_uploading(self, uploading: bool) -> None:
        self._uploading = uploading
        self._ask(False)
        self.query_one("#upload-start", Button).disabled = uploading or not (
            self._file is not None and self._file.uploadable
        )

    def action_cancel(self) -> None:
        if self._uploading:
            self.notify("Waiting for Reap's answer to the upload.", severity="warning")
            return
        self.dismiss(None)

    @on(Button.Pressed, "#upload-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # -- display ---------------------------------------------------------------------------------

    def _ask(self, asking: bool) -> None:
        self.query_one("#upload-confirm", Button).set_class(asking, "-asking")

    def _status(self, text: Text) -> None:
        self.query_one("#upload-status", Static).update(text)

    def _show_report(self, text: Text) -> None:
        self.query_one("#upload-report", Static).update(text)


def _report_text(batch_file: BatchFile) -> Text:
    """The `validate` report, errors in red and warnings in yellow (lines already escaped)."""
    text = Text(clean(batch_file.name, limit=80), style="bold")
    *problems, summary = validation_lines(batch_file.report)
    for line in problems:
        text.append(f"\n{line}", style="yellow" if line.startswith("warning:") else "red")
    text.append(f"\n{summary}", style="bold green" if batch_file.report.ok else "bold red")
    return text
