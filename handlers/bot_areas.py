"""Which Telegram bot serves whom, where several run on one database ([[telegram.bots]], one per
province, say).

Each person has exactly one bot: the bot of the narrowest configured unit that contains their unit,
or, for someone above every configured unit, the first bot listed. Replies, reminders and messages
from officers all go out through it. One bot, always the same, because Telegram lets a bot write
only to people who started it: a person is served by no other bot (the others point them to theirs),
so their bot is the one they have written to, and a reminder never goes out through a bot the
person has never seen. Nothing about it is stored: every process, receiver or worker, finds the same
bot from the configuration and the person's unit alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers import account_links
from handlers.catalog import pick_lang, t
from handlers.context import Context
from handlers.settings import Settings, TelegramBot
from handlers.types import Reply, parse_command
from storage import account_links as stored_links
from storage import bot_info, invites, units, users
from storage.db import Database
from storage.models import Unit


@dataclass(frozen=True)
class Area:
    bot: TelegramBot
    unit: Unit


class UnknownUnit(Exception):
    """A configured bot names a unit the database does not have."""

    def __init__(self, bot: TelegramBot) -> None:
        super().__init__(f"[[telegram.bots]] unit {bot.unit!r}: no such unit; import the units first "
                         "(chungtay import) or correct the code")
        self.bot = bot


async def areas(db: Database, bots: Sequence[TelegramBot], strict: bool = True) -> list[Area]:
    """The configured bots with their units, in the file's order. `strict`: a unit that does not
    exist is an error (at start); else that bot is left out (a command run beside the bot)."""
    found: list[Area] = []
    for bot in bots:
        unit = await units.by_code(db, bot.unit)
        if unit is None:
            if strict:
                raise UnknownUnit(bot)
            continue
        found.append(Area(bot, unit))
    return found


def serving(found: Sequence[Area], unit_path: str) -> Area | None:
    """The bot of the narrowest configured unit containing the unit at `unit_path`; the first bot
    when none contains it."""
    inside = [a for a in found if units.contains(a.unit, unit_path)]
    if inside:
        return max(inside, key=lambda a: a.unit.depth)
    return found[0] if found else None


async def username_of(db: Database, bot: TelegramBot) -> str:
    """The name set in the file, else the one the bot learnt from Telegram at its last start."""
    return bot.bot_username or await bot_info.get(db, bot_info.telegram_username(bot.key)) or ""


async def username_for(db: Database, settings: Settings, unit: Unit) -> str:
    """The Telegram username an invite to `unit` links to: the bot serving that unit."""
    tg = settings.telegram
    if not tg.bots:
        return tg.bot_username or await bot_info.get(db, bot_info.TELEGRAM_USERNAME) or ""
    area = serving(await areas(db, tg.bots, strict=False), unit.path)
    return await username_of(db, area.bot) if area else ""


async def person_unit(ctx: Context, channel: str, external_id: str) -> Unit | None:
    user = await users.find(ctx.db, channel, external_id)
    return await units.get(ctx.db, user.unit_id) if user is not None else None


async def elsewhere(ctx: Context, found: Sequence[Area], here: TelegramBot, channel: str,
                    external_id: str, text: str, lang_hint: str | None) -> Reply | None:
    """A short reply naming the bot to use, when someone wrote to the bot `here` that does not
    serve them: a person whose unit another bot serves, or a stranger whose invite (or account
    link) code is for such a unit. None: `here` serves them, or nothing says who they are (the
    core then answers as to anyone). Reads only, so a refused message changes nothing stored."""
    user = await users.find(ctx.db, channel, external_id)
    code = ""
    if user is not None:
        unit, lang = await units.get(ctx.db, user.unit_id), user.lang
    else:
        lang = pick_lang(lang_hint)
        unit, code = await _unit_of_code(ctx, text)
    if unit is None:
        return None
    home = serving(found, unit.path)
    if home is None or home.bot.key == here.key:
        return None
    name = await username_of(ctx.db, home.bot)
    if user is not None:
        return Reply(t(lang, "bot_elsewhere", bot=name, unit=home.unit.name))
    return Reply(t(lang, "bot_elsewhere_join", bot=name, unit=home.unit.name, code=code))


async def _unit_of_code(ctx: Context, text: str) -> tuple[Unit | None, str]:
    """The unit a stranger's `/start CODE` or `/lienket CODE` would put them in."""
    command, args = parse_command(text)
    words = args.split()
    if not words:
        return None, ""
    code = words[0][:32]
    if command == "start":
        invite = await invites.find(ctx.db, code)
        return (await units.get(ctx.db, invite.unit_id) if invite else None), code
    if command in account_links.NAMES:
        link = await stored_links.find_usable(ctx.db, code, ctx.stamp())
        owner = await users.get(ctx.db, link.user_id) if link else None
        return (await units.get(ctx.db, owner.unit_id) if owner else None), code
    return None, ""
