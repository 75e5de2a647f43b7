"""`summary.errors` items as a reader sees them: one line each.

Reap documents `summary.errors` as a list and announces per-record details "in a future
release", so an item may be a string or an object of any shape. An object with recognisable
fields reads `row 3 · 0f1e2d3c… · share token expired (E42)`; anything else is compact JSON.
Every string goes through `clean` before it is placed, so a control character shows the same
way (`␛`) whether it came in a string item or inside an object.
"""

from __future__ import annotations

import json
from typing import Any

from reap_tui.text import clean

ITEM_LIMIT = 300
_WHERE = ("row", "line", "lineNumber")
_WHAT = ("message", "reason")
_ID_SHOWN = 8  # an external id longer than this shows its first characters and "…"


def error_line(item: object) -> str:
    """One line for one `summary.errors` item, at most ITEM_LIMIT characters."""
    if isinstance(item, str):
        return clean(item, limit=ITEM_LIMIT)
    if isinstance(item, dict) and any(key in item for key in (*_WHERE, *_WHAT, "externalId")):
        return clean(_readable(item), limit=ITEM_LIMIT)
    return compact_json(item, limit=ITEM_LIMIT)


def _readable(item: dict[str, Any]) -> str:
    parts: list[str] = []
    used: set[str] = set()
    for key in _WHERE:
        if key in item:
            used.add(key)
            parts.append(f"{'row' if key == 'row' else 'line'} {_plain(item[key])}")
            break
    if "externalId" in item:
        used.add("externalId")
        external = _plain(item["externalId"])
        parts.append(external if len(external) <= _ID_SHOWN + 1 else external[:_ID_SHOWN] + "…")
    for key in _WHAT:
        if key in item:
            used.add(key)
            parts.append(_plain(item[key]))
            break
    if "code" in item:
        used.add("code")
        code = f"({_plain(item['code'])})"
        if parts:
            parts[-1] += f" {code}"
        else:
            parts.append(code)
    rest = {key: value for key, value in item.items() if key not in used}
    if rest:
        parts.append(compact_json(rest, limit=ITEM_LIMIT))
    return " · ".join(parts)


def _plain(value: object) -> str:
    return clean(value, limit=ITEM_LIMIT) if isinstance(value, str) else compact_json(value)


def compact_json(value: object, *, limit: int | None = None) -> str:
    """JSON without spaces, every string in it (keys too) cleaned first, so control characters
    read as they do everywhere else rather than as JSON escapes."""
    text = json.dumps(_cleaned(value), ensure_ascii=False, separators=(",", ":"), default=str)
    return clean(text, limit=limit)


def _cleaned(value: object, depth: int = 0) -> object:
    if depth > 20:
        return "…"
    if isinstance(value, str):
        return clean(value, limit=ITEM_LIMIT)
    if isinstance(value, dict):
        return {clean(str(key)): _cleaned(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(item, depth + 1) for item in value]
    return value
