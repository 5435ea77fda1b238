"""Several Telegram bots in one deployment ([[telegram.bots]]): one per province, say, on one database.

Each bot is a whole TelegramChannel of its own (its python-telegram-bot Application, its rate
limiter, its polling or webhook), so one province's traffic never spends another's limits. People
stay stored as channel "telegram" under their Telegram user id, which is the same for every bot;
which bot speaks to whom follows from the person's unit alone (handlers/bot_areas.py). The bots
are reached from the rest of the program as one channel, TelegramBots, whose send() picks the
person's own bot; a bot that someone writes to without serving them names the right one and
changes nothing stored.

Each bot numbers its updates from 1, so a bot's inbox keys and inbox rows carry its id.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Update

from bot.app import App
from bot.channels.contract import Outcome, StartRefused
from bot.channels.telegram.channel import CHANNEL, TelegramChannel, Tuning
from handlers import bot_areas
from handlers.bot_areas import Area, UnknownUnit
from handlers.settings import TelegramBot
from handlers.types import Reply
from storage import bot_info, units
from storage.models import User

log = logging.getLogger(__name__)


class AreaBot(TelegramChannel):
    """One bot of several: it serves the people of its unit's subtree that no narrower bot serves."""

    def __init__(self, app: App, bot: TelegramBot, bots: TelegramBots, tuning: Tuning | None = None) -> None:
        self.bot = bot
        self.bots = bots
        own = replace(app.settings.telegram, token=bot.token, webhook_url=bot.webhook_url,
                      port=bot.port or app.settings.telegram.port, bot_username=bot.bot_username, bots=())
        super().__init__(app, tuning, own)

    @property
    def inbox_channel(self) -> str:
        return f"{CHANNEL}:{self.bot.key}"

    def key_of(self, item: Update) -> str:
        return f"tg:{self.bot.key}:{item.update_id}"

    def _username_key(self) -> str:
        return bot_info.telegram_username(self.bot.key)

    async def _serves(self, person: str) -> bool:
        unit = await bot_areas.person_unit(self.app.ctx, CHANNEL, person)
        return unit is not None and self.bots.bot_for(unit.path) is self

    async def _menu_officers(self) -> list[User]:
        paths = {u.id: u.path for u in await units.all_units(self.app.db)}
        return [o for o in await super()._menu_officers()
                if o.unit_id in paths and self.bots.bot_for(paths[o.unit_id]) is self]

    async def _handle(self, group: list[Update]) -> None:
        first = group[0]
        sender = first.effective_user
        if sender is not None:
            text = (first.message.text or "") if first.message is not None else ""
            refusal = await bot_areas.elsewhere(self.app.ctx, self.bots.areas, self.bot, CHANNEL,
                                                str(sender.id), text, sender.language_code)
            if refusal is not None:
                # Before anything is fetched or stored: only the update is marked handled, so a
                # redelivery does not repeat the answer.
                await self.deliver(self._chat_of(first), refusal)
                await self.app.core.skip(tuple(self.key_of(u) for u in group))
                return
        await super()._handle(group)

    async def set_blocked(self, person: str, blocked: bool) -> None:
        # Blocking a bot that does not serve the person (one they were pointed away from) says
        # nothing about whether their own bot reaches them.
        if await self._serves(person):
            await super().set_blocked(person, blocked)


class TelegramBots:
    """All the configured bots, as the one channel "telegram" the rest of the program knows."""

    name = CHANNEL

    def __init__(self, app: App, tuning: Tuning | None = None) -> None:
        self.app = app
        self.areas: list[Area] = []
        self.running = [AreaBot(app, bot, self, tuning) for bot in app.settings.telegram.bots]
        # Each bot registered itself under the channel's name as it was made; the whole takes that
        # name over, so a reminder or a reply addressed to someone on Telegram reaches their bot.
        app.channels.add(self)

    def bot_for(self, unit_path: str) -> AreaBot | None:
        area = bot_areas.serving(self.areas, unit_path)
        return next((b for b in self.running if area is not None and b.bot.key == area.bot.key), None)

    async def start(self) -> None:
        try:
            self.areas = await bot_areas.areas(self.app.db, self.app.settings.telegram.bots)
        except UnknownUnit as exc:
            log.error("%s", exc)
            raise StartRefused(str(exc)) from None
        # Every bot learns its username before any handles an update: a bot pointing someone to
        # another names it.
        for bot in self.running:
            await bot.application.initialize()
            await bot._remember_username()
        for bot in self.running:
            await bot.start()

    async def stop(self) -> None:
        try:
            for bot in reversed(self.running):
                try:
                    await bot.stop()
                except Exception as exc:  # the others still stop
                    log.error("stopping the bot of %s failed (%s)", bot.bot.unit, type(exc).__name__)
        finally:
            self.app.channels.remove(self)

    async def send(self, person: str, reply: Reply) -> Outcome:
        """Through the person's own bot: the one that serves their unit."""
        unit = await bot_areas.person_unit(self.app.ctx, CHANNEL, person)
        bot = self.bot_for(unit.path) if unit is not None else None
        if bot is None:
            log.warning("no Telegram bot serves the person a message is for")
            return "failed"
        return await bot.send(person, reply)
