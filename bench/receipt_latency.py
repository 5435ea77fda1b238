"""How long a message waits for its answer: one process (`--role all`) against a receiver and a
worker sharing the inbox (`--role receive` + `--role work`), the Telegram channel against the local
emulator. Messages go one at a time, so the figure is the wake-up path, not a queue: on SQLite a
worker polls, on PostgreSQL the receiver's notification wakes it (with --no-notify: polling only).

    .venv/bin/python bench/receipt_latency.py [--database postgresql://...] [--messages 60] [--no-notify]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.channels.telegram.channel import TelegramChannel, Tuning  # noqa: E402
from handlers.settings import TelegramSettings  # noqa: E402
from storage import claims  # noqa: E402
from tests.emulators.tgemu import BotApiEmulator  # noqa: E402
from tests.world import build_world  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-local-emulator"


async def _no_listen(db: object, wake: object) -> None:
    return None


async def run(roles: tuple[str, ...], database: str | None, messages: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        async with BotApiEmulator(token=TOKEN) as emu:
            world = await build_world(tmp, database=database)
            settings = replace(world.app.settings, telegram=TelegramSettings(
                token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url))
            channels = []
            for role in roles:
                app = await App.open(settings, clock=world.clock, database=world.target(tmp),
                                     media_dir=tmp / "media")
                app.role = role
                channels.append(TelegramChannel(app, Tuning(poll_timeout=1)))
                await channels[-1].start()
            try:
                people = [emu.user(7000 + i, first_name="TNV") for i in range(10)]
                for person in people:
                    person.send_text(f"/start {await world.invite('MTU01', 'volunteer')}")
                    await person.next_message(timeout=20)
                waits = []
                for i in range(messages):
                    person = people[i % len(people)]
                    began = time.perf_counter()
                    person.send_text("/trogiup")
                    await person.next_message(timeout=20)
                    waits.append((time.perf_counter() - began) * 1000)
                return waits
            finally:
                for channel in channels:
                    await channel.stop()
                    await channel.app.close()
                await world.app.close()
                if database:  # the next run starts from an empty campaign
                    import asyncpg
                    conn = await asyncpg.connect(database)
                    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                    await conn.close()


def line(name: str, waits: list[float]) -> str:
    waits = sorted(waits)
    p95 = waits[int(len(waits) * 0.95) - 1]
    return f"{name:<28} p50 {statistics.median(waits):6.1f} ms   p95 {p95:6.1f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", help="a PostgreSQL DSN of an empty database (default: SQLite)")
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--no-notify", action="store_true", help="PostgreSQL: poll only")
    args = parser.parse_args()
    if args.no_notify:
        claims.listen = _no_listen  # type: ignore[assignment]
    print(f"{'PostgreSQL' if args.database else 'SQLite'}, load average {os.getloadavg()[0]:.2f}")
    print(line("one process (all)", await run(("all",), args.database, args.messages)))
    print(line("receive + work", await run(("receive", "work"), args.database, args.messages)))


if __name__ == "__main__":
    asyncio.run(main())
