"""An immutable sequence of small records kept as columns, each record made when it is read.

A batch restored from the state database brings back up to 120 progress points and 20 checks;
at 10,000 batches, as objects, that is 1.4 million of them (hundreds of MB, and seconds of
allocation and garbage collection before the first screen). Kept as columns (`array`s of
machine numbers, tuples of shared texts) they cost a few bytes each and nothing to make; a
batch whose detail is opened, or whose throughput is drawn, makes the few records it reads.

It compares equal to a tuple of the same records, so a state restored equals the state saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class Packed(Sequence[T], Generic[T]):
    __slots__ = ("_columns", "_length", "_make")

    def __init__(self, make: Callable[..., T], columns: Sequence[Sequence[Any]]) -> None:
        """`columns` of one length; record `i` is `make(*(column[i] for column in columns))`."""
        lengths = {len(column) for column in columns}
        if len(lengths) != 1:
            raise ValueError("the columns of a packed sequence must have one length")
        self._make = make
        self._columns = tuple(columns)
        self._length = lengths.pop()

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(map(self._make, *(column[index] for column in self._columns)))
        return self._make(*map(itemgetter(index), self._columns))

    def __iter__(self) -> Iterator[T]:
        return map(self._make, *self._columns)

    def __reversed__(self) -> Iterator[T]:
        return map(self._make, *(reversed(column) for column in self._columns))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Packed | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))
