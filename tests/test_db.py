from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from pathlib import Path
from typing import Any

import pytest

from storage import audit, inbox, units
from storage.db import Database


async def test_migrations_set_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.sqlite")
    assert await db.scalar("PRAGMA user_version") >= 1
    assert await db.scalar("PRAGMA journal_mode") == "wal"
    assert await db.scalar("PRAGMA foreign_keys") == 1
    await db.close()
    again = await Database.open(tmp_path / "a.sqlite")  # reopening applies nothing twice
    assert await again.scalar("SELECT count(*) FROM units") == 0
    await again.close()


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await units.upsert(db, "P", "Tỉnh", None, 10)
            raise RuntimeError("boom")
    assert await units.by_code(db, "P") is None


async def test_a_commit_that_fails_is_rolled_back_and_the_next_transaction_works(sqlite_db: Database) -> None:
    """A COMMIT can fail (a full disk; here a deferred foreign key) and SQLite then leaves the
    transaction open: every later BEGIN would fail, and the bot with it."""
    db = sqlite_db
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with db.transaction():
            await db.execute("PRAGMA defer_foreign_keys = ON")
            await units.upsert(db, "ST", "Tỉnh Sóc Trăng", None, 100)
            await db.execute("INSERT INTO houses (code, unit_id, household_head, head_key, category, "
                             "support_type) VALUES ('X-1', 999, 'Không Có', 'khong co', 'poor', 'new')")
    assert not db.conn.in_transaction
    async with db.transaction():
        await units.upsert(db, "MTU", "Huyện Mỹ Tú", None, 40)
    assert await db.scalar("SELECT group_concat(code) FROM units") == "MTU"


async def test_audit_log_is_append_only(db: Database) -> None:
    async with db.transaction():
        await audit.log(db, "2026-01-01T00:00:00+00:00", None, "test", "unit", 1, {"a": 1})
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction():
            await db.execute("UPDATE audit SET action = 'x'")
    with pytest.raises(Exception, match="append-only"):
        async with db.transaction():
            await db.execute("DELETE FROM audit")
    if db.dialect == "postgresql":
        with pytest.raises(Exception, match="append-only"):
            await db.execute("TRUNCATE audit")
    assert [e["action"] for e in await audit.entries(db, "unit", 1)] == ["test"]


async def test_moving_a_unit_moves_its_subtree(db: Database) -> None:
    async with db.transaction():
        await units.upsert(db, "A", "A", None, None)
        await units.upsert(db, "B", "B", None, None)
        await units.upsert(db, "A1", "A1", "A", None)
        await units.upsert(db, "A11", "A11", "A1", None)
        await units.upsert(db, "A1", "A1", "B", None)
    b, a11 = await units.by_code(db, "B"), await units.by_code(db, "A11")
    assert b and a11 and a11.path.startswith(b.path) and a11.depth == 2
    with pytest.raises(ValueError):
        async with db.transaction():
            await units.upsert(db, "B", "B", "A11", None)


async def test_inbox_keeps_unhandled_updates_and_prunes_old_handled_ones(db: Database) -> None:
    from storage import inbox, updates

    await inbox.store(db, "telegram", [("tg:1", "{}"), ("tg:2", "{}")], "2026-01-01T00:00:00+00:00")
    await inbox.store(db, "telegram", [("tg:1", '{"again": 1}')], "2026-01-02T00:00:00+00:00")
    assert [k for k, _ in await inbox.unhandled(db, "telegram")] == ["tg:1", "tg:2"]
    async with db.transaction():
        await updates.mark(db, ["tg:1"], "2026-01-01T00:00:01+00:00")
    assert await inbox.prune(db, "2026-02-01T00:00:00+00:00") == 1  # tg:2 is not handled: kept
    assert [k for k, _ in await inbox.unhandled(db, "telegram")] == ["tg:2"]


class _Suspensions:
    """Awaits a coroutine and counts the times it gave the event loop back. Each is a wait behind
    whatever else the loop has to do, and in a burst of albums that is other chats' downloads."""

    def __init__(self, work: Coroutine[Any, Any, None]) -> None:
        self.work, self.count = work, 0

    def __await__(self) -> Generator[Any, Any, None]:
        inner = self.work.__await__()
        sent: Any = None
        while True:
            try:
                waiting = inner.send(sent)
            except StopIteration:
                return
            self.count += 1
            sent = yield waiting


