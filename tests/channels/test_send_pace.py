"""One bot's sends stay under Telegram's limits across processes: two Applications, each with its
own connections to one PostgreSQL database (as two `chungtay run` processes have), send a burst at
once to the emulator with Telegram's flood limits on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram.ext import Application, ApplicationBuilder

from bot.channels.telegram.http import AiohttpRequest
from bot.channels.telegram.pace import (
    OVERALL_BURST,
    OVERALL_PER_SECOND,
    SharedRateLimiter,
    rate_limiter,
)
from storage import send_pace
from storage.db import Database
from tests.channels.telegram_world import TOKEN
from tests.emulators.tgemu import BotApiEmulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHATS = 40   # each Application writes once to each of these chats
BUSY = 9001  # and three times to this one
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def most_ahead(times: list[float]) -> float:
    """How many sends at most were ahead of a bucket of OVERALL_BURST filled OVERALL_PER_SECOND a
    second (the shape of Telegram's limit, as the emulator keeps it): 0 when none ever was."""
    times = sorted(times)
    return max(i + 1 - OVERALL_BURST - OVERALL_PER_SECOND * (t - times[0]) for i, t in enumerate(times))


@asynccontextmanager
async def application(emu: BotApiEmulator, dsn: str) -> AsyncIterator[AnyApplication]:
    db = await Database.open(dsn)
    app = (ApplicationBuilder().token(TOKEN).base_url(emu.base_url)
           .request(AiohttpRequest(16, read_timeout=30.0))
           .rate_limiter(rate_limiter(db, TOKEN.split(":")[0])).build())
    await app.initialize()
    try:
        yield app
    finally:
        await app.shutdown()
        await db.close()


async def burst(app: AnyApplication, name: str) -> None:
    sends = [app.bot.send_message(1000 + i, f"{name} {i}") for i in range(CHATS)]
    sends += [app.bot.send_message(BUSY, f"{name} busy {i}") for i in range(3)]
    await asyncio.gather(*sends)


async def test_two_processes_share_the_bots_budget(pg_dsn: str) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        for i in range(CHATS):
            emu.user(1000 + i)
        emu.user(BUSY)
        emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
        async with application(emu, pg_dsn) as one, application(emu, pg_dsn) as two:
            assert isinstance(one.bot.rate_limiter, SharedRateLimiter)
            await asyncio.gather(burst(one, "A"), burst(two, "B"))
        sends = [s for s in emu.sent if s.method == "sendMessage"]
        assert len(sends) == 2 * (CHATS + 3)
        assert emu.stats.too_many_requests == 0, emu.errors
        # Sends leave in their turn but reach Telegram a moment apart from it: on a loaded machine
        # two or three bunch up. That is what the budget's room under Telegram's 30 is for; a
        # budget not shared would put both processes' bursts out at once, 25 ahead.
        assert most_ahead([s.time for s in sends]) <= 3
        busy = sorted(s.time for s in sends if s.chat_id == BUSY)
        # Three at once, then one a second: the six took at least three seconds.
        assert busy[-1] - busy[0] >= 2.9


async def test_a_429_holds_back_every_process_of_the_bot(pg_dsn: str) -> None:
    async with BotApiEmulator(token=TOKEN) as emu:
        emu.user(1000)
        emu.user(1001)
        emu.fail_next("sendMessage", 1, retry_after=1)
        async with application(emu, pg_dsn) as one, application(emu, pg_dsn) as two:
            first = asyncio.create_task(one.bot.send_message(1000, "A"))
            await emu.wait_for(lambda: emu.stats.too_many_requests == 1)
            await first  # retried after the pause the 429 asked for
            await two.bot.send_message(1001, "B")
        a, b = (next(s for s in emu.sent if s.chat_id == c) for c in (1000, 1001))
        refused = emu.errors[0].time
        assert a.time - refused >= 1.0 and b.time - refused >= 1.0


async def test_a_bot_sends_a_burst_at_once_then_at_its_pace(pg_dsn: str) -> None:
    """As one process's limiter lets a burst out at once (python-telegram-bot's: 30), the shared
    budget does: the receipts of a crowd of albums do not each wait for a slot from the start."""
    db = await Database.open(pg_dsn)
    try:
        # One a second, so the statements' own time cannot free a slot meanwhile.
        waits = [await send_pace.reserve(db, "7", 1.0, OVERALL_BURST) for _ in range(OVERALL_BURST + 2)]
        assert waits[:OVERALL_BURST] == [0.0] * OVERALL_BURST
        assert 0.9 < waits[OVERALL_BURST] < 1.0 and 1.9 < waits[OVERALL_BURST + 1] < 2.0
        # A pause Telegram asked for is not shortened by the burst's credit.
        await send_pace.pause(db, "8", 5.0, OVERALL_BURST, 1.0)
        assert 4.9 < await send_pace.reserve(db, "8", 1.0, OVERALL_BURST) <= 5.0
    finally:
        await db.close()


async def test_a_chat_nobody_wrote_to_for_a_minute_is_forgotten(pg_dsn: str) -> None:
    db = await Database.open(pg_dsn)
    try:
        assert await send_pace.reserve_in_chat(db, "1", "42", 0.01, 1.0, 2.0) == (0, 0)
        assert await send_pace.prune(db, idle=60) == 0
        assert await send_pace.prune(db, idle=-5) == 1  # as if a minute had gone by
    finally:
        await db.close()


def test_one_process_on_sqlite_keeps_python_telegram_bots_own_limiter() -> None:
    from telegram.ext import AIORateLimiter

    class Sqlite:
        dialect = "sqlite"

    assert isinstance(rate_limiter(Sqlite(), "1"), AIORateLimiter)  # type: ignore[arg-type]
