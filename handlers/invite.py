"""/moi: an officer invites people of their area from the chat, as a picture to show or forward.

The unit is the officer's own or one below it; an officer's invite is only for a unit strictly
below their own (nobody makes a peer or a superior). A group code, for a meeting or a commune's
Zalo group, is for volunteers only and ends at a date and a number of people. `/moi ds` lists the
area's open codes, `/moi huy CODE` revokes one: new joins stop, those who joined stay.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, datetime, timedelta, tzinfo

from handlers import bot_areas
from handlers.catalog import ROLES, label, t
from handlers.invite_picture import Card, card_file
from handlers.officers.common import day_text, end_of_day, find_unit, fit
from handlers.turn import Command, Handler, Turn
from handlers.types import AFTER_COMMIT, Choice, Reply
from storage import audit, invites, units
from storage.codes import Role
from storage.models import Unit
from storage.numbers import whole
from storage.times import to_db

NAMES = ("moi", "invite")
UNIT, ROLE, KIND, LIMITS = "inv_unit", "inv_role", "inv_kind", "inv_limits"
GROUP_DAYS = 7
GROUP_MAX = 50
MAX_PEOPLE = 500      # more than a meeting or a commune's group: a typing slip, not a plan
MAX_GROUP_DAYS = 90
LISTED = 30
DEFAULTS = "iv:default"
log = logging.getLogger(__name__)


async def start(turn: Turn) -> list[Reply]:
    words = turn.inc.args.split()
    head = words[0].lower() if words else ""
    if head in ("ds", "list"):
        return await _listing(turn)
    if head in ("huy", "revoke"):
        return await _revoke(turn, words[1] if len(words) > 1 else "")
    out: list[Reply] = []
    if turn.state not in ("idle", UNIT, ROLE, KIND, LIMITS) and turn.draft.get("house_code"):
        out.append(Reply(turn.t("draft_replaced", code=turn.draft["house_code"])))
    if words:
        unit, refusal = await find_unit(turn, turn.inc.args, NAMES[0])
        if unit is None:
            turn.go("idle")
            return [*out, *refusal]
        return [*out, _ask_role(turn, unit)]
    own = await turn.own_unit()
    below = await units.children(turn.ctx.db, own.id)
    turn.go(UNIT, {})
    choices = [Choice(f"iu:{u.code}", u.name) for u in [own, *below][:8]]
    return [*out, turn.ask(turn.t("inv_ask_unit", unit=own.name), choices)]


async def on_unit(turn: Turn) -> list[Reply]:
    key = turn.chosen()
    query = key.removeprefix("iu:") if key else turn.inc.text
    if not query.strip():
        return [Reply(turn.t("inv_ask_unit_again"))]
    unit, refusal = await find_unit(turn, query, NAMES[0])
    if unit is None:
        return refusal
    return [_ask_role(turn, unit)]


def _ask_role(turn: Turn, unit: Unit) -> Reply:
    turn.go(ROLE, {"unit": unit.code})
    choices = [Choice(f"ir:{Role.VOLUNTEER}", label(ROLES, Role.VOLUNTEER, turn.lang))]
    if unit.id != turn.user.unit_id:
        choices.append(Choice(f"ir:{Role.OFFICER}", label(ROLES, Role.OFFICER, turn.lang)))
    return turn.ask(turn.t("inv_ask_role", unit=unit.name), choices)


async def on_role(turn: Turn) -> list[Reply]:
    key = turn.chosen()
    if key is None:
        return [Reply(turn.t("inv_pick_button"))]
    role = key.removeprefix("ir:")
    unit = await _draft_unit(turn)
    if unit is None:
        return [Reply(turn.t("inv_gone"))]
    if role == Role.OFFICER:
        return await _make(turn, unit, role, invites.PERSONAL, 1, None)
    turn.go(KIND, {**turn.draft, "role": role})
    return [turn.ask(turn.t("inv_ask_kind"), [Choice("ik:personal", turn.t("inv_btn_personal")),
                                             Choice("ik:group", turn.t("inv_btn_group"))])]


async def on_kind(turn: Turn) -> list[Reply]:
    key = turn.chosen()
    if key is None:
        return [Reply(turn.t("inv_pick_button"))]
    unit = await _draft_unit(turn)
    if unit is None:
        return [Reply(turn.t("inv_gone"))]
    if key == "ik:personal":
        return await _make(turn, unit, turn.draft["role"], invites.PERSONAL, 1, None)
    turn.go(LIMITS, {k: v for k, v in turn.draft.items() if k != "offered"})
    return [turn.ask(turn.t("inv_ask_limits", people=GROUP_MAX, days=GROUP_DAYS, limit=MAX_PEOPLE),
                     [Choice(DEFAULTS, turn.t("inv_btn_defaults", people=GROUP_MAX, days=GROUP_DAYS))])]


async def on_limits(turn: Turn) -> list[Reply]:
    unit = await _draft_unit(turn)
    if unit is None:
        return [Reply(turn.t("inv_gone"))]
    today = turn.ctx.now().date()
    if turn.chosen() == DEFAULTS:
        people, until = GROUP_MAX, today + timedelta(days=GROUP_DAYS)
    else:
        parsed = group_limits(turn.inc.text, today)
        if isinstance(parsed, str):
            return [Reply(turn.t(parsed, limit=MAX_PEOPLE, days=MAX_GROUP_DAYS))]
        people, until = parsed
    return await _make(turn, unit, Role.VOLUNTEER, invites.GROUP, people, until)


def group_limits(text: str, today: date) -> tuple[int, date] | str:
    """'80' or '80 30/9' or '30/9/2026' into (people, last day), or the catalog key of what is wrong."""
    people, until = GROUP_MAX, today + timedelta(days=GROUP_DAYS)
    for word in text.replace(",", " ").split():
        day = re.fullmatch(r"([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{4}))?", word)
        number = whole(word)
        if day:
            d, m, y = int(day[1]), int(day[2]), int(day[3] or today.year)
            try:
                until = date(y, m, d)
            except ValueError:
                return "inv_bad_limits"
            if day[3] is None and until < today:  # 15/1 typed in December is next year's
                until = until.replace(year=y + 1)
        elif number is not None:
            people = number
        else:
            return "inv_bad_limits"
    if not 1 <= people <= MAX_PEOPLE:
        return "inv_too_many"
    if not today <= until <= today + timedelta(days=MAX_GROUP_DAYS):
        return "inv_bad_date"
    return people, until


async def _draft_unit(turn: Turn) -> Unit | None:
    """The unit the dialog is about, if it is still the officer's to invite to."""
    unit = await units.by_code(turn.ctx.db, str(turn.draft.get("unit", "")))
    own = await turn.own_unit()
    if unit is None or not units.contains(own, unit.path):
        turn.go("idle")
        return None
    return unit


