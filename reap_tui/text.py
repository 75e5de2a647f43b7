"""Untrusted text (from the server or a file) made safe to print: no control characters, bounded."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# C0 and C1 controls, DEL, the line and paragraph separators (a terminal or Rich may break a
# line there), and the bidi overrides that can reorder what a reader sees.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What json.dumps(ensure_ascii=False) leaves raw among those (it escapes C0 itself), and lone
# surrogates (an undecodable byte of a path or argument), which cannot even be printed as UTF-8.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"[\t\n]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ ...
    if code == 0x7F:
        return "␡"
    return f"\\u{code:04x}"


def clean(text: str, *, limit: int | None = None, keep_newlines: bool = False) -> str:
    """Control characters become visible stand-ins; tabs/newlines become spaces unless kept."""
    cleaned = _UNSAFE.sub(_visible, text)
    if not keep_newlines:
        cleaned = _LINE_BREAKS.sub(" ", cleaned)
    cleaned = "".join(
        char if unicodedata.category(char) not in ("Cs", "Co", "Cn") else "\ufffd"
        for char in cleaned
    )
    if limit is not None and len(cleaned) > limit:
        return cleaned[: max(0, limit - 1)] + "…"
    return cleaned


def describe_value(value: Any, limit: int = 40) -> str:
    """A JSON value as a reader sees it in an error message: `"abc"`, `null`, `a list`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clean(json.dumps(value, ensure_ascii=False), limit=limit)
    if isinstance(value, int | float):
        return clean(repr(value), limit=limit)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return clean(type(value).__name__, limit=limit)


def json_text(value: Any, *, indent: int | None = None) -> str:
    """JSON for a terminal or a pipe: letters of any script stay readable, but every control,
    C1, bidi-override and lone-surrogate character is written as a \\uXXXX escape, so that
    printing the document can neither drive the terminal nor reorder what a reader sees."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    # These characters only ever occur inside JSON strings, where \\uXXXX means the same.
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