async def test_a_chat_turns_transaction_is_not_stretched_by_a_busy_event_loop(sqlite_db: Database) -> None:
    """A report's ~28 statements each took two turns of the event loop to reach SQLite's thread
    and back; in a burst every turn is other chats' work, and the one write lock was held ~300 ms
    while every other receipt waited. A short transaction waits only for its BEGIN and COMMIT."""
    db = sqlite_db

    async def turn(short: bool, code: str) -> None:
        async with db.transaction(short=short):
            await units.upsert(db, code, "Tỉnh", None, 10)
            for _ in range(30):
                assert await db.fetchone("SELECT id FROM units WHERE code = ?", (code,)) is not None
            await db.executemany("INSERT INTO audit (at, action, entity, detail) VALUES (?, ?, ?, ?)",
                                 [("2026-12-03T00:00:00", "test", "unit", code)] * 3)

    long, short = _Suspensions(turn(False, "A")), _Suspensions(turn(True, "B"))
    await long
    await short
    assert long.count > 30  # each statement a trip
    assert short.count <= 3  # BEGIN and COMMIT
    assert await units.by_code(db, "A") is not None and await units.by_code(db, "B") is not None


async def test_a_short_transaction_that_fails_leaves_nothing_while_others_read(db: Database) -> None:
    """Its statements run beside other tasks' reads of the same connection; a failure still undoes
    all of it, and the readers see only what was committed."""
    await units.upsert(db, "Q", "Tỉnh Quảng Trị", None, 10)

    async def reader() -> int:
        seen = 0
        for _ in range(50):
            seen += int(await db.scalar("SELECT count(*) FROM units WHERE code = 'Q'"))
            await asyncio.sleep(0)
        return seen

    readers = [asyncio.create_task(reader()) for _ in range(3)]
    with pytest.raises(RuntimeError):
        async with db.transaction(short=True):
            await units.upsert(db, "P", "Tỉnh", None, 10)
            await db.execute("UPDATE units SET name = 'Đổi' WHERE code = 'Q'")
            raise RuntimeError("boom")
    assert [await r for r in readers] == [50, 50, 50]
    assert await units.by_code(db, "P") is None
    assert (await units.by_code(db, "Q")).name == "Tỉnh Quảng Trị"


async def test_turns_at_once_are_each_on_disk_when_they_return_and_a_failing_one_undoes_its_own(
        db: Database, database: str | Path) -> None:
    """In a burst, chat turns share a transaction (SQLite); a receipt still follows its report onto
    the disk, and one turn's failure takes nothing of the others' with it."""
    other = await Database.open(database)  # another connection: sees only what is committed
    seen: dict[str, bool] = {}

    async def turn(i: int) -> None:
        code = f"U{i}"
        async with db.transaction(short=True):
            await units.upsert(db, code, f"Xã {i}", None, 10)
            if i == 6:
                raise RuntimeError("boom")
        seen[code] = await units.by_code(other, code) is not None

    try:
        results = await asyncio.gather(*(turn(i) for i in range(12)), return_exceptions=True)
        assert [i for i, r in enumerate(results) if isinstance(r, RuntimeError)] == [6]
        assert seen == {f"U{i}": True for i in range(12) if i != 6}
        assert await units.by_code(other, "U6") is None
    finally:
        await other.close()


async def test_a_burst_of_chat_turns_shares_one_commit(sqlite_db: Database) -> None:
    """Each turn's BEGIN and COMMIT were a trip to SQLite's thread while holding the write lock;
    in a burst the turns waited for each other's trips. Turns queued together commit together."""
    db = sqlite_db
    statements: list[str] = []
    db.conn._conn.set_trace_callback(statements.append)

    async def turn(i: int) -> None:
        async with db.transaction(short=True):
            await units.upsert(db, f"U{i}", f"Xã {i}", None, 10)

    await asyncio.gather(*(turn(i) for i in range(20)))
    db.conn._conn.set_trace_callback(None)
    assert statements.count("COMMIT") <= 2
    assert await db.scalar("SELECT count(*) FROM units") == 20


async def test_a_failed_shared_commit_fails_every_turn_in_it_and_keeps_none(sqlite_db: Database) -> None:
    db = sqlite_db

    async def turn(i: int) -> None:
        async with db.transaction(short=True):
            await units.upsert(db, f"U{i}", f"Xã {i}", None, 10)
            if i == 2:  # checked only at COMMIT: a deferred foreign key that does not hold
                await db.execute("PRAGMA defer_foreign_keys = ON")
                await db.execute("INSERT INTO houses (code, unit_id, household_head, head_key, category, "
                                 "support_type) VALUES ('X-1', 999, 'Không Có', 'khong co', 'poor', 'new')")

    results = await asyncio.gather(*(turn(i) for i in range(5)), return_exceptions=True)
    assert all(isinstance(r, Exception) and "FOREIGN KEY" in str(r) for r in results), results
    assert not db.conn.in_transaction
    assert await db.scalar("SELECT count(*) FROM units") == 0
    async with db.transaction(short=True):
        await units.upsert(db, "MTU", "Huyện Mỹ Tú", None, 40)
    assert await db.scalar("SELECT group_concat(code) FROM units") == "MTU"


