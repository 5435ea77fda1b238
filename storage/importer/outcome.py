"""What an import reports back: what it created and updated, or every problem that stopped it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from storage import audit
from storage.db import Database
from storage.importer.values import code_key


@dataclass(frozen=True)
class RowError:
    line: int      # as the officer sees it: header is line 1; 0 means the file as a whole
    reason: str


class ImportRejected(Exception):
    """The file has problems; nothing was written. `errors` lists every one of them."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [f"{len(self.errors)} problem(s), nothing was imported:"]
        lines += [f"  {'file' if e.line == 0 else f'line {e.line}'}: {e.reason}" for e in self.errors]
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


_Row = TypeVar("_Row", bound=_Coded)


@dataclass(frozen=True)
class Upsert:
    """Writing a checked file: every row or, if any problem was found, none."""

    db: Database
    path: Path
    entity: str        # "units" or "houses", as the audit log names it
    actor: str
    at: str

    async def all(self, rows: Sequence[_Row], existing: Container[str], errors: Sequence[RowError],
                  write: Callable[[_Row], Awaitable[object]]) -> ImportResult:
        """Call inside the transaction the rows were checked in; `existing` holds code keys."""
        if errors:
            raise ImportRejected(errors)
        for row in rows:
            await write(row)
        updated = sum(1 for row in rows if code_key(row.code) in existing)
        result = ImportResult(len(rows) - updated, updated)
        await audit.log(self.db, self.at, None, "import", self.entity, self.path.name,
                        {"created": result.created, "updated": result.updated, "actor": self.actor})
        return result
