"""The modal dialogs: add a batch, confirm a removal, enter a key, help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.validation import ValidationResult, Validator
from textual.widgets import Button, Input, Label, Static

from reap_tui.api.ids import InvalidBatchId, parse_batch_id
from reap_tui.apikey import ApiKey
from reap_tui.labels import clean_label
from reap_tui.store.model import LABEL_LIMIT
from reap_tui.vocabulary import CONDITIONS, IMPORT_CONDITIONS, Rules, meaning


@dataclass(frozen=True)
class AddRequest:
    batch_id: str
    label: str


class BatchIdValidator(Validator):
    """A UUID not already watched; the failure text says which."""

    def __init__(self, is_watched: Callable[[str], bool]) -> None:
        super().__init__()
        self._is_watched = is_watched

    def validate(self, value: str) -> ValidationResult:
        try:
            batch_id = parse_batch_id(value)
        except InvalidBatchId:
            if not value.strip():
                return self.failure("Paste a batch id (a UUID).")
            return self.failure("Not a batch id: expected 8-4-4-4-12 hex digits.")
        if self._is_watched(batch_id):
            return self.failure("Already watched.")
        return self.success()


class AddBatchScreen(ModalScreen[AddRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, is_watched: Callable[[str], bool]) -> None:
        super().__init__()
        self._validator = BatchIdValidator(is_watched)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Watch a batch", style="bold"))
            yield Label(Text("Batch id"))
            yield Input(
                placeholder="784d4045-c900-4050-aad6-8fe4c8d2fb16",
                validators=[self._validator],
                validate_on=["changed", "submitted"],
                id="batch-id",
            )
            yield Static(Text("Paste a batch id (a UUID).", style="dim"), id="id-problem")
            yield Label(Text("Label (optional)"))
            yield Input(placeholder="e.g. October onboarding", max_length=LABEL_LIMIT, id="label")
            with Horizontal(classes="buttons"):
                yield Button("Watch", variant="primary", id="add", disabled=True)
                yield Button("Cancel", id="cancel")

    @on(Input.Changed, "#batch-id")
    def _check_id(self, event: Input.Changed) -> None:
        result = event.validation_result
        problem = self.query_one("#id-problem", Static)
        valid = result is not None and result.is_valid
        if valid:
            problem.update(Text("✓ a valid batch id", style="green"))
        else:
            reason = result.failure_descriptions[0] if result else ""
            problem.update(Text(f"✗ {reason}", style="red" if event.value.strip() else "dim"))
        self.query_one("#add", Button).disabled = not valid

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def _submit(self) -> None:
        id_input = self.query_one("#batch-id", Input)
        if not self._validator.validate(id_input.value).is_valid:
            id_input.focus()
            return
        label = clean_label(self.query_one("#label", Input).value)
        if label.was_cut:
            self.notify(label.cut_note.capitalize() + ".", severity="warning")
        self.dismiss(AddRequest(parse_batch_id(id_input.value), label.text))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No"),
        Binding("y", "answer(True)", "Yes"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._question)
            with Horizontal(classes="buttons"):
                yield Button("Remove (y)", variant="error", id="yes")
                yield Button("Keep (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ApiKeyScreen(ModalScreen[ApiKey | None]):
    """The key is typed into a password field and handed back wrapped, so that no variable a
    crash report could print ever holds it bare; it is kept only in memory."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("API key for this session", style="bold"))
            yield Static(
                Text(
                    "Used until you quit; never saved or shown. "
                    "For every session, set REAP_API_KEY.",
                    style="dim",
                )
            )
            yield Input(password=True, placeholder="paste the key", id="key")
            yield Static(id="key-problem")
            with Horizontal(classes="buttons"):
                yield Button("Use key", variant="primary", id="use")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#use")
    def _submit(self) -> None:
        secret = ApiKey(self.query_one("#key", Input).value.strip())
        if secret and secret.problem:
            self.query_one("#key-problem", Static).update(
                Text(f"Not usable: {secret.problem}.", style="bold red")
            )
            return
        self.dismiss(secret if secret else None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("a", "watch a batch (paste its id)"),
    ("u", "upload a batch CSV (validated first) and watch it"),
    ("d", "stop watching the selected batch (asks first)"),
    ("r / R", "check the selected batch / every batch now"),
    ("space", "pause or resume the selected batch"),
    ("enter", "fold or open the selected import"),
    ("→ / ←", "open / fold it; r R space on its row act on its batches"),
    ("n", "every notification of this session"),
    ("P", "pause or resume every batch"),
    ("/", "filter: a state (failed, stalled…) or label/id words"),
    ("s", "next sort order (or click a column header)"),
    ("C", "choose the columns and their order"),
    ("e", "show another environment of the watch list"),
    ("c", "copy the selected batch id"),
    ("t", "times in local zone or UTC"),
    ("b", "show or hide the raw body of the last error"),
    ("k", "enter an API key for this session and environment"),
    ("tab", "move to the detail pane (then pgdn / pgup scroll it)"),
    ("ctrl+p", "command palette: actions, jump to a batch"),
    ("O", "write the list shown over a watch list file that cannot be read"),
    ("q", "quit (checks stop, the watch list is saved)"),
)  # fmt: skip


def status_rows(rules: Rules) -> list[tuple[str, str]]:
    """Every state as the table shows it, and what it means under the settings in force."""
    return [(condition.label, meaning(condition, rules)) for condition in CONDITIONS]


def import_status_rows(rules: Rules) -> list[tuple[str, str]]:
    """Every state of an import as its row shows it, and what it means."""
    conditions = IMPORT_CONDITIONS.values()
    return [(condition.label, meaning(condition, rules)) for condition in conditions]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, rules: Rules = Rules()) -> None:  # noqa: B008
        super().__init__()
        self._rules = rules

    def compose(self) -> ComposeResult:
        body = Text()
        body.append("Keys\n", style="bold")
        for keys, says in HELP_ROWS:
            body.append(f"  {keys:<8}", style="bold cyan")
            body.append(f" {says}\n")
        body.append(
            "\nStatuses (the header counts them; / and a name filters by one)\n", style="bold"
        )
        for status, says in status_rows(self._rules):
            body.append(f"  {status:<16}", style="bold")
            body.append(f" {says}\n")
        body.append("\nImports (a row above their batches, filtered the same way)\n", style="bold")
        for status, says in import_status_rows(self._rules):
            body.append(f"  {status:<16}", style="bold")
            body.append(f" {says}\n")
        body.append("\nPress escape to close.", style="dim")
        with VerticalScroll(classes="dialog help"):
            yield Static(body)

    def action_close(self) -> None:
        self.dismiss(None)
