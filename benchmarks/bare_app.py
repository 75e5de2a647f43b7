"""The baseline of the screen scenarios: a bare Textual app that mounts a `DataTable` of N rows
of plain strings, as wide as the dashboard's table. Imports Textual only."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

# Both the dashboard and the bare app run headless at this terminal size.
SCREEN_SIZE = (120, 40)

COLUMNS = (
    "Label", "Status", "Progress", "Failed", "Next check", "Done/Total", "Fail %", "Rate",
    "ETA", "OK", "Id", "Created", "Started", "Updated", "Completed",
)  # fmt: skip
# The cells one progress update changes in the baseline: progress, done, ok, rate, eta, updated.
UPDATED_COLUMNS = (2, 5, 7, 8, 9, 13)


def row(index: int, processed: int) -> tuple[str, ...]:
    percent = processed / 50
    return (
        f"Import part {index + 1:04d}",
        "✓ completed",
        f"█████ {percent:3.0f}%",
        "12",
        "—",
        f"{processed:,}/5,000",
        "0.2%",
        "420/min",
        "—",
        f"{processed - 12:,}",
        f"{index:08x}",
        "30m ago",
        "25m ago",
        "10m ago",
        "10m ago",
    )


class BareTableApp(App[None]):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        for index in range(self.count):
            table.add_row(*row(index, 5000), key=str(index))

    def update_all_rows(self, processed: int) -> None:
        """One progress update of every row, written cell by cell in one batch."""
        table = self.query_one(DataTable)
        with self.batch_update():
            for index in range(self.count):
                cells = row(index, processed)
                for column in UPDATED_COLUMNS:
                    table.update_cell(str(index), COLUMNS[column], cells[column])
