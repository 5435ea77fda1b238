"""chungtay migrate, backup and restore, as an admin runs them: a real process, a real config, a
real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from storage import audit, contributions, houses, progress, rebuild, reports, transfer, units
from storage.db import Database, Row
from tests import pg
from tests.images import jpeg
from tests.world import World, build_world, set_stage

ROOT = Path(__file__).resolve().parent.parent


def chungtay(tmp: Path, database: str, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    config = tmp / f"config-{abs(hash(database))}.toml"
    config.write_text(f'[campaign]\nlanguage = "{lang}"\n'
                      f'[storage]\ndatabase = "{database}"\nmedia_dir = "media"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=180)


async def campaign(tmp: Path) -> World:
    """tests/world.py's campaign in SQLite, with a report, photos, a house moved over days, audit."""
    world = await build_world(tmp)
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    if any(c.label == "Gửi báo cáo" for r in lan.last for c in r.choices):
        await lan.press("Gửi báo cáo")
    assert "Đã nhận báo cáo" in lan.text, lan.text
    await set_stage(world, "MH-002", 1)
    world.clock.advance(timedelta(days=2))
    await set_stage(world, "MH-002", 3)
    await world.invite("KSA01", "volunteer")
    await lan.say("/ngaycong MH-001 3")
    assert "Đã ghi 3 ngày công" in lan.text, lan.text
    mtu = await units.by_code(world.app.db, "MTU")
    assert mtu is not None
    async with world.app.db.transaction():  # a business's gift: more VND than a 4-byte integer holds
        await contributions.add(world.app.db, contributions.New(
            "money", mtu.id, None, "social", "2026-08-14", value=3_000_000_000, source_name="Công ty A"),
            None, "2026-08-14T02:00:00Z")
    return world


async def figures(db: Database) -> tuple[object, ...]:
    unit = await units.by_code(db, "ST")
    assert unit is not None
    rolled = await progress.rollup(db, unit, 2, "2026-08-14")
    counts = [await db.scalar(f"SELECT count(*) FROM {t}") for t in
              ("units", "houses", "users", "reports", "photos", "audit", "invites", "house_stages")]
    money = await contributions.area_sums(db, unit)
    workers = [(p.name, p.count) for p in await contributions.top_workers(db, unit, 5)]
    reporters = [(p.name, p.count) for p in await contributions.top_reporters(db, unit, 5)]
    return rolled.node.tally, [(c.unit.code, c.tally) for c in rolled.children], counts, money, workers, \
        reporters


async def test_migrate_copies_the_campaign_and_checks_it(tmp_path: Path, pg_dsn: str) -> None:
    world = await campaign(tmp_path)
    source = await figures(world.app.db)
    await world.app.close()
    assert source[2][3] >= 1 and source[2][4] >= 2  # a report and its photos are in the source
    assert source[3]["social"].money == 3_000_000_000 and source[4] and source[5]

    done = chungtay(tmp_path, "world.sqlite", "migrate", "--to", pg_dsn)
    assert done.returncode == 0, done.stderr
    assert "counts and progress match" in done.stdout

    target = await Database.open(pg_dsn)
    try:
        assert await figures(target) == source
        # New rows get ids after the copied ones.
        async with target.transaction():
            await units.upsert(target, "NEW", "Xã Mới", "MTU", None)
        assert (await units.by_code(target, "NEW")).id > max(  # type: ignore[union-attr]
            u.id for u in await units.all_units(target) if u.code != "NEW")
        # and receipt numbers go on after the copied contributions'
        async with target.transaction():
            number = await contributions.add(target, contributions.New(
                "workdays", (await units.by_code(target, "MTU")).id, None,  # type: ignore[union-attr]
                "community", "2026-08-15", workdays=2), None, "2026-08-15T02:00:00Z")
        assert number == 3
    finally:
        await target.close()

    again = chungtay(tmp_path, "world.sqlite", "migrate", "--to", pg_dsn, lang="vi")
    assert again.returncode == 2 and "đã có dữ liệu" in again.stderr


