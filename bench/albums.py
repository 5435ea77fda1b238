"""The album burst's baseline and context: a bare echo bot that answers each album once, the
machine the figures come from, the floor the platform's send limit sets, and a profile of a burst.

Imported by bench/ingest.py; `python bench/albums.py BASE_URL BASE_FILE_URL` runs the echo bot as
a process of its own (until SIGTERM), to compare with `chungtay run` as its own process.
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import signal
import sys
from collections import defaultdict
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, TypeHandler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.telegram.channel import HTTP_SLOTS  # noqa: E402
from bot.channels.telegram.http import AiohttpRequest  # noqa: E402

ALBUM = 3                 # photos in each volunteer's album
LIMIT_BURST = 30          # AIORateLimiter: 30 messages at once, then 30 a second
LIMIT_RATE = 30.0


def echo_handler() -> object:
    """Text: echoed with a button (the text baseline). A photo: its largest size downloaded; the
    album's last download sends the album's one answer. No database, no decode, no disk."""
    downloaded: dict[str, int] = defaultdict(int)

    async def echo(update: Update, _context: object) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        message = update.effective_message
        if message is None:
            return
        if message.photo:
            largest = await message.photo[-1].get_file()
            await largest.download_as_bytearray()
            group = message.media_group_id or str(message.message_id)
            downloaded[group] += 1
            if downloaded[group] == (ALBUM if message.media_group_id else 1):
                del downloaded[group]
                await message.reply_text(f"Đã nhận báo cáo (echo, {ALBUM} ảnh)")
            return
        await message.reply_text(message.text or "ok", reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("Hoàn thành", callback_data="s:2")))

    return echo


def echo_app(token: str, base_url: str, base_file_url: str, *,
             our_http: bool = True) -> Application:  # type: ignore[type-arg]
    """our_http: the same HTTP client as TelegramChannel (aiohttp, 16 requests at once), so the
    album ratio weighs what our bot does, not the HTTP library (python-telegram-bot's default,
    httpx, moves 150 photos several times slower); off for the text baseline, as it always was."""
    builder = (Application.builder().token(token).base_url(base_url).base_file_url(base_file_url)
               .concurrent_updates(256).rate_limiter(AIORateLimiter(max_retries=5)))
    if our_http:
        builder = builder.request(AiohttpRequest(HTTP_SLOTS, read_timeout=30.0)).get_updates_request(
            AiohttpRequest(1, read_timeout=60.0))
    # The same rate limiter and concurrency as TelegramChannel: the platform's floor is the same.
    app = builder.build()
    app.add_handler(TypeHandler(Update, echo_handler()))  # type: ignore[arg-type]
    return app


async def serve_echo(token: str, base_url: str, base_file_url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = echo_app(token, base_url, base_file_url)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        print("echo ready", flush=True)
        await stop.wait()
        await app.updater.stop()
        await app.stop()


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def floor_ms(receipts: int, q: float) -> float:
    """The earliest the receipt at quantile q of `receipts` sent at once can leave: the limiter
    lets LIMIT_BURST out at once, then LIMIT_RATE a second."""
    nth = min(receipts, int(q * receipts) + 1)
    return max(0, nth - LIMIT_BURST) / LIMIT_RATE * 1000


# --- where the time goes ----------------------------------------------------------------------

_AREAS = (
    ("emulator (Telegram's side)", ("tests/emulators", "tornado")),
    ("python-telegram-bot", ("/telegram/",)),
    ("HTTP (aiohttp)", ("aiohttp", "multidict", "yarl")),
    ("SQLite (aiosqlite thread)", ("aiosqlite", "sqlite3")),
    ("Pillow", ("PIL",)),
    ("photo pipeline (storage/photos)", ("storage/photos",)),
    ("handlers", ("/handlers/",)),
    ("storage (SQL, inbox)", ("/storage/",)),
    ("channels (bot/)", ("/bot/",)),
    ("asyncio and the rest", ("",)),
)


def _area(filename: str) -> str:
    for name, marks in _AREAS:
        if any(m in filename for m in marks):
            return name
    return _AREAS[-1][0]


def profile_summary(profile: cProfile.Profile | Path, albums: int, top: int = 18,
                    what: str = "CPU time of this process's event loop thread; the SQLite thread "
                                "and the photo helper processes not included") -> str:
    """Own time by area and the functions that take most, per album: where the time goes."""
    stats = pstats.Stats(str(profile) if isinstance(profile, Path) else profile)
    by_area: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, func), (_cc, calls, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by_area[_area(filename)] += own
        rows.append((own, calls, f"{Path(filename).name}:{line}({func})"))
    total = sum(by_area.values()) or 1.0
    out = [f"profile of the burst (cProfile, {what}), {albums} albums: "
           f"{total * 1000 / albums:.1f} ms per album"]
    for name, own in sorted(by_area.items(), key=lambda kv: -kv[1]):
        out.append(f"  {name:34s} {own * 1000 / albums:7.2f} ms/album  {own / total:5.1%}")
    out.append(f"  top {top} functions by own time:")
    for own, calls, where in sorted(rows, reverse=True)[:top]:
        out.append(f"    {own * 1000 / albums:7.2f} ms/album  {calls / albums:8.1f} calls/album  {where}")
    return "\n".join(out)


def helper_cpu(pid: int | None = None) -> float:
    """CPU seconds used so far by the live descendants of `pid` (by default this process: its photo
    helper processes), from /proc/<pid>/stat utime + stime."""
    return _descendants_cpu(pid or os.getpid(), os.sysconf("SC_CLK_TCK"))


def process_cpu(pid: int, thread: int | None = None) -> float:
    """CPU seconds used so far by process `pid` itself, all its threads (or only `thread`: the
    main thread, the event loop's, is `pid`)."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants_cpu(pid: int, tick: int) -> float:
    total = 0.0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0.0
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick + _descendants_cpu(int(child), tick)
    return total


if __name__ == "__main__":
    asyncio.run(serve_echo(os.environ["BENCH_TOKEN"], sys.argv[1], sys.argv[2]))
