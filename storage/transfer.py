"""Moving a campaign between databases: SQLite to PostgreSQL (`chungtay migrate`), and restoring a
backup (`chungtay restore`). Copies every table the SQLite schema has, so a migration added later
is copied without a change here, then checks counts and the progress rollups against the source.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from storage import private
from storage.db import Database, Row

BATCH = 5000
# Kept by the triggers on houses: copied from the source after the houses, over what the triggers
# made (a house's earlier stages and the days it moved on are history the houses alone do not hold).
DERIVED = ("house_stages", "progress_daily")
# Remade exactly by the triggers: from the houses' stages, from the contributions and accepted reports.
SKIPPED = ("progress_counts", "contribution_sums", "people_sums")
# (table, column): a reference back to a table copied later; PostgreSQL checks it at commit.
LATE_REFERENCES = {("houses", "ref_report_id")}
# Rows that refer to rows of their own table come after them.
ROW_ORDER = {"units": ("depth", "id"), "users": ("id",)}
SQLITE_HEADER = b"SQLite format 3\x00"


async def tables(db: Database) -> list[str]:
    """The SQLite database's tables, each after the tables its foreign keys point to."""
    names = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    needs = {n: {r[2] for r in await db.fetchall(f"SELECT * FROM pragma_foreign_key_list('{n}')")
                 if (n, r[3]) not in LATE_REFERENCES} - {n}
             for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and needs[n] <= set(ordered)]
        if not ready:
            raise ValueError(f"foreign keys in a cycle among {sorted(set(names) - set(ordered))}")
        ordered.extend(ready)
    return ordered


async def is_empty(db: Database) -> bool:
    """No campaign in it: no unit, house, person or report (a migrated, unused database is empty)."""
    for table in ("units", "houses", "users", "reports", "audit"):
        exists = await _has_table(db, table)
        if exists and await db.scalar(f"SELECT count(*) FROM {table}"):
            return False
    return True


async def size(db: Database) -> tuple[int, int]:
    """How many houses and reports a campaign holds: what `migrate` says it copied."""
    houses = int(await db.scalar("SELECT count(*) FROM houses") or 0)
    reports = int(await db.scalar("SELECT count(*) FROM reports") or 0)
    return houses, reports


async def _has_table(db: Database, table: str) -> bool:
    if db.dialect == "postgresql":
        return bool(await db.scalar("SELECT to_regclass(?) IS NOT NULL", (table,)))
    return await db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)) == 1


async def copy_campaign(source: Database, target: Database) -> list[str]:
    """Copy every row from SQLite `source` into the empty, migrated PostgreSQL `target`, in one
    transaction; then compare. Returns what differs (nothing: the copy is complete)."""
    order = await tables(source)
    async with target.transaction():
        for table in order:
            if table in SKIPPED:
                continue
            info = await source.fetchall(f"SELECT name, pk FROM pragma_table_info('{table}')")
            columns = [r[0] for r in info]
            if table in DERIVED:
                await target.execute(f"DELETE FROM {table}")
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            keys = ROW_ORDER.get(table) or await _arrival_order(source, table, info)
            async for rows in _read(source, table, names, keys):
                await target.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            if "id" in columns:
                # Ids were given: the next one made here must follow the largest copied.
                await target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
    # Statistics for the planner now, not whenever autovacuum comes by: without them the first
    # officers' queries on the copy are planned as if every table were empty.
    await target.execute("ANALYZE")
    return await compare(source, target, order)


async def _arrival_order(db: Database, table: str, info: list[Row]) -> tuple[str, ...]:
    """rowid, the order rows came in (the inbox and the outbox are read in it); a WITHOUT ROWID
    table has none, and its primary key instead."""
    made = str(await db.scalar("SELECT sql FROM sqlite_master WHERE name = ?", (table,)))
    if "WITHOUT ROWID" not in made.upper():
        return ("rowid",)
    return tuple(r[0] for r in sorted((r for r in info if r[1]), key=lambda r: r[1]))


async def _read(db: Database, table: str, names: str,
                keys: tuple[str, ...]) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The table's rows in `keys` order, BATCH at a time: a national campaign's millions of rows
    never sit in memory at once (each batch starts after the last key read, so no batch rereads)."""
    order = ", ".join(keys)
    after: tuple[Any, ...] = ()
    while True:
        where = f"WHERE ({order}) > ({', '.join('?' * len(keys))}) " if after else ""
        rows = await db.fetchall(
            f"SELECT {order}, {names} FROM {table} {where}ORDER BY {order} LIMIT {BATCH}", after)
        if not rows:
            return
        yield [tuple(r)[len(keys):] for r in rows]
        after = tuple(rows[-1])[:len(keys)]


# Rollups: table, key, values, how many of the last values make a row count (a row of zeros there
# is as good as no row: a unit with no house left, a correction that moved a contribution away).
ROLLUPS = (("progress_counts", "unit_id", "n0, n1, n2, n3", 3),
           ("progress_daily", "day, path", "n1, n2, n3", 3),
           ("contribution_sums", "source_type, path", "money, materials, workdays, entries", 4),
           ("people_sums", "path, user_id", "workdays, reports", 2))
# Their rows of zeros differ between a source kept for months and a copy just made: no count check.
_UNCOUNTED = ("contribution_sums", "people_sums")


async def compare(source: Database, target: Database, order: list[str]) -> list[str]:
    problems = []
    for table in order:
        if table in _UNCOUNTED:
            continue
        a = await source.scalar(f"SELECT count(*) FROM {table}")
        b = await target.scalar(f"SELECT count(*) FROM {table}")
        if a != b:
            problems.append(f"{table}: {a} → {b}")
    for table, key, values, significant in ROLLUPS:
        query = f"SELECT {key}, {values} FROM {table} ORDER BY {key}"
        a_rows = [tuple(r) for r in await source.fetchall(query)]
        b_rows = [tuple(r) for r in await target.fetchall(query)]
        # A unit with no house left has a row of zeros on one side and may have none on the other.
        a_rows = [r for r in a_rows if any(r[-significant:])]
        b_rows = [r for r in b_rows if any(r[-significant:])]
        if a_rows != b_rows:
            problems.append(f"{table}: {len(set(a_rows) ^ set(b_rows))} rows differ")
    return problems


async def restore_sqlite(backup: Path, database: Path) -> None:
    """Put a backup (a SQLite file `chungtay backup` made) in the database's place, whole: written
    aside, then renamed, so a failure leaves the database as it was."""
    with backup.open("rb") as file:
        if file.read(16) != SQLITE_HEADER:
            raise RuntimeError(f"{backup.name} is not a SQLite database")
    aside = database.with_name(database.name + ".restoring")
    private.make_dirs(database.parent)
    aside.unlink(missing_ok=True)
    private.create_file(aside)  # private before a byte of the campaign is in it
    await asyncio.to_thread(shutil.copyfile, backup, aside)
    for stale in (Path(str(database) + "-wal"), Path(str(database) + "-shm")):
        stale.unlink(missing_ok=True)
    aside.replace(database)


async def restore_postgres(backup: Path, dsn: str) -> None:
    """pg_restore of a `pg_dump -Fc` file, replacing what the database holds."""
    program = shutil.which("pg_restore")
    if program is None:
        raise FileNotFoundError("pg_restore")
    proc = await asyncio.create_subprocess_exec(
        program, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", dsn, str(backup),
        stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(err.decode(errors="replace").strip()[:500])