async def test_a_campaign_larger_than_one_batch_is_copied_whole_a_batch_at_a_time(
        tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A national campaign (millions of photo keys and stage rows) is read a batch at a time, so
    the copy's memory does not grow with it; every row arrives, in every kind of table."""
    world = await campaign(tmp_path)
    source = await figures(world.app.db)
    monkeypatch.setattr(transfer, "BATCH", 2)
    largest = 0
    read = world.app.db.fetchall

    async def counted(sql: str, params: Sequence[object] = ()) -> list[Row]:
        nonlocal largest
        rows = await read(sql, params)
        largest = max(largest, len(rows)) if "pragma_" not in sql and "sqlite_master" not in sql \
            and "ORDER BY" in sql and " LIMIT " in sql else largest
        return rows

    monkeypatch.setattr(world.app.db, "fetchall", counted)
    target = await Database.open(pg_dsn)
    try:
        assert await transfer.copy_campaign(world.app.db, target) == []
        assert await figures(target) == source
        keys = "SELECT key, photo_id FROM photo_keys ORDER BY key, photo_id"
        assert [tuple(r) for r in await target.fetchall(keys)] == [tuple(r) for r in await read(keys)]
        assert largest == 2
    finally:
        await target.close()
        await world.app.close()


async def test_a_copy_that_differs_from_its_source_is_named(tmp_path: Path, pg_dsn: str) -> None:
    world = await campaign(tmp_path)
    target = await Database.open(pg_dsn)
    try:
        assert await transfer.copy_campaign(world.app.db, target) == []
        async with target.transaction():
            await target.execute("UPDATE progress_counts SET n0 = n0 + 1")
            await target.execute("DELETE FROM invites")
        problems = await transfer.compare(world.app.db, target, await transfer.tables(world.app.db))
        assert any(p.startswith("invites: ") for p in problems)
        assert any(p.startswith("progress_counts: ") for p in problems)
    finally:
        await target.close()
        await world.app.close()


# Every table a trigger keeps, read the same way on both databases; a row of zeros is no row (a
# source kept for months has them where a copy just made has none).
KEPT = {"progress_counts": "SELECT unit_id, n0, n1, n2, n3 FROM progress_counts ORDER BY unit_id",
        "progress_daily": "SELECT day, path, unit_id, n1, n2, n3 FROM progress_daily ORDER BY day, path",
        "house_stages": "SELECT house_id, stage, at FROM house_stages ORDER BY house_id, stage",
        "contribution_sums": "SELECT source_type, path, unit_id, money, materials, workdays, entries "
                             "FROM contribution_sums ORDER BY source_type, path",
        "people_sums": "SELECT path, user_id, workdays, reports FROM people_sums ORDER BY path, user_id",
        "review_waiting": "SELECT unit_id, waiting, flagged, oldest_at, oldest_id FROM review_waiting "
                          "ORDER BY unit_id"}
ZEROS = {"progress_counts": 4, "progress_daily": 3, "contribution_sums": 4, "people_sums": 2,
         "review_waiting": 4}


async def kept(db: Database) -> dict[str, list[tuple[object, ...]]]:
    found = {}
    for table, query in KEPT.items():
        rows = [tuple(r) for r in await db.fetchall(query)]
        found[table] = [r for r in rows if table not in ZEROS or any(r[-ZEROS[table]:])]
    return found


TRIGGERS = "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "


async def triggers_off(db: Database) -> list[tuple[str, str]]:
    """Triggers of the schema not enabled (tgenabled 'O': fires in every ordinary session)."""
    rows = await db.fetchall(TRIGGERS + "WHERE NOT t.tgisinternal AND t.tgenabled <> 'O'")
    return [tuple(r) for r in rows]


async def schema(dsn: str) -> list[tuple[object, ...]]:
    """Every constraint, index and trigger of a database, as its catalog describes them."""
    db = await Database.open(dsn)
    try:
        rows = await db.fetchall(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), '' FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace UNION ALL "
            "SELECT tablename, indexname, indexdef, '' FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL " + TRIGGERS.replace("SELECT c.relname, t.tgname", "SELECT c.relname, t.tgname, "
                                            "pg_get_triggerdef(t.oid), t.tgenabled::text")
            + "WHERE NOT t.tgisinternal")
        return sorted(tuple(r) for r in rows)
    finally:
        await db.close()


async def more_work(db: Database, reporter: int, day: str) -> None:
    """What the bot does after the copy, on either database: a new house listed and moved on, a
    report for review (flagged), an accepted one, a volunteer's workdays and a gift of money."""
    mh = await units.by_code(db, "MTU01")
    assert mh is not None
    async with db.transaction():
        house = await houses.upsert(db, "MH-009", mh.id, "Lê Văn Chín", "poor", "new", None, None, None)
        await houses.set_stage(db, house, 2, f"{day}T03:00:00Z")
        for state, flag in (("pending", "far"), ("accepted", None)):
            await reports.create(db, house_id=house, reporter_id=reporter, stage=2, note=None, lat=None,
                                 lon=None, received_at=f"{day}T03:00:00Z", claimed_at=None,
                                 review_state=state, flag=flag, photos=())
        await contributions.add(db, contributions.New("workdays", mh.id, house, "community", day, workdays=4,
                                                      source_user=reporter), None, f"{day}T03:00:00Z")
        await contributions.add(db, contributions.New("money", mh.id, house, "state", day, value=70_000_000),
                                None, f"{day}T03:00:00Z")
        await audit.log(db, f"{day}T03:00:00Z", reporter, "house_added", "house", house)