async def test_a_turn_left_waiting_for_its_commit_gets_it_when_the_turns_behind_it_go_away(
        sqlite_db: Database) -> None:
    """A turn that leaves the commit to the turns queued behind it is not stranded when they are
    cancelled (a chat's worker stopping) before their turn comes."""
    db = sqlite_db
    later: asyncio.Task[None] | None = None

    async def first() -> None:
        async with db.transaction(short=True):
            await units.upsert(db, "A", "Xã A", None, 10)
            await asyncio.sleep(0)  # the other turn now waits for the lock
            assert later is not None
            later.cancel()  # and goes away once this turn has let the lock go

    async def second() -> None:
        async with db.transaction(short=True):
            await units.upsert(db, "B", "Xã B", None, 10)

    one = asyncio.create_task(first())
    await asyncio.sleep(0)
    later = asyncio.create_task(second())
    await asyncio.wait_for(one, 5)
    with pytest.raises(asyncio.CancelledError):
        await later
    assert await db.scalar("SELECT group_concat(code) FROM units") == "A"
    assert not db.conn.in_transaction


async def test_a_batch_of_arrivals_is_stored_without_a_trip_per_statement(sqlite_db: Database) -> None:
    """Zalo's webhook answers once its call is stored, and Zalo sends a chat's next photo only then:
    the batch's statements run as a chat turn's do, not two turns of a busy event loop each."""
    items = [(f"zl:{i}", f'{{"n": {i}}}') for i in range(20)]
    stored = _Suspensions(inbox.store_new(sqlite_db, "zalo", items, "2026-12-03T00:00:00", ["c"] * 20))
    await stored
    assert stored.count <= 3  # BEGIN and COMMIT
    assert len(await inbox.unhandled(sqlite_db, "zalo")) == 20


async def test_a_write_outside_any_transaction_is_kept_when_the_turn_beside_it_fails(
        sqlite_db: Database) -> None:
    """On the one connection, a single statement run while a chat turn's transaction is being
    opened lands in that transaction. The turn failing undoes its own statements, not that one,
    which returned as written (it was an operator's DROP TRIGGER in tests/channels/test_telegram.py)."""
    db = sqlite_db

    async def failing_turn() -> None:
        async with db.transaction(short=True):
            await units.upsert(db, "T", "Xã T", None, 10)
            raise RuntimeError("boom")

    turn = asyncio.create_task(failing_turn())
    await asyncio.sleep(0)  # the turn has asked for its BEGIN; this statement queues behind it
    await db.execute("INSERT INTO audit (at, action, entity, detail) VALUES (?, ?, ?, ?)",
                      ("2026-12-03T00:00:00", "test", "unit", "kept"))
    with pytest.raises(RuntimeError):
        await turn
    assert await db.scalar("SELECT count(*) FROM units") == 0
    assert await db.scalar("SELECT group_concat(detail) FROM audit") == "kept"
    assert not db.conn.in_transaction


async def test_writers_queued_on_postgresql_leave_connections_for_single_statements(pg_dsn: str) -> None:
    """A burst of chat turns waits for the one write lock; a receipt's send pace, the inbox and the
    claims are single statements meanwhile, and must not wait for a pooled connection until every
    turn ahead has written (with the pool's 10 connections all held by turns in the lock's queue,
    receipts already committed waited 90-160 ms for one in bench/ingest.py --workers)."""
    from storage.db_postgres import PostgresDatabase

    db = await PostgresDatabase.open(pg_dsn, max_size=3)
    holding, release = asyncio.Event(), asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        warm = [await db.pool.acquire() for _ in range(3)]  # connected: the queue forms at once
        for conn in warm:
            await db.pool.release(conn)

        async def holder() -> None:
            async with db.transaction(short=True):
                await units.upsert(db, "X0", "Xã 0", None, 10)
                holding.set()
                await release.wait()

        async def turn(i: int) -> None:
            async with db.transaction(short=True):
                await units.upsert(db, f"X{i}", f"Xã {i}", None, 10)

        tasks.append(asyncio.create_task(holder()))
        await holding.wait()
        tasks += [asyncio.create_task(turn(i)) for i in range(1, 6)]
        for _ in range(50):  # every queued turn has asked for its connection by now
            await asyncio.sleep(0)
        assert await asyncio.wait_for(db.scalar("SELECT count(*) FROM units"), 5) == 0
        release.set()
        await asyncio.gather(*tasks)
        assert await db.scalar("SELECT count(*) FROM units") == 6
    finally:
        release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await db.close()
