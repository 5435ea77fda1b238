"""The real bot (TelegramChannel around python-telegram-bot's Application) against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bot.app import App
from bot.channels.telegram.channel import TelegramChannel, Tuning
from handlers.settings import TelegramSettings
from tests.emulators.tgemu import BotApiEmulator, SimUser
from tests.world import World, build_world

TOKEN = "123456:TEST-token-for-the-local-emulator"


async def no_wait(_seconds: float) -> None:
    """Retries back off in production; in tests the emulator answers at once."""


@dataclass
class Bot:
    emu: BotApiEmulator
    world: World
    channel: TelegramChannel
    tmp: Path

    @property
    def app(self) -> App:
        return self.world.app

    async def start(self) -> None:
        await self.channel.start_polling()

    async def restart(self) -> None:
        """Stop cleanly, reopen the same database, start again."""
        await self.channel.stop()
        await self.app.close()
        self.world.app = await App.open(self.app.settings, clock=self.world.clock,
                                        database=self.world.target(self.tmp), media_dir=self.tmp / "media")
        self.channel = make_channel(self.world.app)
        await self.start()

    async def join(self, user: SimUser, unit: str, role: str = "volunteer") -> None:
        code = await self.world.invite(unit, role)
        user.send_text(f"/start {code}")
        reply = await user.next_message()
        assert "Bạn đã tham gia" in (reply.text or ""), reply.text

    async def count(self, table: str) -> int:
        return int(await self.app.db.scalar(f"SELECT count(*) FROM {table}"))


def make_channel(app: App) -> TelegramChannel:
    return TelegramChannel(app, Tuning(album_wait=0.3, poll_timeout=1, sleep=no_wait))


@asynccontextmanager
async def running_bot(tmp: Path, database: str | Path | None = None) -> AsyncIterator[Bot]:
    """`database`: a PostgreSQL DSN runs the bot on it; otherwise a SQLite file in `tmp`."""
    async with BotApiEmulator(token=TOKEN) as emu:
        world = await build_world(tmp, database=database if isinstance(database, str) else None)
        settings = replace(world.app.settings, telegram=TelegramSettings(
            token=TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url))
        world.app.settings = settings
        world.app.ctx.settings = settings
        bot = Bot(emu, world, make_channel(world.app), tmp)
        await bot.start()
        try:
            yield bot
        finally:
            await bot.channel.stop()
            await bot.app.close()
