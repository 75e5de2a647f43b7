#!/usr/bin/env bash
# Start `reap-tui --demo` in tmux as a user would, at 80x24 and 120x36, press keys, and check
# what the captured screen shows. Exits non-zero on the first failed check; always kills its
# own tmux session.
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

refuse() {
    if screen | grep -qF -- "$1"; then
        echo "FAIL ($size): should not see: $1" >&2
        failures=$((failures + 1))
    fi
}

for size in 80x24 120x36; do
    cols="${size%x*}" rows="${size#*x}"
    tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
        "cd '$here' && TERM=xterm-256color '$python' -m reap_tui --demo; echo EXITED-\$?; sleep 30"
    expect "DEMO" || true
    expect "✗ failed" || true
    expect "not found" || true
    expect "Batches (22)" || true
    # The demo import is one row above its batches, folded (they do not fit beside the others).
    expect "▸ March · 12 batches" || true
    expect "Selected import" || true
    send Right
    expect "▾ March · 12 batches" || true
    send Left
    # Nothing cut off: the footer's last binding is still on screen.
    expect "Quit" || true
    if ((cols >= 120)); then
        # The columns an analyst came for, with the time of the last change as "… ago".
        for column in "Done/Total" "Failed" "ETA" "Updated" "Next check"; do
            expect "$column" || true
        done
        expect " ago " || true
    fi
    refuse "Traceback"

    send "/"
    send -l "march"
    expect "filter “march”: 13 shown" || true
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
    expect "Statuses" || true
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
echo "tmux smoke: all checks passed at 80x24 and 120x36"
