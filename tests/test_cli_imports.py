"""Grouping batches uploaded elsewhere into imports: `import FILE --import NAME` (labels from a
second column) and `add ID --import NAME`, then `list` and `list --json`; a temp home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .cli_support import run_cli

A = "784d4045-c900-4050-aad6-8fe4c8d2fb16"
B = "11111111-2222-4333-8444-555555555555"
C = "22222222-3333-4444-8555-666666666666"
D = "33333333-4444-4555-8666-777777777777"


def listed(home: Path) -> dict[str, Any]:
    done = run_cli(home, "list", "--json")
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_import_groups_the_ids_in_order_with_labels_from_the_second_column(
    tmp_path: Path,
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# March, as uploaded by the migration script\n{B}  rows 2-5,001\n{A}\n")
    table = tmp_path / "more.csv"
    table.write_text(f'{C},"rows 10,002-15,001"\n')

    first = run_cli(tmp_path, "import", str(ids), "--import", "March")
    second = run_cli(tmp_path, "import", str(table), "--import", "march")

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "the import 'March' [sandbox] holds 2 batches" in first.stdout
    assert "the import 'March' [sandbox] holds 3 batches" in second.stdout
    document = listed(tmp_path)
    (imported,) = document["imports"]
    assert (imported["name"], imported["batchIds"]) == ("March", [B, A, C])
    assert (imported["sourceFile"], imported["chunks"], imported["finished"]) == (None, [], True)
    labels = {e["batchId"]: (e["label"], e["import"]) for e in document["entries"]}
    assert labels == {
        B: ("rows 2-5,001", "March"),
        A: ("", "March"),
        C: ("rows 10,002-15,001", "March"),
    }


def test_add_appends_to_an_import_and_list_groups_by_import(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "add", D, "--label", "alone").returncode == 0
    assert run_cli(tmp_path, "add", A, "--import", "April", "--label", "first").returncode == 0
    watched_first = run_cli(tmp_path, "add", B, "--label", "second")
    assert watched_first.returncode == 0
    joined = run_cli(tmp_path, "add", B, "--import", "April")

    assert joined.returncode == 0, joined.stderr
    assert "already in the watch list" in joined.stdout and "nothing changed" not in joined.stdout
    assert "the import 'April' [sandbox] holds 2 batches" in joined.stdout
    assert listed(tmp_path)["imports"][0]["batchIds"] == [A, B]
    lines = run_cli(tmp_path, "list").stdout.splitlines()
    assert lines[0].startswith(D)
    assert lines[1] == "import 'April' [sandbox] batches added by id"
    assert lines[2].startswith(f"  {A}  first") and lines[3].startswith(f"  {B}  second")
    assert {e["batchId"]: e["import"] for e in listed(tmp_path)["entries"]} == {
        D: None,
        A: "April",
        B: "April",
    }


def test_a_batch_in_another_import_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "add", A, "--import", "March").returncode == 0
    watchlist = tmp_path / ".local/share/reap-tui/watchlist.toml"
    before = watchlist.read_bytes()
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{B}\n{A}\n")

    added = run_cli(tmp_path, "add", A, "--import", "April")
    imported = run_cli(tmp_path, "import", str(ids), "--import", "April")

    for done in (added, imported):
        assert done.returncode == 2
        assert f"batch {A} is already in the import 'March'; nothing was changed" in done.stderr
    assert watchlist.read_bytes() == before


def test_an_import_holds_batches_of_one_environment(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "add", A, "--env", "staging").returncode == 0
    refused = run_cli(tmp_path, "add", A, "--import", "March")
    assert refused.returncode == 2
    assert "is watched under staging" in refused.stderr
    assert listed(tmp_path)["imports"] == []


def test_an_empty_import_name_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "add", A, "--import", "  ")
    assert done.returncode == 2 and "must not be empty" in done.stderr
