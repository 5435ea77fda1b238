"""The reminder scheduler runs in one process of a deployment at a time: two processes on one
database, the leader killed with SIGKILL, the other takes over and sends the next reminder, and
nobody gets one twice. Each process reads its clock from a file the test moves (tests/reminder_leader.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from storage import reminders as store
from storage.db import Database
from storage.leader import leadership
from tests.test_reminders import at
from tests.world import build_world

ROOT = Path(__file__).resolve().parent.parent


async def until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    """Wait for something to happen (not for time to pass): polls, fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.05)


async def until_recorded(target: str, states: dict[str, int]) -> None:
    db = await Database.open(target)
    try:
        deadline = time.monotonic() + 30
        while await store.states(db) != states:
            assert time.monotonic() < deadline, f"waited for the outbox to say {states}"
            await asyncio.sleep(0.05)
    finally:
        await db.close()


class Processes:
    def __init__(self, tmp: Path, database: str) -> None:
        self.tmp = tmp
        self.database = database
        self.running: dict[str, asyncio.subprocess.Process] = {}

    def set_clock(self, when: datetime) -> None:
        (self.tmp / "clock.new").write_text(when.isoformat(), encoding="utf-8")
        os.replace(self.tmp / "clock.new", self.tmp / "clock")

    async def start(self, who: str) -> None:
        log = (self.tmp / f"{who}.log").open("ab")
        self.running[who] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reminder_leader", self.database, str(self.tmp), who,
            cwd=ROOT, stdout=log, stderr=log)

    def log(self, who: str) -> str:
        return (self.tmp / f"{who}.log").read_text(encoding="utf-8", errors="replace")

    def sent(self) -> list[tuple[str, str, str]]:
        file = self.tmp / "sent"
        if not file.exists():
            return []
        return [tuple(line.split("\t")) for line in file.read_text(encoding="utf-8").splitlines()]  # type: ignore[misc]

    async def signal_all(self, sig: int) -> None:
        for proc in self.running.values():
            if proc.returncode is None:
                proc.send_signal(sig)

    async def end(self) -> None:
        for proc in self.running.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def test_the_other_process_takes_over_when_the_leader_is_killed(tmp_path: Path,
                                                                       database: str | Path) -> None:
    world = await build_world(tmp_path, database=database if isinstance(database, str) else None)
    people = [await world.person(str(10 + i), "MTU01", "volunteer", f"TNV {i}") for i in range(3)]
    target = str(world.target(tmp_path))
    await world.app.close()

    ps = Processes(tmp_path, target)
    ps.set_clock(at(26, 8, 7, 30))
    try:
        await ps.start("A")
        await until(lambda: "this process leads them" in ps.log("A"), "A to lead")
        await ps.start("B")
        await until(lambda: "another process leads them" in ps.log("B"), "B to stand by")

        # 08:00 on 26/8, seven days before 02/9: both are woken, only the leader sends.
        ps.set_clock(at(26, 8, 8, 0))
        await ps.signal_all(signal.SIGUSR1)
        await until(lambda: len(ps.sent()) == 3, "the first reminders")
        assert {(who, person) for who, person, _ in ps.sent()} == {("A", p.user_id) for p in people}
        # Killed once it has recorded them: one killed between a send and its record is the case of
        # test_reminders' crash tests (marked failed, never resent), not this one's.
        await until_recorded(target, {"sent": 3})

        ps.running["A"].kill()
        await ps.running["A"].wait()
        # 08:00 on 30/8, three days before: B takes the lead at its next try and catches up.
        ps.set_clock(at(30, 8, 8, 0))
        await until(lambda: "this process leads them" in ps.log("B"), "B to take over")
        await until(lambda: len(ps.sent()) == 6, "the next reminders")
        await ps.signal_all(signal.SIGUSR1)   # the 08:00 wake-up reaching B too changes nothing
        ps.running["B"].send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(ps.running["B"].wait(), 20) == 0
    except BaseException:
        print(ps.log("A"), ps.log("B") if (tmp_path / "B.log").exists() else "", sep="\n----\n")
        raise
    finally:
        await ps.end()

    sent = ps.sent()
    assert [who for who, _, _ in sent] == ["A"] * 3 + ["B"] * 3
    assert Counter(person for _, person, _ in sent) == {p.user_id: 2 for p in people}
    assert all("7 ngày" in text for _, _, text in sent[:3]), sent
    assert all("3 ngày" in text for _, _, text in sent[3:]), sent
    assert "Traceback" not in ps.log("B")
    db = await Database.open(target)
    try:
        assert await store.states(db) == {"sent": 6}
    finally:
        await db.close()


async def test_one_lock_one_leader_until_it_lets_go(database: str | Path) -> None:
    db = await Database.open(database)
    try:
        first, second = leadership(db, "reminders"), leadership(db, "reminders")
        assert await first.take() and await first.holds()
        assert not await second.take()
        await first.release()
        assert not await first.holds()
        assert await second.take()
        await second.release()
    finally:
        await db.close()
