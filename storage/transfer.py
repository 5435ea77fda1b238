"""Moving a campaign between databases: SQLite to PostgreSQL (`chungtay migrate`), and restoring a
backup (`chungtay restore`). Copies every table the SQLite schema has, so a migration added later
is copied without a change here (a table its triggers keep: storage/rebuild.py), then checks counts
and the rollups against the source.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from storage import private, rebuild
from storage.db import Database, Row

log = logging.getLogger(__name__)

BATCH = 5000
# (table, column): a reference back to a table copied later (the keys are checked once all are in).
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
    transaction; then compare. Returns what differs (nothing: the copy is complete).

    The rows go in by COPY, a table at a time, with the triggers that keep the rollups off
    (storage/rebuild.py): row by row they cost the national campaign 37 minutes. The rollups are
    then computed once from the copied rows. The foreign keys are checked once too, over every row,
    when they are put back before the commit (half the server's work when each row checked its
    own), and the indexes that back no constraint are built once from the copied rows. Checks,
    primary keys, uniqueness and the audit log's refusal of UPDATE and DELETE stay on throughout
    (its triggers fire on neither INSERT nor COPY, and are never touched here). All of it is inside
    the copy's transaction: no other session sees a trigger, key or index missing, and a copy that
    fails leaves the schema, and the database, as they were."""
    from storage.db_postgres import PostgresDatabase  # asyncpg only for those who copy into it

    if not isinstance(target, PostgresDatabase):
        raise TypeError("the target of a copy is a PostgreSQL database")
    order = await tables(source)
    started = time.perf_counter()
    async with target.transaction():
        await rebuild.set_triggers(target, enabled=False)
        keys = await _foreign_keys(target)
        for table, name, _ in keys:
            await target.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        indexes = await _plain_indexes(target)
        for name, _ in indexes:
            await target.execute(f"DROP INDEX {name}")
        for table in order:
            if table in rebuild.REBUILT:
                continue
            info = await source.fetchall(f"SELECT name, pk FROM pragma_table_info('{table}')")
            columns = [r[0] for r in info]
            arrival = ROW_ORDER.get(table) or await _arrival_order(source, table, info)
            copied = await target.copy_rows(table, columns, _read(source, table, ", ".join(columns), arrival))
            await _continue_ids(target, table, columns)
            log.info("copied %s: %d rows (%.1f s)", table, copied, time.perf_counter() - started)
        # Built once from the sorted rows rather than grown a row at a time.
        for _, definition in indexes:
            await target.execute(definition)
        log.info("indexes made (%.1f s)", time.perf_counter() - started)
        # Each key as the migrations made it (name, columns, deferral), checked over all rows at once.
        for table, name, definition in keys:
            await target.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        log.info("foreign keys checked (%.1f s)", time.perf_counter() - started)
        await rebuild.rebuild(target)
        log.info("rollups computed (%.1f s)", time.perf_counter() - started)
        await rebuild.set_triggers(target, enabled=True)
    # Statistics for the planner now, not whenever autovacuum comes by: without them the first
    # officers' queries on the copy are planned as if every table were empty.
    await target.execute("ANALYZE")
    log.info("analyzed (%.1f s)", time.perf_counter() - started)
    problems = await compare(source, target, order)
    log.info("compared (%.1f s)", time.perf_counter() - started)
    return problems


async def _foreign_keys(target: Database) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key of the schema, names quoted for SQL."""
    rows = await target.fetchall(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace ORDER BY 1, 2")
    return [(r[0], r[1], r[2]) for r in rows]


async def _plain_indexes(target: Database) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of every index that backs no constraint. The primary keys and
    unique constraints stay and refuse a duplicate as it arrives; a unique index made on its own
    refuses it when it is made again, before the commit."""
    rows = await target.fetchall(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = current_schema()::regnamespace "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1")
    return [(r[0], r[1]) for r in rows]


async def _continue_ids(target: Database, table: str, columns: list[str]) -> None:
    """Ids were given: the next one the database makes must follow the largest copied."""
    made = await target.fetchall(
        "SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attidentity = 'd' "
        "AND NOT attisdropped", (table,))
    for (column,) in made:
        if column in columns:
            await target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                                 f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")


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
        skip = len(keys)
        yield [r[skip:] for r in rows]  # a Row's slice is a tuple: one copy, not two
        after = rows[-1][:skip]


async def compare(source: Database, target: Database, order: list[str]) -> list[str]:
    """What differs between the copy and its source: each table's row count (but the rebuilt
    rollups': a source kept for months holds rows of zeros a copy just made has not), and every
    rollup's rows compared one by one (storage/rebuild.py says which)."""
    problems = []
    for table in order:
        if table in rebuild.REBUILT:
            continue
        a = await source.scalar(f"SELECT count(*) FROM {table}")
        b = await target.scalar(f"SELECT count(*) FROM {table}")
        if a != b:
            problems.append(f"{table}: {a} → {b}")
    for rollup in rebuild.ROLLUPS:
        if not rollup.key:
            continue
        query = f"SELECT {rollup.key}, {rollup.values} FROM {rollup.table} ORDER BY {rollup.key}"
        a_rows = [tuple(r) for r in await source.fetchall(query)]
        b_rows = [tuple(r) for r in await target.fetchall(query)]
        a_rows = [r for r in a_rows if any(r[-rollup.significant:])]
        b_rows = [r for r in b_rows if any(r[-rollup.significant:])]
        if a_rows != b_rows:
            problems.append(f"{rollup.table}: {len(set(a_rows) ^ set(b_rows))} rows differ")
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