async def test_the_copy_s_rollups_are_the_source_s_and_its_triggers_keep_them_after(
        tmp_path: Path, pg_dsn: str) -> None:
    """The rollups are computed once after the rows are copied with their triggers off: they equal
    the source's, reports waiting for review included, and the triggers keep them again after."""
    world = await campaign(tmp_path)
    db = world.app.db
    reporter = int(await db.scalar("SELECT reporter_id FROM reports ORDER BY id LIMIT 1"))
    await more_work(db, reporter, "2026-08-15")  # two reports waiting for review, one flagged
    assert (await kept(db))["review_waiting"][0][1:3] == (1, 1)
    async with db.transaction():  # PostgreSQL's text holds no NUL: it arrives as a space
        await db.execute("UPDATE houses SET address = ? WHERE code = 'MH-001'", ("Ấp\x001",))
    target = await Database.open(pg_dsn)
    try:
        assert await transfer.copy_campaign(db, target) == []
        assert await target.scalar("SELECT address FROM houses WHERE code = 'MH-001'") == "Ấp 1"
        assert await triggers_off(target) == []
        copied = await kept(target)
        assert copied == await kept(db)
        assert all(copied[t] for t in KEPT), copied

        # The same work on both: the triggers on the copy keep every rollup as SQLite's do.
        async with db.transaction():
            await db.execute("UPDATE houses SET code = 'MH-008' WHERE code = 'MH-009'")
        async with target.transaction():
            await target.execute("UPDATE houses SET code = 'MH-008' WHERE code = 'MH-009'")
        await more_work(db, reporter, "2026-08-16")
        await more_work(target, reporter, "2026-08-16")
        after = await kept(target)
        assert after == await kept(db)
        assert all(after[t] != copied[t] for t in KEPT), after
    finally:
        await target.close()
        await world.app.close()


async def refused(db: Database, sql: str) -> bool:
    try:
        await db.execute(sql)
    except Exception as exc:
        return "append-only" in str(exc)
    return False


async def test_the_audit_log_refuses_changes_after_a_migrate_and_after_one_that_failed(
        tmp_path: Path, pg_server: pg.Server) -> None:
    world = await campaign(tmp_path)
    await world.app.close()
    done = await pg_server.fresh()
    assert chungtay(tmp_path, "world.sqlite", "migrate", "--to", done).returncode == 0
    # A row PostgreSQL refuses, late in the copy: a photo of a report that is not there (SQLite,
    # with its foreign keys off, as an old file or a hand edit may hold one).
    with contextlib.closing(sqlite3.connect(tmp_path / "world.sqlite")) as conn, conn:
        conn.execute("INSERT INTO photos (report_id, position, sha256, normalized, thumb, width, height, "
                     "phash, band0, band1, band2, band3) SELECT 999999, position, sha256 || 'x', normalized, "
                     "thumb, width, height, phash, band0, band1, band2, band3 FROM photos LIMIT 1")
    order = await _order(tmp_path / "world.sqlite")
    assert order.index("photos") > max(order.index(t) for t in ("houses", "reports", "contributions"))
    failed = await pg_server.fresh()
    broken = chungtay(tmp_path, "world.sqlite", "migrate", "--to", failed)
    assert broken.returncode == 1 and "photos" in broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr and len(broken.stderr.strip().splitlines()) == 1
    fresh = await pg_server.fresh()
    try:
        # The keys, indexes and triggers the copy set aside are back, as the migrations made them.
        made = await schema(fresh)
        assert len(made) > 100
        assert await schema(done) == made and await schema(failed) == made
        for dsn in (done, failed):
            db = await Database.open(dsn)
            try:
                assert await triggers_off(db) == []
                if dsn == failed:
                    assert await transfer.is_empty(db)  # nothing of the failed copy stayed
                reporter = int(await db.scalar("SELECT max(id) FROM users") or 0)
                if not reporter:
                    async with db.transaction():
                        await units.upsert(db, "MTU01", "Xã Mỹ Hương", None, 25)
                        reporter = await db.insert("INSERT INTO users (channel, external_id, display_name, "
                                                   "role, unit_id, joined_at) SELECT 'telegram', '7', 'Lan', "
                                                   "'volunteer', id, '2026-08-15T00:00:00Z' FROM units")
                before = (await kept(db))["progress_counts"]
                await more_work(db, reporter, "2026-08-17")  # its audit row among the rest
                assert (await kept(db))["progress_counts"] != before  # the rollup triggers are back
                for sql in ("UPDATE audit SET action = 'sửa'", "DELETE FROM audit", "TRUNCATE audit"):
                    assert await refused(db, sql), (dsn, sql)
                assert int(await db.scalar("SELECT count(*) FROM audit")) >= 1
            finally:
                await db.close()
    finally:
        for dsn in (done, failed, fresh):
            await pg_server.drop(dsn)