async def _make(turn: Turn, unit: Unit, role: str, kind: str, people: int, until: date | None) -> list[Reply]:
    turn.go("idle")
    ctx = turn.ctx
    now = ctx.stamp()
    if until is None:
        expires = to_db(ctx.now() + timedelta(days=ctx.settings.join.invite_days))
    else:
        expires = end_of_day(turn, until)
    code = await invites.create_until(ctx.db, unit.id, role, now, expires, kind, people, turn.user.id)
    await audit.log(ctx.db, now, turn.user.id, "invite.create", "invite", code,
                    {"unit_id": unit.id, "role": role, "kind": kind, "max": people, "expires_at": expires})
    card = await make_card(turn, code, unit, role, kind, people, expires)
    text = turn.t("inv_made_group" if kind == invites.GROUP else "inv_made", code=code, unit=unit.name,
                  role=label(ROLES, role, turn.lang), expiry=card.expiry,
                  link=card.link or turn.t("inv_no_link"))
    folder = ctx.photos.path("invites")

    async def with_picture() -> Reply:
        try:
            png = await asyncio.to_thread(card_file, folder, card, ctx.photos.file_mode)
        except Exception:
            log.exception("invite picture for %s failed", unit.code)
            return Reply(text)
        return Reply(text, images=(png,))

    return [Reply(text, meta={AFTER_COMMIT: with_picture})]


