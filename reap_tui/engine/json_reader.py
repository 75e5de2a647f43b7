"""Reading a JSON value that may be anything (a saved record, old, hand-made or hostile):
typed and bounded access where any surprise raises `Unreadable`, never anything else."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from reap_tui.api.parser import parse_timestamp

TEXT_LIMIT = 4000  # characters of any one text (a body excerpt is at most ~1,200)
NUMBER = (int, float)  # JSON numbers; `type(x) in NUMBER` leaves out bool
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class Unreadable(Exception):
    pass


class Reader:
    """One JSON object's keys, each absent (None) or of the type asked for."""

    def __init__(self, value: object) -> None:
        if not isinstance(value, Mapping):
            raise Unreadable
        self._values: Mapping[str, Any] = value

    def get(self, key: str, kind: type[T]) -> T | None:
        value = self._values.get(key)
        if value is None:
            return None
        if type(value) is not kind:  # `type`, not isinstance: True is not a count
            raise Unreadable
        return value

    def text(self, key: str) -> str | None:
        value = self.get(key, str)
        if value is not None and len(value) > TEXT_LIMIT:
            raise Unreadable
        return value

    def count(self, key: str, minimum: int | None = None) -> int | None:
        value = self.get(key, int)
        if value is not None and (abs(value) > 2**53 or (minimum is not None and value < minimum)):
            raise Unreadable
        return value

    def number(self, key: str) -> float | None:
        value = self._values.get(key)
        return None if value is None else finite_all([value])[0]

    def server_time(self, key: str) -> datetime | None:
        text = self.text(key)
        if text is None:
            return None
        moment = parse_timestamp(text)
        if moment is None:
            raise Unreadable
        return moment

    def list(self, key: str, limit: int) -> list[Any] | None:
        items = self.get(key, list)
        if items is not None and len(items) > limit:
            raise Unreadable
        return items

    def choice(self, key: str, choices: type[E]) -> E:
        value = self.get(key, str)
        if value not in {member.value for member in choices}:
            raise Unreadable
        return choices(value)


def columns(table: Mapping[str, Any], names: tuple[str, ...], limit: int) -> list[list[Any]]:
    """Lists of one length, at most `limit`, under `names` (other keys are a later version's)."""
    found: list[list[Any]] = []
    for name in names:
        column = table.get(name)
        if type(column) is not list:
            raise Unreadable
        found.append(column)
    lengths = {len(column) for column in found}
    if len(lengths) != 1 or lengths.pop() > limit:
        raise Unreadable
    return found


def typed(column: list[Any], kinds: tuple[type, ...]) -> None:
    """Every item of `column` is exactly of one of `kinds` (checked at C speed)."""
    if not set(map(type, column)) <= set(kinds):
        raise Unreadable


def finite_all(numbers: list[Any]) -> list[float]:
    """JSON numbers as finite floats (no bool, no infinity, no NaN, none too large)."""
    typed(numbers, NUMBER)
    try:
        floats = list(map(float, numbers))
    except OverflowError:
        raise Unreadable from None
    if not all(map(math.isfinite, floats)):
        raise Unreadable
    return floats
