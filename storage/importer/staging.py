"""Writing a checked houses file without holding the database's one write lock for long.

The rows go first, in batches, into a TEMP table of this connection: SQLite keeps TEMP tables
apart from the database file, so the bot (another process) writes freely meanwhile. One short
transaction then applies them all in a single statement that runs inside SQLite, with the audit
entry. Either that transaction commits or nothing of the file is in the database: a crash while
staging loses only the TEMP table, and a crash during the last step is rolled back by SQLite.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from storage import audit
from storage.db import Database
from storage.importer.outcome import ImportResult

# Rows per staging transaction: a few milliseconds of the write lock each.
BATCH_ROWS = 2000
_COLUMNS = ("code", "unit_id", "household_head", "head_key", "category", "support_type", "address",
            "lat", "lon")
# Two imports on one connection (the demo, tests) each get their own table.
_tables = itertools.count(1)


async def write_houses(db: Database, path: Path, rows: Iterable[Sequence[Any]], *, actor: str,
                       at: str) -> ImportResult:
    """Create or update (by code) every house, each row given as _COLUMNS in file order."""
    # code compares as houses.code does (NOCASE), for counting the houses that already exist.
    if db.dialect == "postgresql":
        # A pool's batches run on several connections, which a TEMP table would not span.
        table, kind, code = f"house_import_{os.getpid()}_{next(_tables)}", "UNLOGGED ", "CITEXT"
    else:
        table, kind, code = f"temp.house_import_{next(_tables)}", "", "TEXT COLLATE NOCASE"
    await db.execute(f"CREATE {kind}TABLE {table} (line INTEGER PRIMARY KEY, "
                     f"code {code} NOT NULL, unit_id INTEGER NOT NULL, household_head TEXT "
                     "NOT NULL, head_key TEXT NOT NULL, category TEXT NOT NULL, support_type TEXT NOT NULL, "
                     "address TEXT, lat DOUBLE PRECISION, lon DOUBLE PRECISION)")
    try:
        await _stage(db, table, rows)
        return await _apply(db, table, path, actor, at)
    finally:
        await db.execute(f"DROP TABLE IF EXISTS {table}")


async def _stage(db: Database, table: str, rows: Iterable[Sequence[Any]]) -> None:
    marks = ", ".join("?" * (len(_COLUMNS) + 1))
    numbered = enumerate(rows)
    while batch := [(n, *row) for n, row in itertools.islice(numbered, BATCH_ROWS)]:
        # A transaction of its own, under the connection's lock: a transaction another task has
        # open on this connection could otherwise take the batch with it when it rolls back.
        async with db.transaction():
            await db.executemany(f"INSERT INTO {table} VALUES ({marks})", batch)


async def _apply(db: Database, table: str, path: Path, actor: str, at: str) -> ImportResult:
    columns = ", ".join(_COLUMNS)
    # The stage is an import's business only (reports own it): an update leaves it as it is.
    changes = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "code")
    if db.dialect == "postgresql":
        # Fresh tables have no statistics: without them the planner compares every code with every.
        await db.execute(f"ANALYZE {table}")
    async with db.transaction():
        total = int(await db.scalar(f"SELECT count(*) FROM {table}"))
        updated = int(await db.scalar(
            f"SELECT count(*) FROM houses WHERE code IN (SELECT code FROM {table})"))
        # "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not the SELECT.
        await db.execute(f"INSERT INTO houses ({columns}) SELECT {columns} FROM {table} WHERE true "
                         f"ORDER BY line ON CONFLICT(code) DO UPDATE SET {changes}")
        result = ImportResult(total - updated, updated)
        await audit.log(db, at, None, "import", "houses", path.name,
                        {"created": result.created, "updated": result.updated, "actor": actor})
    return result
