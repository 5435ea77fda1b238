"""The real bot's Zalo channel (ZaloChannel, handlers, SQLite, Pillow) against the Zalo emulator."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.app import App
from bot.channels.zalo.channel import Tuning, ZaloChannel
from handlers.settings import ZaloSettings
from tests.emulators.zaloemu import ZaloEmulator, ZaloUser
from tests.world import World, build_world

TOKEN = "1234567890:zalo-test-token-for-the-emulator"
SECRET = "zalo-webhook-Secret_123"
HOOK_PATH = "/zalo/hook"


async def no_wait(_seconds: float) -> None:
    """Retries back off in production; in tests the emulator answers at once."""


class Ticks:
    """A monotonic clock that moves only when told to: the channel's 429 pause reads it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def zalo_settings(emu: ZaloEmulator, *, webhook: bool, public: bool, port: int) -> ZaloSettings:
    return ZaloSettings(
        token=TOKEN, base_url=emu.base_url,
        webhook_url=f"https://bot.example.vn{HOOK_PATH}" if webhook else "",
        webhook_secret=SECRET if webhook else "", listen="127.0.0.1", port=port,
        # The emulator fetches pictures the way Zalo does, so the links must point at this machine.
        public_base_url=f"http://127.0.0.1:{port}/media" if public else "", link_ttl_minutes=60,
    )


@dataclass
class ZaloBot:
    emu: ZaloEmulator
    world: World
    channel: ZaloChannel
    tmp: Path
    webhook: bool
    ticks: Ticks = field(default_factory=Ticks)

    @property
    def app(self) -> App:
        return self.world.app

    async def start(self) -> None:
        if self.webhook:
            await self.channel.start_webhook()
            self.emu.deliver_to = f"http://127.0.0.1:{self.channel.port}{HOOK_PATH}"
        else:
            await self.channel.start_polling()

    async def restart(self) -> None:
        """Stop cleanly, reopen the same database, start again."""
        await self.channel.stop()
        await self.app.close()
        settings = self.app.settings
        self.world.app = await App.open(settings, clock=self.world.clock,
                                        database=self.tmp / "world.sqlite", media_dir=self.tmp / "media")
        self.channel = make_channel(self.world.app, self.ticks)
        await self.start()

    async def join(self, user: ZaloUser, unit: str, role: str = "volunteer") -> None:
        code = await self.world.invite(unit, role)
        user.send_text(f"/start {code}")
        reply = await user.next_message()
        assert "Bạn đã tham gia" in reply.text, reply.text

    async def count(self, table: str) -> int:
        return int(await self.app.db.scalar(f"SELECT count(*) FROM {table}"))


def make_channel(app: App, ticks: Ticks | None = None, album_wait: float = 0.3) -> ZaloChannel:
    return ZaloChannel(app, Tuning(album_wait=album_wait, poll_timeout=1, sleep=no_wait,
                                   monotonic=ticks or Ticks()))


async def attach_zalo(world: World, emu: ZaloEmulator, tmp: Path, *, webhook: bool = False,
                      public: bool = True, album_wait: float = 0.3) -> ZaloBot:
    settings = replace(world.app.settings, zalo=zalo_settings(emu, webhook=webhook, public=public,
                                                               port=free_port()))
    world.app.settings = world.app.ctx.settings = settings
    ticks = Ticks()
    bot = ZaloBot(emu, world, make_channel(world.app, ticks, album_wait), tmp, webhook, ticks)
    await bot.start()
    return bot


@asynccontextmanager
async def running_zalo_bot(tmp: Path, *, webhook: bool = False, public: bool = True,
                           review_required: bool = False, album_wait: float = 0.3,
                           **emu_options: object) -> AsyncIterator[ZaloBot]:
    async with ZaloEmulator(token=TOKEN, **emu_options) as emu:  # type: ignore[arg-type]
        world = await build_world(tmp, review_required=review_required)
        bot = await attach_zalo(world, emu, tmp, webhook=webhook, public=public, album_wait=album_wait)
        try:
            yield bot
        finally:
            await bot.channel.stop()
            await bot.app.close()
