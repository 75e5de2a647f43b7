"""The upload screen: pick a CSV, read its validation report, confirm, upload.

The steps are `reap_tui.uploading`'s, as in `reap-tui upload`: reading and validating run in
a thread so a 10 MB file does not freeze the dashboard; the pending upload is saved before the
request. A file over the limits of one upload but otherwise valid is offered as an import
(`import_plan`, `import_uploading`, as `reap-tui upload --import`): named here, its plan and
chunks saved before the first request, its chunks sent one after another. Each new batch is
handed to `UploadTarget.on_new_batch` as soon as its id is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
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
from reap_tui.batchfile import UnreadableFile, ValidationReport
from reap_tui.chunking import SourceChanged
from reap_tui.clock import Clock
from reap_tui.import_plan import SourceFile, new_import, read_source, record_import, save_chunks
from reap_tui.import_uploading import ChunkSending, ChunkUploaded, ImportEvent, send_import
from reap_tui.labels import clean_label
from reap_tui.report import failure_lines, validation_lines
from reap_tui.store import Entry, WatchList, WatchListError
from reap_tui.store.imports import NAME_LIMIT, Import, ImportConflict, check_name, find
from reap_tui.store.model import LABEL_LIMIT
from reap_tui.store.saved_bytes import SavedBytes
from reap_tui.text import clean
from reap_tui.tui.import_text import import_stopped_text, split_offer_text
from reap_tui.uploading import BatchFile, begin_upload, read_batch_file, send_upload

PRODUCTION = "production"


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload goes and where its batch is recorded: the dashboard's own."""

    client: ReapClient
    watchlist: WatchList
    environment: str
    clock: Clock
    on_new_batch: Callable[[Entry], None]  # watch a batch the upload has just made


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


class ReportBox(VerticalScroll, can_focus=False):
    """The validation report: scrolled with the mouse, never a Tab stop (focus on it showed
    nothing, so Tab from the file list seemed to lose the label field)."""


