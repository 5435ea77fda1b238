"""One process of tests/test_reminder_leader.py: the reminder scheduler as `chungtay run` wires it,
with its clock read from a file the test moves and one channel that writes what reached whom to a
file. SIGUSR1 is the scheduler's wake-up at a send time; SIGTERM stops it."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.channels.contract import Outcome
from bot.scheduler import Reminders, ReminderScheduler
from handlers.settings import RemindersSettings, Settings
from handlers.types import Reply
from tests.test_reminders import NATIONAL_DAY
from tests.world import TZ


class FileClock:
    def __init__(self, path: Path, tz: ZoneInfo) -> None:
        self.path = path
        self.tz = tz

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip()).astimezone(self.tz)


class Phones:
    """The people's channel: one line a message, naming the process that sent it."""

    name = "test"

    def __init__(self, path: Path, who: str) -> None:
        self.path = path
        self.who = who

    async def send(self, external_id: str, reply: Reply) -> Outcome:
        text = reply.text.replace("\n", " ")
        line = f"{self.who}\t{external_id}\t{text}\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return "sent"


async def main(database: str, folder: Path, who: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    base = Settings()
    settings = replace(base, campaign=replace(base.campaign, deadlines=(NATIONAL_DAY,), timezone=TZ),
                       reminders=RemindersSettings(stale_days=0, digest_time=None))
    app = await App.open(settings, clock=FileClock(folder / "clock", TZ), database=database,
                         media_dir=folder / "media")
    app.channels.add(Phones(folder / "sent", who))  # type: ignore[arg-type]
    wiring = ReminderScheduler(Reminders(app.ctx, app.channels), leader_every=0.1)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: loop.create_task(wiring.tick()))
    await wiring.start()
    try:
        await stop.wait()
    finally:
        await wiring.stop()
        await app.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3]))