async def _order(path: Path) -> list[str]:
    db = await Database.open(path)
    try:
        return await transfer.tables(db)
    finally:
        await db.close()


async def test_every_trigger_that_fires_on_insert_is_one_the_copy_turns_off(pg_dsn: str) -> None:
    """A migration that adds a trigger on INSERT (a new rollup) names it, and how to compute its
    table, in storage/rebuild.py's ROLLUPS: else the copy would run it row by row, or count twice."""
    db = await Database.open(pg_dsn)
    try:
        rows = await db.fetchall(TRIGGERS + "WHERE NOT t.tgisinternal AND (t.tgtype::int & 4) <> 0")  # INSERT
        assert sorted(tuple(r) for r in rows) == sorted(rebuild.triggers())
        for rollup in rebuild.ROLLUPS:
            assert await db.scalar("SELECT to_regclass(?) IS NOT NULL", (rollup.table,)), rollup.table
    finally:
        await db.close()


def test_migrate_refuses_what_is_not_postgresql_and_a_server_that_is_not_there(tmp_path: Path) -> None:
    wrong = chungtay(tmp_path, "data.sqlite", "migrate", "--to", str(tmp_path / "other.sqlite"))
    assert wrong.returncode == 2 and "PostgreSQL address" in wrong.stderr
    gone = chungtay(tmp_path, "data.sqlite", "migrate", "--to",
                    f"postgresql://nobody@/chungtay?host={tmp_path}&port=1")
    assert gone.returncode == 1 and gone.stderr.startswith("cannot connect to the database:")
    assert len(gone.stderr.strip().splitlines()) == 1 and "Traceback" not in gone.stderr


async def test_backup_and_restore_on_postgresql(tmp_path: Path, pg_server: pg.Server) -> None:
    world = await campaign(tmp_path)
    await world.app.close()
    live = await pg_server.fresh()
    assert chungtay(tmp_path, "world.sqlite", "migrate", "--to", live).returncode == 0
    db = await Database.open(live)
    before = await figures(db)
    await db.close()

    dump = tmp_path / "backup.dump"
    made = chungtay(tmp_path, live, "backup", "--out", str(dump))
    assert made.returncode == 0, made.stderr
    assert "pg_dump" in made.stdout and dump.stat().st_size > 0 and dump.stat().st_mode & 0o077 == 0

    other = await pg_server.fresh()
    restored = chungtay(tmp_path, other, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    refused = chungtay(tmp_path, live, "restore", str(dump), lang="vi")
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = chungtay(tmp_path, live, "restore", str(dump), "--force")
    assert forced.returncode == 0, forced.stderr
    for dsn in (other, live):
        db = await Database.open(dsn)
        try:
            assert await figures(db) == before
        finally:
            await db.close()
        await pg_server.drop(dsn)


async def test_backup_and_restore_on_sqlite(tmp_path: Path) -> None:
    world = await campaign(tmp_path)
    before = await figures(world.app.db)
    await world.app.close()
    copy = tmp_path / "copy.sqlite"
    assert chungtay(tmp_path, "world.sqlite", "backup", "--out", str(copy)).returncode == 0

    refused = chungtay(tmp_path, "world.sqlite", "restore", str(copy))
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert chungtay(tmp_path, "fresh.sqlite", "restore", str(copy)).returncode == 0
    assert chungtay(tmp_path, "world.sqlite", "restore", str(copy), "--force").returncode == 0
    for name in ("fresh.sqlite", "world.sqlite"):
        db = await Database.open(tmp_path / name)
        try:
            assert await figures(db) == before
        finally:
            await db.close()
    missing = chungtay(tmp_path, "world.sqlite", "restore", str(tmp_path / "nope.sqlite"))
    assert missing.returncode == 2 and "no file" in missing.stderr
    # Not a backup (here a workbook): refused, and the database is as it was.
    other = tmp_path / "bao-cao.sqlite"
    other.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    wrong = chungtay(tmp_path, "world.sqlite", "restore", str(other), "--force")
    assert wrong.returncode == 1 and "not a SQLite database" in wrong.stderr
    db = await Database.open(tmp_path / "world.sqlite")
    try:
        assert await figures(db) == before
    finally:
        await db.close()
