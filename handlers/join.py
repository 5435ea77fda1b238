"""Joining with an invite code, help, and the language switch."""

from __future__ import annotations

from datetime import datetime

from handlers import account_links, code_guard
from handlers.catalog import LANGS, ROLES, label, pick_lang, t
from handlers.context import Context
from handlers.turn import Turn
from handlers.types import MENU, Incoming, Reply
from storage import audit, dialogs, invites, units, users
from storage.codes import OFFICER_ROLES, Stage
from storage.models import Invite, User
from storage.textfold import clip


async def stranger(ctx: Context, inc: Incoming) -> list[Reply]:
    """Someone with no account: only a valid /start code, or a /lienket code, does anything."""
    lang = pick_lang(inc.lang_hint)
    if inc.command in account_links.NAMES and inc.args:  # joining with a code from the person's other account
        return await account_links.join_with_code(ctx, inc)
    if inc.command != "start" or not inc.args:
        return [Reply(t(lang, "stranger"))]
    invite, refusal = await _usable_invite(ctx, inc, lang, None)
    if invite is None:
        return refusal
    now = ctx.stamp()
    name = clip(inc.display_name.strip(), 64)
    user = await users.create(ctx.db, inc.channel, inc.user_id, name, invite.role, invite.unit_id,
                              lang, now)
    await _use(ctx, invite, user.id, "user.join")
    unit = await units.get(ctx.db, invite.unit_id)
    assert unit is not None
    return [Reply(t(lang, "joined", name=name or t(lang, "someone"), role=label(ROLES, user.role, lang),
                    unit=unit.name), meta={MENU: (user.is_officer, lang)})]


async def rejoin(ctx: Context, user: User, inc: Incoming) -> list[Reply]:
    """A suspended account given a fresh invite: active again with the invite's role and unit."""
    invite, refusal = await _usable_invite(ctx, inc, user.lang, user.id)
    if invite is None:
        return refusal
    now = ctx.stamp()
    await users.reinstate(ctx.db, user.id, invite.role, invite.unit_id)
    await dialogs.save(ctx.db, user.id, "idle", {}, now)  # a draft from before may be of another area
    await _use(ctx, invite, user.id, "user.rejoin")
    unit = await units.get(ctx.db, invite.unit_id)
    assert unit is not None
    lang = user.lang
    return [Reply(t(lang, "joined", name=user.display_name or t(lang, "someone"),
                    role=label(ROLES, invite.role, lang), unit=unit.name),
                  meta={MENU: (invite.role in OFFICER_ROLES, lang)})]


async def _usable_invite(ctx: Context, inc: Incoming, lang: str,
                         actor_id: int | None) -> tuple[Invite | None, list[Reply]]:
    """The invite `/start CODE` names if it can be used now, else why not."""
    waiting = await code_guard.waiting(ctx, inc, lang, actor_id)
    if waiting:
        return None, waiting
    code = inc.args.split()[0][:32]
    found = await invites.find(ctx.db, code)
    if found is None or (found.kind == invites.PERSONAL and found.used_up):
        await code_guard.wrong(ctx, inc, "invite", code, actor_id)
        return None, [Reply(t(lang, "bad_invite", code=clip(code, 32)))]
    # A real code that can no longer be used is not a guess, so not counted as one; still audited.
    seen = {"channel": inc.channel, "account": inc.user_id}
    if found.revoked_at is not None:
        await audit.log(ctx.db, ctx.stamp(), actor_id, "invite.refused", "invite", found.code,
                        {**seen, "why": "revoked"})
        return None, [Reply(t(lang, "inv_join_revoked", code=found.code))]
    if found.expires_at <= ctx.stamp():
        await audit.log(ctx.db, ctx.stamp(), actor_id, "code.expired", "invite", found.code, seen)
        expired = datetime.fromisoformat(found.expires_at).astimezone(ctx.clock.tz)
        return None, [Reply(t(lang, "invite_expired", code=found.code, date=f"{expired:%d/%m/%Y}"))]
    if found.used_up:
        await audit.log(ctx.db, ctx.stamp(), actor_id, "invite.refused", "invite", found.code,
                        {**seen, "why": "used_up", "max": found.max_uses})
        return None, [Reply(t(lang, "inv_join_full", code=found.code))]
    return found.invite(), []


async def _use(ctx: Context, invite: Invite, user_id: int, action: str) -> None:
    now = ctx.stamp()
    # The turn holds the one writer, so the checks above still stand: the count cannot be passed.
    used = await invites.mark_used(ctx.db, invite.code, user_id, now)
    assert used
    await audit.log(ctx.db, now, user_id, action, "user", user_id,
                    {"role": invite.role, "unit_id": invite.unit_id, "invite": invite.code})
    await audit.log(ctx.db, now, user_id, "invite.used", "invite", invite.code, {"user_id": user_id})


async def start_again(turn: Turn) -> list[Reply]:
    unit = await turn.own_unit()
    return [Reply(turn.t("already_joined", role=label(ROLES, turn.user.role, turn.lang), unit=unit.name))]


async def help_text(turn: Turn) -> list[Reply]:
    from handlers.commands import COMMANDS, CORE  # the table imports this module
    from handlers.turn import Command

    done = turn.ctx.settings.report.photos_required.get(Stage.COMPLETED, 0)
    en = turn.lang == "en"

    def listed(commands: list[Command]) -> list[str]:
        return [f"/{c.names[-1] if en else c.names[0]} – {c.menu[1] if en else c.menu[0]}"
                for c in commands if c.menu]

    # An officer opens help for the officer's work: those commands first, then how volunteers report.
    theirs = [c for c in COMMANDS if c.menu and c.officers_only] if turn.user.is_officer else []
    lines = [turn.t("help_officer"), *listed(theirs), ""] if theirs else []
    lines.append(turn.t("help", photos_done=done))
    # Zalo has no command menu: the help is where people find every other command, each read
    # from the command table so nothing is listed that does not exist.
    more = [c for c in COMMANDS if c.menu and c not in CORE and not c.officers_only]
    if more:
        lines.append(turn.t("help_more"))
        lines += listed(more)
    return [Reply("\n".join(lines))]


async def switch_language(turn: Turn) -> list[Reply]:
    wanted = turn.inc.args.strip().lower()[:2]
    lang = wanted if wanted in LANGS else ("en" if turn.lang == "vi" else "vi")
    await users.set_lang(turn.ctx.db, turn.user.id, lang)
    return [Reply(t(lang, "lang_set"), meta={MENU: (turn.user.is_officer, lang)})]
