"""The tables PostgreSQL's triggers keep (storage/migrations/postgresql/), and how `chungtay migrate`
makes them after a bulk copy: the triggers that would keep them row by row are off for the copy,
inside its transaction, and each table is then computed once, set-based, from the copied rows.

A migration that adds a trigger firing on INSERT, or a table it keeps, adds it to ROLLUPS here
(tests/test_cli_database.py fails until every INSERT trigger of the schema is named below).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class Rollup:
    table: str
    # (table, trigger): the INSERT triggers that write this table; off while the rows are copied.
    triggers: tuple[tuple[str, str], ...]
    # PostgreSQL statements that compute the table from the copied rows, as the triggers would have
    # made it row by row. Empty: the table is history the rows alone do not hold (a house's earlier
    # stages, the day it moved on), copied from the source as it is.
    rebuild: tuple[str, ...]
    # How `transfer.compare` checks its rows against the source's: key columns, value columns, and
    # how many of the last values make a row count (a row of zeros there is as good as no row: a unit
    # with no house left, a correction that moved a contribution away). Empty key: its rows are
    # counted, not compared one by one.
    key: str = ""
    values: str = ""
    significant: int = 0


_HOUSE = (("houses", "progress_house_insert"),)

ROLLUPS: tuple[Rollup, ...] = (
    # 003_progress.sql
    Rollup("progress_counts", _HOUSE, (
        "INSERT INTO progress_counts (unit_id, n0, n1, n2, n3) "
        "SELECT unit_id, count(*) FILTER (WHERE stage = 0), count(*) FILTER (WHERE stage = 1), "
        "count(*) FILTER (WHERE stage = 2), count(*) FILTER (WHERE stage = 3) FROM houses GROUP BY unit_id",),
        "unit_id", "n0, n1, n2, n3", 4),
    Rollup("house_stages", _HOUSE, ()),
    Rollup("progress_daily", _HOUSE, (), "day, path", "n1, n2, n3", 3),
    # 014_contributions.sql
    Rollup("contribution_sums", (("contributions", "contribution_sums_insert"),), (
        "INSERT INTO contribution_sums (source_type, path, unit_id, money, materials, workdays, entries) "
        "SELECT c.source_type, u.path, u.id, "
        "coalesce(sum(c.value) FILTER (WHERE c.kind = 'money'), 0), "
        "coalesce(sum(c.value) FILTER (WHERE c.kind = 'materials'), 0), "
        "coalesce(sum(c.workdays), 0), count(*) "
        "FROM contributions c JOIN units u ON u.id = c.unit_id GROUP BY c.source_type, u.path, u.id",),
        "source_type, path", "money, materials, workdays, entries", 4),
    Rollup("people_sums", (("contributions", "people_workdays_insert"),
                           ("reports", "people_reports_insert")), (
        "INSERT INTO people_sums (path, user_id, workdays, reports) "
        "SELECT path, user_id, sum(workdays), sum(reports) FROM ("
        " SELECT u.path, c.source_user AS user_id, c.workdays, 0 AS reports"
        " FROM contributions c JOIN units u ON u.id = c.unit_id"
        " WHERE c.kind = 'workdays' AND c.source_user IS NOT NULL"
        " UNION ALL"
        " SELECT u.path, r.reporter_id, 0, 1 FROM reports r JOIN houses h ON h.id = r.house_id"
        " JOIN units u ON u.id = h.unit_id WHERE r.review_state IN ('accepted', 'approved')"
        ") p GROUP BY path, user_id",),
        "path, user_id", "workdays, reports", 2),
    # 016_review_waiting.sql, 022_review_waiting_insert.sql
    Rollup("review_waiting", (("reports", "review_waiting_insert"),), (
        "INSERT INTO review_waiting (unit_id, waiting, flagged, oldest_at, oldest_id) "
        "SELECT DISTINCT ON (h.unit_id) h.unit_id, count(*) OVER w, count(r.flag) OVER w, "
        "r.received_at, r.id FROM reports r JOIN houses h ON h.id = r.house_id "
        "WHERE r.review_state = 'pending' WINDOW w AS (PARTITION BY h.unit_id) "
        "ORDER BY h.unit_id, r.received_at, r.id",),
        "unit_id", "waiting, flagged, oldest_at, oldest_id", 4),
)

REBUILT = tuple(r.table for r in ROLLUPS if r.rebuild)


def triggers() -> list[tuple[str, str]]:
    """Every (table, trigger) turned off for the copy, each once."""
    return list(dict.fromkeys(t for r in ROLLUPS for t in r.triggers))


async def set_triggers(db: Database, enabled: bool) -> None:
    """Inside the copy's transaction: ALTER TABLE is transactional, so no other session ever sees
    these triggers off (it waits on the table's lock until they are on again), and a copy that
    fails or is killed rolls the change back with everything else."""
    verb = "ENABLE" if enabled else "DISABLE"
    for table, trigger in triggers():
        await db.execute(f"ALTER TABLE {table} {verb} TRIGGER {trigger}")


async def rebuild(db: Database) -> None:
    """Compute every rebuilt rollup from the rows the database holds (its triggers' work, at once)."""
    for rollup in ROLLUPS:
        if rollup.rebuild:
            await db.execute(f"DELETE FROM {rollup.table}")
            for statement in rollup.rebuild:
                await db.execute(statement)