async def make_card(turn: Turn, code: str, unit: Unit, role: str, kind: str, people: int,
                    expires: str) -> Card:
    return card_for(turn.lang, turn.ctx.clock.tz, await bot_username(turn, unit), code, unit, role, kind,
                    people, expires)


def card_for(lang: str, tz: tzinfo, username: str, code: str, unit: Unit, role: str, kind: str,
             people: int, expires: str) -> Card:
    """What an invite's picture shows; the link, and so the QR code, is empty while the bot's
    Telegram name is unknown (a bot on Zalo alone): the code and the line to type still are."""
    last_day = datetime.fromisoformat(expires).astimezone(tz).date()
    expiry = t(lang, "inv_card_group" if kind == invites.GROUP else "inv_card_once",
               date=day_text(last_day), people=people)
    return Card(link=f"https://t.me/{username}?start={code}" if username else "", code=code,
                unit=f"{unit.name} ({unit.code})", role=label(ROLES, role, lang).capitalize(),
                expiry=expiry, title=t(lang, "inv_card_title"), hint=t(lang, "inv_card_zalo", code=code))


async def bot_username(turn: Turn, unit: Unit) -> str:
    """The config's name when set, else the one the Telegram channel learnt at its last start; with
    several bots, that of the bot serving the invite's unit."""
    return await bot_areas.username_for(turn.ctx.db, turn.ctx.settings, unit)


async def _listing(turn: Turn) -> list[Reply]:
    own = await turn.own_unit()
    found = await invites.open_within(turn.ctx.db, own.path, turn.ctx.stamp(), LISTED + 1)
    if not found:
        return [Reply(turn.t("inv_none_open", unit=own.name))]
    names = {u.id: u.code for u in await units.all_units(turn.ctx.db)}
    lines = [turn.t("inv_open_head", unit=own.name)]
    for c in found[:LISTED]:
        last_day = datetime.fromisoformat(c.expires_at).astimezone(turn.ctx.clock.tz).date()
        key = "inv_open_group" if c.kind == invites.GROUP else "inv_open_once"
        lines.append(turn.t(key, code=c.code, unit=names.get(c.unit_id, "?"),
                            role=label(ROLES, c.role, turn.lang), date=day_text(last_day),
                            uses=c.uses, max=c.max_uses))
    if len(found) > LISTED:
        lines.append(turn.t("inv_open_more", shown=LISTED))
    lines.append(turn.t("inv_open_revoke_hint"))
    return [Reply(fit(lines, turn.t("inv_open_more", shown=LISTED)))]


async def _revoke(turn: Turn, code: str) -> list[Reply]:
    if not code:
        return [Reply(turn.t("inv_revoke_usage"))]
    code = code[:32]
    ctx = turn.ctx
    found = await invites.find(ctx.db, code)
    unit = await units.get(ctx.db, found.unit_id) if found else None
    own = await turn.own_unit()
    if found is None or unit is None or not units.contains(own, unit.path):
        # Another area's code gets the answer of a code that does not exist.
        await audit.log(ctx.db, ctx.stamp(), turn.user.id, "invite.revoke_refused", "invite", code.upper(),
                        {"why": "not_found"})
        return [Reply(turn.t("inv_revoke_unknown", code=code, unit=own.name))]
    if found.revoked_at is not None:
        return [Reply(turn.t("inv_revoke_already", code=found.code))]
    await invites.revoke(ctx.db, found.code, ctx.stamp())
    await audit.log(ctx.db, ctx.stamp(), turn.user.id, "invite.revoke", "invite", found.code,
                    {"uses": found.uses})
    return [Reply(turn.t("inv_revoked", code=found.code, uses=found.uses))]


COMMANDS: list[Command] = [
    Command(NAMES, start, officers_only=True,
            menu=("Mời người tham gia, xem và hủy mã mời (cán bộ)",
                  "Invite people, list and revoke codes (officers)")),
]
FLOWS: dict[str, Handler] = {UNIT: on_unit, ROLE: on_role, KIND: on_kind, LIMITS: on_limits}
