"""Imports in the watch list: named groups of batches, in order, usually one CSV split in chunks.

An import belongs to one Reap host (its base URL): its name is unique there, compared without
regard to case. A batch belongs to at most one import. An import made from a file keeps the
plan it was uploaded by: the source's path and SHA-256 and, for each chunk in order, its
spreadsheet rows, its size and SHA-256, the idempotency key it is sent with and, once Reap has
answered, its batch id. A chunk keeps its batch id even if the batch is later removed from the
watch list, so the plan never sends it again.

The functions here are pure: they take the imports as the file holds them and return the
changed list; `WatchList.change_imports` applies them under the lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from reap_tui.text import clean

NAME_LIMIT = 80  # characters, as for a label


class ImportConflict(Exception):
    """A change the imports cannot take (a name in use, a batch in another import); the
    message says what to do instead."""


@dataclass(frozen=True)
class ImportChunk:
    """One upload of an import's plan; rows are the source's spreadsheet rows."""

    first_row: int
    last_row: int
    rows: int  # data rows
    size_bytes: int
    sha256: str  # of the chunk's bytes, header included
    idempotency_key: str
    batch_id: str | None = None

    @property
    def rows_text(self) -> str:
        return f"rows {self.first_row:,}-{self.last_row:,}"


@dataclass(frozen=True)
class ImportSource:
    """The file an import was split from, as it was when the plan was made."""

    path: str
    sha256: str
    size_bytes: int
    data_rows: int


@dataclass(frozen=True)
class Import:
    name: str
    environment: str
    base_url: str
    created_at: float
    batch_ids: tuple[str, ...] = ()  # the members, in order
    source: ImportSource | None = None
    chunks: tuple[ImportChunk, ...] = ()

    def is_named(self, name: str, base_url: str) -> bool:
        return self.base_url == base_url and self.name.casefold() == name.casefold()

    @property
    def unsent(self) -> tuple[ImportChunk, ...]:
        """The chunks whose batch id is not known yet."""
        return tuple(chunk for chunk in self.chunks if chunk.batch_id is None)

    @property
    def finished(self) -> bool:
        return not self.unsent

    def chunk_batch_ids(self) -> list[str]:
        return [chunk.batch_id for chunk in self.chunks if chunk.batch_id is not None]


def check_name(text: str) -> str:
    """An import name as typed, cleaned; ValueError saying what is wrong with it."""
    name = clean(text.strip())
    if not name:
        raise ValueError("an import name must not be empty")
    if len(name) > NAME_LIMIT:
        raise ValueError(f"an import name is at most {NAME_LIMIT} characters")
    return name


def find(imports: Iterable[Import], name: str, base_url: str) -> Import | None:
    return next((each for each in imports if each.is_named(name, base_url)), None)


def import_of(imports: Iterable[Import], batch_id: str) -> Import | None:
    """The import a batch belongs to, if any."""
    return next((each for each in imports if batch_id in each.batch_ids), None)


def positions(imports: Iterable[Import]) -> dict[str, tuple[str, int]]:
    """Each member batch's import name and position in it (0 is the first, as the engine's
    `ImportMembership` counts)."""
    return {
        batch_id: (each.name, position)
        for each in imports
        for position, batch_id in enumerate(each.batch_ids)
    }


def with_new(imports: Sequence[Import], new: Import) -> list[Import]:
    """`imports` with `new` added; ImportConflict if its name is taken on its host."""
    taken = find(imports, new.name, new.base_url)
    if taken is not None:
        raise ImportConflict(
            f"the name {taken.name!r} is already used by an import on {taken.base_url} "
            f"({describe_origin(taken)}): choose another name"
        )
    return [*imports, new]


def with_members(
    imports: Sequence[Import],
    name: str,
    batch_ids: Sequence[str],
    *,
    environment: str,
    base_url: str,
    created_at: float,
) -> list[Import]:
    """Append batches to the import `name` on `base_url` (made if new), in order; a batch already
    in it stays where it is. ImportConflict if one belongs to another import."""
    target = find(imports, name, base_url) or Import(name, environment, base_url, created_at)
    for batch_id in batch_ids:
        owner = import_of(imports, batch_id)
        if owner is not None and owner is not target:
            raise ImportConflict(f"batch {batch_id} is already in the import {owner.name!r}")
    added = tuple(dict.fromkeys(b for b in batch_ids if b not in target.batch_ids))
    changed = replace(target, batch_ids=target.batch_ids + added)
    return _replaced(imports, target, changed)


def with_chunk_batch(
    imports: Sequence[Import], name: str, base_url: str, idempotency_key: str, batch_id: str
) -> list[Import] | None:
    """The chunk sent with `idempotency_key` gets its batch id, and the batch joins the import
    (unless another import holds it); None if the import or the chunk is gone."""
    target = find(imports, name, base_url)
    if target is None:
        return None
    chunks = list(target.chunks)
    for index, chunk in enumerate(chunks):
        if chunk.idempotency_key == idempotency_key:
            chunks[index] = replace(chunk, batch_id=batch_id)
            break
    else:
        return None
    members = target.batch_ids
    if import_of(imports, batch_id) is None:
        members += (batch_id,)
    return _replaced(imports, target, replace(target, chunks=tuple(chunks), batch_ids=members))


def describe_origin(imported: Import) -> str:
    """`from /home/ana/march.csv` or `batches added by id`, made safe to show."""
    if imported.source is None:
        return "batches added by id"
    return f"from {clean(imported.source.path, limit=120)}"


def _replaced(imports: Sequence[Import], old: Import, new: Import) -> list[Import]:
    if old in imports:
        return [new if each is old else each for each in imports]
    return [*imports, new]
