"""/lienket: one person's Telegram and Zalo accounts seen as one.

`/lienket` on one account gives a short code; `/lienket CODE` sent from the other account links the
two. Each account keeps its own role and unit, so what either may see is unchanged. Someone with no
account yet can join with a code instead of an invite: the new account gets the role and unit of
the account that made the code.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import code_guard
from handlers.catalog import ROLES, label, pick_lang, t
from handlers.catalog.zalo import CHANNELS
from handlers.context import Context
from handlers.turn import Command, Turn
from handlers.types import MENU, Incoming, Reply
from storage import account_links, audit, units, users
from storage.account_links import LinkCode
from storage.codes import UserStatus
from storage.models import User
from storage.textfold import clip, fold
from storage.times import to_db

CODE_MINUTES = 15
NAMES = ("lienket", "link")
# /lienket bo (bỏ, gỡ) or /link remove takes the person's accounts apart again.
UNLINK_WORDS = ("bo", "go", "remove", "unlink")


def channel_name(channel: str, lang: str) -> str:
    return label(CHANNELS, channel, lang) if channel in CHANNELS else channel


async def link(turn: Turn) -> list[Reply]:
    """/lienket [CODE]."""
    code = turn.inc.args.split()[0][:32] if turn.inc.args.strip() else ""
    if fold(code) in UNLINK_WORDS:
        return await _unlink(turn)
    if code:
        return await _use(turn, code)
    ctx, user = turn.ctx, turn.user
    now = ctx.now()
    expires = to_db(now + timedelta(minutes=CODE_MINUTES))
    new = await account_links.create_code(ctx.db, user.id, to_db(now), expires)
    lines = [turn.t("link_code", code=new, minutes=CODE_MINUTES)]
    others = [a for a in await account_links.accounts(ctx.db, user.id) if a.id != user.id]
    if others:
        lines.append(turn.t("link_list", accounts=", ".join(_account(a, turn.lang) for a in others)))
    return [Reply("\n".join(lines))]


async def _usable(ctx: Context, inc: Incoming, code: str, lang: str,
                  actor_id: int | None) -> tuple[tuple[LinkCode, User] | None, list[Reply]]:
    """The link code and the account that made it, if it can be used now; else why not."""
    waiting = await code_guard.waiting(ctx, inc, lang, actor_id)
    if waiting:
        return None, waiting
    found = await account_links.find_usable(ctx.db, code, ctx.stamp()) if code else None
    source = await users.get(ctx.db, found.user_id) if found else None
    if found is None or source is None or source.status == UserStatus.DISABLED:
        await code_guard.wrong(ctx, inc, "link", code, actor_id)
        return None, [Reply(t(lang, "link_bad_code", code=clip(code, 32)))]
    return (found, source), []


async def _use(turn: Turn, code: str) -> list[Reply]:
    ctx, user = turn.ctx, turn.user
    usable, refusal = await _usable(ctx, turn.inc, code, turn.lang, user.id)
    if usable is None:
        return refusal
    found, source = usable
    if source.id == user.id:
        return [Reply(turn.t("link_own_code"))]
    if source.channel == user.channel:
        return [Reply(turn.t("link_same_channel", channel=channel_name(user.channel, turn.lang)))]
    if await account_links.person_of(ctx.db, source.id) == await account_links.person_of(ctx.db, user.id):
        await account_links.mark_used(ctx.db, found.code, user.id, ctx.stamp())
        return [Reply(turn.t("link_already"))]
    now = ctx.stamp()
    person = await account_links.link(ctx.db, source.id, user.id)
    await account_links.mark_used(ctx.db, found.code, user.id, now)
    await audit.log(ctx.db, now, user.id, "user.link", "user", user.id,
                    {"with": source.id, "person": person, "code": found.code})
    here = channel_name(user.channel, turn.lang)
    there = channel_name(source.channel, turn.lang)
    return [
        Reply(turn.t("link_done", here=here, there=there)),
        # The code's owner learns at once that an account was attached to them, in case it was not them.
        Reply(t(source.lang, "link_done_other", channel=channel_name(user.channel, source.lang),
                name=clip(user.display_name or "?", 40)), to=(source.channel, source.external_id)),
    ]


async def join_with_code(ctx: Context, inc: Incoming) -> list[Reply]:
    """A stranger's /lienket CODE: a new account for the person who made the code."""
    lang = pick_lang(inc.lang_hint)
    code = inc.args.split()[0][:32] if inc.args.strip() else ""
    usable, refusal = await _usable(ctx, inc, code, lang, None)
    if usable is None:
        return refusal
    found, source = usable
    if source.channel == inc.channel:
        return [Reply(t(lang, "link_same_channel", channel=channel_name(inc.channel, lang)))]
    now = ctx.stamp()
    name = clip(inc.display_name.strip(), 64)
    user = await account_links.create_linked(ctx.db, source, inc.channel, inc.user_id, name, source.lang, now)
    await account_links.mark_used(ctx.db, found.code, user.id, now)
    await audit.log(ctx.db, now, user.id, "user.join", "user", user.id,
                    {"role": user.role, "unit_id": user.unit_id, "linked_to": source.id, "code": found.code})
    unit = await units.get(ctx.db, user.unit_id)
    assert unit is not None
    lang = user.lang
    return [
        Reply(t(lang, "link_joined", name=name or "bạn", role=label(ROLES, user.role, lang), unit=unit.name,
                there=channel_name(source.channel, lang)), meta={MENU: (user.is_officer, lang)}),
        Reply(t(source.lang, "link_done_other", channel=channel_name(inc.channel, source.lang),
                name=name or "?"), to=(source.channel, source.external_id)),
    ]


async def _unlink(turn: Turn) -> list[Reply]:
    """Accounts that had their own invite keep their role and unit; one that came in only through a
    link code loses access with the link, this one included, since the link was its only right to
    be here (a code may have been used by someone else: that is what this is for)."""
    ctx, user = turn.ctx, turn.user
    now = ctx.stamp()
    accounts = await account_links.accounts(ctx.db, user.id)
    closed = [a for a in accounts if await account_links.joined_by_link(ctx.db, a.id)]
    others = await account_links.unlink(ctx.db, user.id)
    if not others:
        return [Reply(turn.t("unlink_none"))]
    for account in accounts:
        shut = account in closed
        if shut:
            await users.set_status(ctx.db, account.id, UserStatus.DISABLED)
        if account.id != user.id or shut:
            await audit.log(ctx.db, now, user.id, "user.unlink", "user", account.id,
                            {"from": user.id, "disabled": shut})
    lines = [turn.t("unlink_done", accounts=", ".join(_account(a, turn.lang) for a in others))]
    shut_others = [a for a in closed if a.id != user.id]
    if shut_others:
        lines.append(turn.t("unlink_closed", accounts=", ".join(_account(a, turn.lang) for a in shut_others)))
    if any(a.id == user.id for a in closed):
        lines.append(turn.t("unlink_self_closed"))
    replies = [Reply("\n".join(lines))]
    here = clip(user.display_name or "?", 40)
    for other in others:
        key = "unlink_other_closed" if other in closed else "unlink_other_kept"
        replies.append(Reply(t(other.lang, key, channel=channel_name(user.channel, other.lang), name=here),
                             to=(other.channel, other.external_id)))
    return replies


def _account(user: User, lang: str) -> str:
    name = clip(user.display_name, 30)
    where = channel_name(user.channel, lang)
    return f"{where} ({name})" if name else where


COMMANDS: list[Command] = [
    Command(NAMES, link, menu=("Liên kết tài khoản Telegram và Zalo", "Link Telegram and Zalo accounts")),
]
