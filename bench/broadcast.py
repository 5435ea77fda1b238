"""Benchmark: a deadline reminder to thousands while volunteers keep filing reports.

    .venv/bin/python bench/broadcast.py [--users 3000] [--reporters 10] [--blocked 15]

Everything real but the network: our TelegramChannel (python-telegram-bot with its AIORateLimiter)
against the local Bot API emulator with Telegram's flood limits on (30 messages a second overall,
1 a second per chat with a burst of 3, 429 beyond), Reminders.run_due through the app's channels,
handlers and SQLite on disk. The users are 1% officers (each reminder carries their unit's
rollup) and volunteers (each reminder lists the house they report on); --blocked of them blocked
the bot. While the broadcast runs, --reporters volunteers each file a photo report, wait for the
receipt, pause two to four seconds (about three reports a second in all, a busy
afternoon), and go again.

Prints, one per line:
    rate: X msg/s   reminders delivered per second from the first to the last (target >= 25)
    429s: N         flood-control answers the emulator gave (target < 1% of sends)
    lost: N         people who should have got the reminder and did not (must be 0)
    p95: X s        a volunteer's photo report to its receipt, during the broadcast (target < 2)
and a few lines of detail. Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.channels.telegram.channel import TelegramChannel, Tuning  # noqa: E402
from bot.scheduler import Reminders  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.settings import CampaignSettings, Deadline, RemindersSettings, Settings, TelegramSettings  # noqa: E402
from storage import houses, units, users  # noqa: E402
from storage import reminders as store  # noqa: E402
from storage import reports as report_store  # noqa: E402
from tests.emulators.tgemu import BotApiEmulator, SimUser  # noqa: E402
from tests.emulators.tgemu.records import Sent  # noqa: E402
from tests.images import scene  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-local-emulator"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# 26/8 08:00: seven days before 02/9, the moment the broadcast falls due.
SEND_TIME = datetime(2026, 8, 26, 8, 0, tzinfo=TZ)
DEADLINE = Deadline(
    name="Hoàn thành, bàn giao chào mừng Quốc khánh 02/9", date=date(2026, 9, 2), stage=3,
    about="Hoàn thành và bàn giao toàn bộ nhà trước Quốc khánh", audience=("officers", "volunteers"),
    offsets=(7,), at=clock_time(8, 0),
)
COMMUNES = 30
FIRST_ID = 100_000
TURNS = 50  # reports one volunteer files at most during the broadcast (about one every 3 s)


def photo(seed: int) -> bytes:
    """A phone photo as Telegram hands it to bots: a JPEG well under 1280 px."""
    buf = io.BytesIO()
    scene(seed, (960, 720)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


async def build(tmp: Path, emu: BotApiEmulator, people: int, reporters: int,
                blocked: int) -> tuple[App, list[int], list[tuple[SimUser, str]], set[int]]:
    settings = Settings(
        telegram=TelegramSettings(token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url),
        campaign=CampaignSettings(timezone=TZ, deadlines=(DEADLINE,)),
        reminders=RemindersSettings(stale_days=0, digest_time=None),
    )
    clock = FixedClock(SEND_TIME)
    app = await App.open(settings, clock=clock, database=tmp / "bench.sqlite", media_dir=tmp / "media")
    db, stamp = app.db, app.ctx.stamp()
    officers = max(1, people // 100)
    ids = list(range(FIRST_ID, FIRST_ID + people))
    async with db.transaction():
        await units.upsert(db, "P", "Tỉnh Thử Nghiệm", None, None)
        communes = []
        for c in range(COMMUNES):
            unit_id = await units.upsert(db, f"X{c:02d}", f"Xã Số {c + 1}", "P", people // COMMUNES + 20)
            communes.append(unit_id)
        for i, uid in enumerate(ids):
            unit_id = communes[i % COMMUNES]
            role = "officer" if i < officers else "volunteer"
            user = await users.create(db, "telegram", str(uid), f"Người {i}", role, unit_id, "vi", stamp)
            if role == "volunteer":
                # One house each, under construction, reported on by them: the reminder lists it.
                house_id = await houses.upsert(db, f"N{i:05d}", unit_id, f"Chủ hộ {i}", "poor", "new",
                                               None, None, None)
                await report_store.create(db, house_id=house_id, reporter_id=user.id, stage=1, note=None,
                                          lat=None, lon=None, received_at=stamp, claimed_at=None,
                                          review_state="accepted", flag=None, photos=[])
                await houses.set_stage(db, house_id, 1, stamp)
                await houses.touch_report(db, house_id, stamp)
    for uid in ids:
        emu.user(uid, first_name=f"Người {uid - FIRST_ID}")
    refused = set(random.Random(7).sample(ids[officers:], blocked)) if blocked else set()
    for uid in refused:
        emu.block(uid, notify=False)
    volunteers = [uid for uid in ids[officers:] if uid not in refused]
    chosen = volunteers[:: max(1, len(volunteers) // reporters)][:reporters]
    playing = [(emu.user(uid), f"N{uid - FIRST_ID:05d}") for uid in chosen]
    return app, ids, playing, refused


async def report_loop(emu: BotApiEmulator, user: SimUser, code: str, photos: list[bytes],
                      done: asyncio.Event, latencies: list[float], rnd: random.Random) -> None:
    """File a report, wait for its receipt, rest a few seconds, again, until the broadcast ends."""
    turn = 0
    while not done.is_set():
        seen = len(user.messages)
        start = time.monotonic()
        user.send_photo(photos[turn % len(photos)], caption=f"{code} khởi công")
        turn += 1

        def answered(m: Sent) -> bool:
            # The receipt, or (past TURNS, photos coming round again) the answer that they were received.
            return "Đã nhận báo cáo" in (m.plain or "") or "đã nhận trong báo cáo" in (m.plain or "")

        def receipt(seen: int = seen) -> bool:
            return any(answered(m) for m in user.messages[seen:])

        await emu.wait_for(receipt, timeout=60, what=f"a receipt for {code}")
        arrived = next(m.time for m in user.messages[seen:] if answered(m))
        latencies.append(arrived - start)
        await asyncio.sleep(rnd.uniform(2.0, 4.0))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def main(people: int, reporters: int, blocked: int) -> int:
    with tempfile.TemporaryDirectory() as tmp_dir:
        async with BotApiEmulator(token=TOKEN) as emu:
            setup_start = time.monotonic()
            app, ids, playing, refused = await build(Path(tmp_dir), emu, people, reporters, blocked)
            # Three photos each, reused on their own house (allowed); other houses' photos never.
            # A new photo each turn: the same photo of the same house and stage within a day is an
            # album sent again, answered as the report already made, not a new one.
            albums = [[photo(100 + TURNS * i + k) for k in range(TURNS)] for i in range(len(playing))]
            emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
            channel = TelegramChannel(app, Tuning(album_wait=0.3))
            await channel.start_polling()
            reminders = Reminders(app.ctx, app.channels)
            print(f"setup: {people} people, {len(playing)} reporting, {len(refused)} blocked "
                  f"({time.monotonic() - setup_start:.1f} s)", file=sys.stderr)
            done = asyncio.Event()
            latencies: list[float] = []
            rnd = random.Random(11)
            try:
                started = time.monotonic()
                broadcast = asyncio.create_task(reminders.run_due(SEND_TIME))
                loops = [asyncio.create_task(report_loop(emu, u, code, albums[i], done, latencies, rnd))
                         for i, (u, code) in enumerate(playing)]
                result = await broadcast
                elapsed = time.monotonic() - started
                done.set()
                await asyncio.gather(*loops)
            finally:
                await channel.stop()
            states = await store.states(app.db, "deadline:")
            await app.close()

    reminder_sends = [s for s in emu.sent if s.method == "sendMessage" and "Nhắc hạn" in (s.plain or "")]
    per_person: dict[int, int] = {}
    for s in reminder_sends:
        per_person[s.chat_id or 0] = per_person.get(s.chat_id or 0, 0) + 1
    expected = [uid for uid in ids if uid not in refused]
    lost = sum(1 for uid in expected if per_person.get(uid, 0) == 0)
    duplicates = sum(n - 1 for n in per_person.values() if n > 1)
    times = sorted(s.time for s in reminder_sends)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    sends = emu.calls["sendMessage"]
    too_many = emu.stats.too_many_requests
    p95 = percentile(latencies, 0.95)

    print(f"rate: {rate:.1f} msg/s")
    print(f"429s: {too_many}")
    print(f"lost: {lost}")
    print(f"p95: {p95:.2f} s")
    print(f"detail: {len(reminder_sends)} reminders in {elapsed:.1f} s, outbox {dict(states)}, "
          f"run {result}, {duplicates} duplicates, {sends} sendMessage calls, "
          f"{len(latencies)} reports (p50 {percentile(latencies, 0.5):.2f} s, "
          f"max {max(latencies, default=float('nan')):.2f} s)", file=sys.stderr)
    ok = rate >= 25 and too_many < 0.01 * sends and lost == 0 and duplicates == 0 and p95 < 2.0
    if not ok:
        print("a target was missed", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=3000, help="people who get the reminder")
    parser.add_argument("--reporters", type=int, default=10, help="volunteers filing reports meanwhile")
    parser.add_argument("--blocked", type=int, default=15, help="of the people, how many blocked the bot")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.users, args.reporters, args.blocked)))
