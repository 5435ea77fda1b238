"""Ingest benchmark: N volunteers file reports through the local Bot API emulator at once.

Runs a bare python-telegram-bot echo bot against the same emulator in the same process first, as
the baseline, then our bot (TelegramChannel, handlers, SQLite, Pillow). Prints reports per second,
p50 / p95 from a user's message to the bot's answer, and our cost per message against the echo's.

    .venv/bin/python bench/ingest.py [--users 50] [--rounds 2]
    .venv/bin/python bench/ingest.py --zalo [--users 50] [--rounds 3] [--emulator-process]

--zalo runs the same load through Zalo's webhook instead (bench/ingest_zalo.py).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, TypeHandler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.channels.telegram.channel import TelegramChannel, Tuning  # noqa: E402
from handlers.settings import Settings, TelegramSettings  # noqa: E402
from storage import houses, invites, units  # noqa: E402
from storage.photos import workers as photo_workers  # noqa: E402
from tests.emulators.tgemu import BotApiEmulator, SimUser  # noqa: E402
from tests.images import scene  # noqa: E402

TOKEN = "123456:BENCH-token-for-the-local-emulator"


def phone_photo(seed: int) -> bytes:
    """What Telegram delivers for a photo: a JPEG of at most 1280 px."""
    buf = io.BytesIO()
    scene(seed, (1280, 960)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


class Timings:
    def __init__(self) -> None:
        self.by_kind: dict[str, list[float]] = defaultdict(list)

    async def step(self, user: SimUser, kind: str, act: Callable[[], object]) -> str:
        start = time.monotonic()
        act()
        message = await user.next_message(timeout=120)
        self.by_kind[kind].append(time.monotonic() - start)
        return message.text or ""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


@dataclass
class Phase:
    """One workload on one bot: answer times, and process CPU per update handled."""

    timings: Timings
    updates: int
    cpu: float
    wall: float

    @property
    def cpu_per_update_ms(self) -> float:
        return self.cpu / self.updates * 1000


async def measured(updates: int, work: Awaitable[Timings]) -> Phase:
    cpu0, wall0 = time.process_time(), time.monotonic()
    timings = await work
    return Phase(timings, updates, time.process_time() - cpu0, time.monotonic() - wall0)


async def text_dialog(timings: Timings, user: SimUser, code: str, rounds: int) -> Timings:
    """Three updates per round: a command, a button press, a cancel."""
    for _ in range(rounds):
        await timings.step(user, "text", lambda: user.send_text(f"/baocao {code}"))
        await timings.step(user, "press", lambda: user.click("Hoàn thành"))
        await timings.step(user, "text", lambda: user.send_text("/huy"))
    return timings


async def echo_phase(emu: BotApiEmulator, n_users: int, rounds: int) -> Phase:
    async def echo(update: Update, _context: object) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        message = update.effective_message
        if message is not None:
            await message.reply_text(message.text or "ok",
                                     reply_markup=InlineKeyboardMarkup.from_button(
                                         InlineKeyboardButton("Hoàn thành", callback_data="s:2")))

    app = (emu.configure(Application.builder()).concurrent_updates(256)
           .rate_limiter(AIORateLimiter(max_retries=5)).build())
    app.add_handler(TypeHandler(Update, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        users = [emu.user(50_000 + i, first_name=f"Echo {i}") for i in range(n_users)]
        timings = Timings()
        phase = await measured(n_users * rounds * 3, _all(
            timings, [text_dialog(timings, u, f"H{i}-0", rounds) for i, u in enumerate(users)]))
        await app.updater.stop()
        await app.stop()
    return phase


async def quiet_limiter() -> None:
    """The burst is measured from a quiet bot: the answers just sent in the setup (invites, or the
    text phase) would otherwise still fill the rate limiter's one-second window, and the first
    receipts would queue behind them."""
    await asyncio.sleep(1.2)


async def _all(timings: Timings, work: list[Awaitable[Timings]]) -> Timings:
    await asyncio.gather(*work)
    return timings


async def our_phases(emu: BotApiEmulator, n_users: int, rounds: int, photos: list[bytes],
                     tmp: Path) -> tuple[Phase, Phase, int]:
    settings = Settings(telegram=TelegramSettings(token=TOKEN, base_url=emu.base_url,
                                                  base_file_url=emu.base_file_url))
    app = await App.open(settings, database=tmp / "bench.sqlite", media_dir=tmp / "media")
    codes = []
    async with app.db.transaction():
        await units.upsert(app.db, "P", "Tỉnh", None, None)
        for i in range(n_users):
            unit_id = await units.upsert(app.db, f"X{i}", f"Xã {i}", "P", 2)
            for r in range(2):
                await houses.upsert(app.db, f"H{i}-{r}", unit_id, f"Hộ {i} {r}", "poor", "new",
                                    None, None, None)
            codes.append(await invites.create(app.db, unit_id, "volunteer", app.ctx.stamp(), 30))
    channel = TelegramChannel(app, Tuning(poll_timeout=1))
    # As `chungtay run` does before its first message: the photo helper processes are started.
    await asyncio.to_thread(photo_workers.warm, settings.storage.photo_processes)
    await channel.start_polling()
    users = [emu.user(10_000 + i, first_name=f"TNV {i}") for i in range(n_users)]
    for user, code in zip(users, codes, strict=True):
        user.send_text(f"/start {code}")
    for user in users:
        await user.next_message(timeout=120)

    timings = Timings()
    text = await measured(n_users * rounds * 3, _all(
        timings, [text_dialog(timings, u, f"H{i}-0", rounds) for i, u in enumerate(users)]))

    albums = Timings()

    # Uploads (Telegram's servers making the sizes of each photo) happen before the message exists.
    uploads = [[user.upload_photo(photos[i * 3 + k]) for k in range(3)] for i, user in enumerate(users)]

    async def album(i: int, user: SimUser) -> Timings:
        shots = uploads[i]
        receipt = await albums.step(user, "album", lambda: user.send_album(shots, f"H{i}-1 hoàn thành"))
        assert "Đã nhận báo cáo" in receipt, receipt
        return albums

    await quiet_limiter()
    burst = await measured(n_users * 3, _all(albums, [album(i, u) for i, u in enumerate(users)]))
    reports = int(await app.db.scalar("SELECT count(*) FROM reports"))
    await channel.stop()
    await app.close()
    return text, burst, reports


async def album_burst_in_process_of_its_own(emu: BotApiEmulator, n_users: int, photos: list[bytes],
                                            tmp: Path) -> tuple[Timings, float]:
    """The same album burst with the bot as its own process (`chungtay run`), as in production:
    the emulator's half of every HTTP exchange then runs on the other core, not on the bot's."""
    settings = Settings()
    app = await App.open(settings, database=tmp / "proc.sqlite", media_dir=tmp / "proc-media")
    codes = []
    async with app.db.transaction():
        await units.upsert(app.db, "P", "Tỉnh", None, None)
        for i in range(n_users):
            unit_id = await units.upsert(app.db, f"X{i}", f"Xã {i}", "P", 1)
            await houses.upsert(app.db, f"H{i}-1", unit_id, f"Hộ {i}", "poor", "new", None, None, None)
            codes.append(await invites.create(app.db, unit_id, "volunteer", app.ctx.stamp(), 30))
    await app.close()
    config = tmp / "proc.toml"
    config.write_text(f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
                      f'base_file_url = "{emu.base_file_url}"\n[storage]\ndatabase = "proc.sqlite"\n'
                      'media_dir = "proc-media"\n', encoding="utf-8")
    log = (tmp / "proc.log").open("ab")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "--config", str(config),
                                                "run", cwd=ROOT, stdout=log, stderr=log)
    try:
        users = [emu.user(20_000 + i, first_name=f"TNV {i}") for i in range(n_users)]
        for user, code in zip(users, codes, strict=True):
            user.send_text(f"/start {code}")
        for user in users:
            await user.next_message(timeout=120)
        albums = Timings()
        uploads = [[user.upload_photo(photos[i * 3 + k]) for k in range(3)] for i, user in enumerate(users)]

        async def album(i: int, user: SimUser) -> None:
            shots = uploads[i]
            receipt = await albums.step(user, "album", lambda: user.send_album(shots, f"H{i}-1 hoàn thành"))
            assert "Đã nhận báo cáo" in receipt, receipt

        await quiet_limiter()
        started = time.monotonic()
        await asyncio.gather(*(album(i, u) for i, u in enumerate(users)))
        return albums, time.monotonic() - started
    finally:
        proc.terminate()
        await proc.wait()


async def main() -> int:
    if "--zalo" in sys.argv[1:]:
        from bench.ingest_zalo import main as zalo_main

        return await zalo_main([a for a in sys.argv[1:] if a != "--zalo"])
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # Distinct pictures per report, so the duplicate-photo check does not hold reports back.
    photos = [phone_photo(seed) for seed in range(args.users * 3)]
    with tempfile.TemporaryDirectory() as tmp:
        async with BotApiEmulator(token=TOKEN) as emu:
            echo = await echo_phase(emu, args.users, args.rounds)
        async with BotApiEmulator(token=TOKEN) as emu:
            ours, burst, reports = await our_phases(emu, args.users, args.rounds, photos, Path(tmp))
        async with BotApiEmulator(token=TOKEN) as emu:
            separate, separate_wall = await album_burst_in_process_of_its_own(emu, args.users, photos,
                                                                               Path(tmp))
    print(f"volunteers: {args.users} at once; text phase: {args.rounds} x (command, button, /huy) each;"
          f" album phase: one album of 3 photos (1280x960) each, quick caption path")
    for name, phase in (("echo", echo), ("ours", ours)):
        both = phase.timings.by_kind["text"] + phase.timings.by_kind["press"]
        print(f"{name} text+button answers: p50 {pct(both, .5):.0f} ms, p95 {pct(both, .95):.0f} ms; "
              f"CPU {phase.cpu_per_update_ms:.2f} ms per update; {phase.updates / phase.wall:.1f} updates/s")
    ratio = ours.cpu_per_update_ms / echo.cpu_per_update_ms
    print(f"cost ratio (CPU per handled update, ours / echo): {ratio:.2f}x (target <= 2)")
    album_times = burst.timings.by_kind["album"]
    print(f"album answers: p50 {pct(album_times, .5):.0f} ms, p95 {pct(album_times, .95):.0f} ms "
          f"(target p95 < 1000); {reports} reports stored, {len(album_times) / burst.wall:.1f} reports/s")
    alone = separate.by_kind["album"]
    print(f"album answers, bot as its own process: p50 {pct(alone, .5):.0f} ms, "
          f"p95 {pct(alone, .95):.0f} ms (target p95 < 1000); {len(alone) / separate_wall:.1f} reports/s")
    return 0 if ratio <= 2 and pct(alone, .95) < 1000 else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
