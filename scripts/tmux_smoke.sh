#!/usr/bin/env bash
# Start `reap-tui --demo` in tmux as a user would, at 80x24, 120x36 and 200x50, press keys, and
# check what the captured screen shows. Exits non-zero if a check failed; always kills its own tmux
# session.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"
session="reap-tui-smoke-$$"
failures=0

cleanup() { tmux kill-session -t "$session" 2>/dev/null || true; }
trap cleanup EXIT

screen() { tmux capture-pane -p -t "$session"; }

# One key (or literal text with -l) and a pause, so a lone Escape is not read as Alt+next key.
send() { tmux send-keys -t "$session" "$@"; sleep 1; }

# Wait up to $2 seconds for text $1 to appear on the screen.
expect() {
    local text="$1" wait="${2:-20}" i
    for ((i = 0; i < wait * 4; i++)); do
        if screen | grep -qF -- "$text"; then return 0; fi
        sleep 0.25
    done
    echo "FAIL ($size): never saw: $text" >&2
    screen >&2
    failures=$((failures + 1))
    return 1
}

# Every batch row of the table with counts (a batch Reap answered) shows a relative time ("… ago"
# or "just now") under the "Updated" header.
updated_in_every_checked_row() {
    if screen | "$python" -c '
import sys
lines = sys.stdin.read().splitlines()
header = next(i for i, line in enumerate(lines) if "Updated" in line and "Label" in line)
done_end = lines[header].index("Done/Total") + len("Done/Total")
updated_end = lines[header].index("Updated") + len("Updated")
rows = []
for line in lines[header + 1 :]:
    if line.startswith("╰"):
        break
    if "▌" in line[done_end:]:  # a toast covers part of this row (a bar has "▌" too, before)
        continue
    if line[2:4] in ("▸ ", "▾ "):  # an import: "—" until one of its batches has changed
        continue
    done = line[done_end - 13 : done_end]
    if any(char.isdigit() for char in done):  # counts shown: Reap answered
        rows.append(line[updated_end - 8 : updated_end].strip())
ok = bool(rows) and all(cell.endswith(" ago") or cell == "just now" for cell in rows)
sys.exit(0 if ok else 1)
'; then
        return 0
    fi
    echo "FAIL ($size): a checked row without a relative time under Updated" >&2
    screen >&2
    failures=$((failures + 1))
    return 1
}

# No toast covers a table column: each toast line (its left edge, "▌") lies outside the table's
# box (below it when the pane is under the table, to its right when the pane is beside it).
toasts_cover_no_table_column() {
    if screen | "$python" -c '
import sys
lines = sys.stdin.read().splitlines()
top = next(i for i, line in enumerate(lines) if "Batches (" in line)
left = lines[top].index("╭")
right = lines[top].index("╮", left)
bottom = next(i for i in range(top + 1, len(lines)) if lines[i][left : left + 1] == "╰")
# A toast is found by its text; its left edge ("▌") is the same column on each of its lines
# (a progress bar has the same glyph, so it is not looked for alone).
edges = [line.index("▌ " + text) for line in lines for text in ("Checking all", "Batch id") if "▌ " + text in line]
if not edges:
    sys.exit(1)
edge = edges[0]
rows = [i for i, line in enumerate(lines) if line[edge : edge + 1] == "▌"]
covered = [i for i in rows if top <= i <= bottom and left <= edge <= right]
sys.exit(1 if covered else 0)
'; then
        return 0
    fi
    echo "FAIL ($size): no toast, or a toast over the table" >&2
    screen >&2
    failures=$((failures + 1))
    return 1
}

refuse() {
    if screen | grep -qF -- "$1"; then
        echo "FAIL ($size): should not see: $1" >&2
        failures=$((failures + 1))
    fi
}

for size in 80x24 120x36 200x50; do
    cols="${size%x*}" rows="${size#*x}"
    tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
        "cd '$here' && TERM=xterm-256color '$python' -m reap_tui --demo; echo EXITED-\$?; sleep 30"
    expect "DEMO" || true
    expect "✗ failed" || true
    expect "not found" || true
    expect "Batches (22)" || true
    # The demo import is one row above its batches, folded where they do not fit beside the
    # others, open where they do.
    expect "Selected import" || true
    if ((rows >= 50)); then
        expect "▾ March · 12 batches" || true
        send Left
        expect "▸ March · 12 batches" || true
        send Right
    else
        expect "▸ March · 12 batches" || true
        send Right
        expect "▾ March · 12 batches" || true
        send Left
    fi
    send Down  # the batch under the import's row
    expect "Selected batch" || true
    # Nothing cut off: the footer's last binding is still on screen.
    expect "Quit" || true
    if ((cols >= 120)); then
        # The columns an analyst came for, with the time of the last change as "… ago".
        for column in "Done/Total" "Failed" "ETA" "Updated" "Next check"; do
            expect "$column" || true
        done
        expect " ago " || true
        updated_in_every_checked_row || true
        # The selected batch's id whole on one line of the pane.
        if ! screen | grep -qE "Id +[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"; then
            echo "FAIL ($size): no full batch id on one line" >&2
            screen >&2
            failures=$((failures + 1))
        fi
    fi
    refuse "Traceback"
    refuse "running"

    # Two toasts at once (checking all, then the copied id) sit where they cover no column.
    send "R"
    send "c"
    expect "Batch id" 5 || true
    toasts_cover_no_table_column || true

    send "/"
    send -l "referrals"
    expect "filter “referrals”: 1 shown" || true
    send Escape
    expect "Batches (22) · sort: attention" || true

    # An import's name shows it with its batches.
    send "/"
    send -l "march"
    expect "filter “march”: 13 shown" || true
    send Escape
    expect "Batches (22) · sort: attention" || true

    # A header word filters by that state; after enter, escape on the table clears it.
    send "/"
    send -l "completed"
    send Enter
    expect "filter “completed”" || true
    send Escape
    expect "Batches (22) · sort: attention" || true

    # Every notification so far, on a screen of its own.
    send "n"
    expect "Notifications (" || true
    send Escape

    send "a"
    expect "Watch a batch" || true
    send -l "not-a-uuid"
    expect "Not a batch id" || true
    send Escape

    send "s"
    expect "sort: label" || true

    send "?"
    expect "Keys" || true
    if ((rows >= 36)); then expect "Statuses" || true; fi
    send Escape

    send "C"
    expect "Columns" || true
    expect "(always first)" || true
    send Escape

    send "q"
    expect "EXITED-0" || true
    refuse "Traceback"
    cleanup
done

if ((failures)); then
    echo "tmux smoke: $failures check(s) failed" >&2
    exit 1
fi
echo "tmux smoke: all checks passed at 80x24, 120x36 and 200x50"
