"""`chungtay run --role receive` and two `--role work` processes on one PostgreSQL, against the
Telegram emulator: 50 volunteers report at once and one worker is killed in the middle."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from storage import invites, units
from storage.db import Database
from storage.times import to_db
from tests.channels.telegram_world import TOKEN
from tests.emulators.tgemu import BotApiEmulator, SimUser
from tests.images import jpeg
from tests.world import build_world

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 50
CLAIM_SECONDS = 3  # the dead worker's chats are taken over this long after its last renewal


async def start(tmp: Path, role: str, name: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "CHUNGTAY_TELEGRAM_TOKEN"}
    log = (tmp / f"{name}.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(tmp / "config.toml"), "run", "--role", role,
        cwd=ROOT, env=env, stdout=log, stderr=log)


async def codes(dsn: str, count: int) -> list[str]:
    db = await Database.open(dsn)
    try:
        unit = await units.by_code(db, "MTU01")
        assert unit is not None
        async with db.transaction():
            return [await invites.create(db, unit.id, "volunteer", to_db(datetime.now(UTC)), 30)
                    for _ in range(count)]
    finally:
        await db.close()


async def scalar(dsn: str, sql: str, *params: object) -> int:
    db = await Database.open(dsn)
    try:
        return int(await db.scalar(sql, params))
    finally:
        await db.close()


async def until(dsn: str, sql: str, wanted: int, timeout: float) -> None:
    """Until the query counts `wanted` (the processes write; the test can only look)."""
    db = await Database.open(dsn)
    try:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while (got := int(await db.scalar(sql))) < wanted:
            assert loop.time() < end, f"{sql}: {got} of {wanted}"
            await asyncio.sleep(0.1)
    finally:
        await db.close()


async def chats_of(dsn: str, pid: int | None) -> set[str]:
    db = await Database.open(dsn)
    try:
        return {str(r[0]) for r in await db.fetchall(
            "SELECT chat FROM chat_claims WHERE worker LIKE ?", (f"%:{pid}:%",))}
    finally:
        await db.close()


def answered(user: SimUser, held: bool) -> bool:
    """Every reply in: the receipt and the help; in a chat the dead worker held, the join and one
    more (a turn it committed and did not answer is the one a chat may miss)."""
    got = [k for k in kinds(user) if k != "part"]
    return len(got) >= 2 if held else "receipt" in got and "help" in got


def kinds(user: SimUser) -> list[str]:
    out = []
    for m in user.messages:
        text = m.text or ""
        out.append("joined" if "Bạn đã tham gia" in text else "receipt" if "Đã nhận báo cáo" in text
                   else "help" if "/baocao" in text
                   # An album's second photo stored by the receiver's next batch joins the report.
                   else "part" if "Cần thêm" in text else text[:40])
    return out


async def test_fifty_volunteers_one_worker_killed(tmp_path: Path, pg_dsn: str) -> None:
    world = await build_world(tmp_path, database=pg_dsn)
    await world.app.close()
    async with BotApiEmulator(token=TOKEN) as emu:
        emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
        (tmp_path / "config.toml").write_text(
            f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
            f'base_file_url = "{emu.base_file_url}"\n'
            f'[storage]\ndatabase = "{pg_dsn}"\nmedia_dir = "media"\nphoto_processes = 0\n'
            f'[workers]\nclaim_seconds = {CLAIM_SECONDS}\n', encoding="utf-8")
        procs = {name: await start(tmp_path, role, name)
                 for name, role in (("receiver", "receive"), ("worker1", "work"), ("worker2", "work"))}
        people = [emu.user(5000 + i, first_name=f"TNV {i}") for i in range(PEOPLE)]
        try:
            for person, code in zip(people, await codes(pg_dsn, PEOPLE), strict=True):
                person.send_text(f"/start {code}")
            await emu.wait_for(lambda: all(p.messages for p in people), timeout=30, what="every join")
            # All at once: a report of two photos and a question, from every volunteer.
            for i, person in enumerate(people):
                person.send_album([jpeg(2 * i), jpeg(2 * i + 1)], caption="MH-003 hoàn thành")
                person.send_text("/trogiup")
            await until(pg_dsn, "SELECT count(*) FROM reports", PEOPLE // 5, timeout=30)
            procs["worker1"].kill()  # SIGKILL: no goodbye, its claims simply stop being renewed
            await procs["worker1"].wait()
            # Nobody may take these chats before the claims expire: they are the ones whose last
            # reply may have died with the worker (its turn committed, the reply not yet sent).
            held = await chats_of(pg_dsn, procs["worker1"].pid)
            # It died holding chats with updates still to handle: the other worker must take them.
            orphaned = await scalar(
                pg_dsn, "SELECT count(*) FROM chat_claims c WHERE c.worker LIKE ? AND EXISTS "
                "(SELECT 1 FROM inbox_waiting w WHERE w.chat = c.chat AND NOT EXISTS "
                "(SELECT 1 FROM handled_updates h WHERE h.key = w.key))", f"%:{procs['worker1'].pid}:%")
            assert orphaned > 0
            await until(pg_dsn, "SELECT count(*) FROM handled_updates", PEOPLE * 4, timeout=30)
            # The replies of the last updates handled are on their way: every chat the dead worker
            # did not hold gets all of them; one it held may miss the replies of one turn.
            await emu.wait_for(lambda: all(answered(p, str(p.id) in held) for p in people),
                               timeout=20, what="the replies")
        except BaseException:
            for name in procs:
                print(name, (tmp_path / f"{name}.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            for proc in procs.values():
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        assert emu.stats.too_many_requests == 0

    db = await Database.open(pg_dsn)
    try:
        # Every album is one report of its two photos, none stored twice, whoever handled it.
        per_person = await db.fetchall(
            "SELECT r.reporter_id, count(DISTINCT r.id), count(p.id) FROM reports r "
            "JOIN photos p ON p.report_id = r.id GROUP BY r.reporter_id")
        assert len(per_person) == PEOPLE
        assert all(row[1] == 1 and row[2] == 2 for row in per_person)
        reporter_of = {int(r[0]): r[1] for r in await db.fetchall(
            "SELECT r.id, u.external_id FROM reports r JOIN users u ON u.id = r.reporter_id")}
        assert await db.scalar("SELECT count(*) FROM inbox WHERE key NOT IN "
                               "(SELECT key FROM handled_updates)") == 0
    finally:
        await db.close()
    for person in people:
        got = kinds(person)
        # In the order of the messages; a reply is never doubled. (The reply to an update whose turn
        # had committed when its worker died is not sent: the report is stored, the receipt lost.)
        expected = ["joined", "part", "receipt", "help"]
        assert got == [k for k in expected if k in got], got
        assert answered(person, str(person.id) in held), got
        for m in person.messages:
            found = re.search(r"Đã nhận báo cáo số (\d+)", m.text or "")
            if found:
                assert reporter_of[int(found.group(1))] == str(person.id)