class UploadScreen(ModalScreen[None]):
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
    #upload-import-name {
        display: none;
    }
    UploadScreen.-split #upload-import-name {
        display: block;
    }
    UploadScreen.-split #upload-label {
        display: none;
    }
    """

    def __init__(self, target: UploadTarget, root: Path) -> None:
        super().__init__()
        self._target = target
        self._root = root
        self._file: BatchFile | None = None
        self._source: SourceFile | None = None  # set when the file is offered as an import
        self._import_name = ""
        self._uploading = False

    @property
    def _production(self) -> bool:
        return self._target.environment == PRODUCTION

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog upload"):
            yield Static(self._banner(), id="upload-target")
            with Horizontal(id="upload-pick"):
                yield CsvTree(self._root, id="upload-tree")
                with ReportBox(id="upload-report-box"):
                    yield Static(
                        Text(
                            "Pick a CSV file: enter opens a folder or checks a file.", style="dim"
                        ),
                        id="upload-report",
                    )
            yield Input(placeholder="label (optional)", max_length=LABEL_LIMIT, id="upload-label")
            yield Input(
                placeholder="import name (required)",
                max_length=NAME_LIMIT,
                id="upload-import-name",
            )
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
        self._file = self._source = None
        self._ask(False)
        self.query_one("#upload-start", Button).disabled = True
        self._status(Text(f"Checking {clean(event.path.name, limit=80)}…", style="dim"))
        self._check(event.path)

    @work(exclusive=True, group="check")
    async def _check(self, path: Path) -> None:
        try:
            batch_file = await asyncio.to_thread(read_batch_file, path)
            source = None
            if not batch_file.uploadable:
                source = await asyncio.to_thread(read_source, path)
        except UnreadableFile as error:
            self._show_report(Text(clean(str(error)), style="red"))
            self._status(Text(""))
            return
        self._file = batch_file
        self._source = source if source is not None and source.uploadable else None
        self.set_class(self._source is not None, "-split")
        start = self.query_one("#upload-start", Button)
        start.label = "Upload as import…" if self._source else "Upload…"
        if self._source is not None and self._source.plan is not None:
            report = _report_text(self._source.name, self._source.report)
            report.append_text(split_offer_text(self._source.plan))
            self._show_report(report)
            self._status(Text("Name the import, then press Upload as import…"))
            start.disabled = False
            return
        shown = source.report if source is not None else batch_file.report
        self._show_report(_report_text(batch_file.name, shown))
        if batch_file.uploadable:
            self._status(Text("The file is valid: press Upload… to continue."))
            start.disabled = False
        else:
            self._status(Text("This file cannot be uploaded: fix the errors shown.", style="red"))

    # -- confirm and upload ----------------------------------------------------------------------

    @on(Input.Submitted, "#upload-label")
    @on(Input.Submitted, "#upload-import-name")
    def _submitted(self) -> None:
        """Enter in the label (or import name) goes on as the Upload button would."""
        if not self.query_one("#upload-start", Button).disabled:
            self._start()

    @on(Button.Pressed, "#upload-start")
    def _start(self) -> None:
        batch_file = self._file
        if self._source is not None:
            self._start_import(self._source)
            return
        if batch_file is None or not batch_file.uploadable:
            return
        self._ask_to(Text(f"{batch_file.description} to "))

    def _start_import(self, source: SourceFile) -> None:
        name_input = self.query_one("#upload-import-name", Input)
        try:
            name = check_name(name_input.value)
        except ValueError as error:
            self._status(Text(f"Name the import: {error}.", style="red"))
            name_input.focus()
            return
        self._import_name = name
        count = len(source.plan.chunks) if source.plan else 0
        self._ask_to(
            Text(f"{source.description} as the import {name!r} of {count} batches to "),
            batches=True,
        )

    def _ask_to(self, what: Text, *, batches: bool = False) -> None:
        question = Text("Upload ", style="bold")
        question.append_text(what)
        question.append(
            self._environment_name(),
            style="bold white on red" if self._production else "bold cyan",
        )
        question.append(f" ({self._target.client.base_url})?")
        if self._production:
            real = "real batches" if batches else "a real batch"
            question.append(f"\nThis creates {real} in production.", style="bold red")
        self._status(question)
        self._ask(True)
        self.query_one("#upload-confirm", Button).focus()

    @on(Button.Pressed, "#upload-confirm")
    def _confirmed(self) -> None:
        if self._uploading:
            return
        if self._source is not None:
            self._upload_import(self._source, self._import_name)
        elif self._file is not None:
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
            target.on_new_batch(outcome.entry)
            self.dismiss(None)
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

    @work(exclusive=True, group="upload")
    async def _upload_import(self, source: SourceFile, name: str) -> None:
        target = self._target
        self._set_uploading(True)
        try:
            imported, resumed = await self._plan(source, name)
        except (ImportConflict, SourceChanged, WatchListError, OSError) as error:
            self._set_uploading(False)
            self._status(Text(f"Nothing was uploaded: {clean(str(error))}", style="red"))
            return
        total = len(imported.chunks)

        def progress(event: ImportEvent) -> None:
            if isinstance(event, ChunkSending):
                rows = event.chunk.rows_text
                self._status(Text(f"Uploading chunk {event.number} of {total} ({rows})…"))
            elif isinstance(event, ChunkUploaded):
                target.on_new_batch(event.entry)

        run = await send_import(
            target.client,
            target.watchlist,
            imported,
            clock=target.clock,
            on_event=progress,
            resumed=resumed,
        )
        self._set_uploading(False)
        if run.complete:
            self.dismiss(None)
        else:
            self._status(import_stopped_text(run))

    async def _plan(self, source: SourceFile, name: str) -> tuple[Import, bool]:
        """The import to send: an unfinished one of this name from this very content (resumed),
        else a new one, its chunks saved (in a thread) and then recorded, before any request."""
        target = self._target
        base_url = target.client.base_url
        existing = find(target.watchlist.imports, name, base_url)
        if existing is not None:
            same = existing.source is not None and existing.source.sha256 == source.sha256
            if same and not existing.finished:
                return existing, True
            raise ImportConflict(
                f"the name {existing.name!r} is already used by an import on {base_url}: "
                "choose another name"
            )
        planned = new_import(
            source, name, environment=target.environment, base_url=base_url, clock=target.clock
        )
        saved = SavedBytes.beside(target.watchlist.path)
        await asyncio.to_thread(save_chunks, saved, source, planned)
        record_import(target.watchlist, planned)
        return planned, False

    def _set_uploading(self, uploading: bool) -> None:
        self._uploading = uploading
        self._ask(False)
        ready = self._source is not None or (self._file is not None and self._file.uploadable)
        self.query_one("#upload-start", Button).disabled = uploading or not ready

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


def _report_text(name: str, report: ValidationReport) -> Text:
    """The `validate` report, errors in red and warnings in yellow (lines already escaped)."""
    text = Text(clean(name, limit=80), style="bold")
    *problems, summary = validation_lines(report)
    for line in problems:
        text.append(f"\n{line}", style="yellow" if line.startswith("warning:") else "red")
    text.append(f"\n{summary}", style="bold green" if report.ok else "bold red")
    return text
