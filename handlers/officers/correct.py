"""/sua: an officer corrects a house's stage, either way, with a reason.

Reports only ever move a house forward; a wrong one ("bàn giao" for a house still being built)
would otherwise stay in every figure sent upward. The correction is audited, and whoever reported
on the house last is told at once, so they do not report the mistake again.
"""

from __future__ import annotations

from handlers.catalog import STAGES, label, t
from handlers.examples import with_example
from handlers.limits import REASON_CHARS, too_long
from handlers.officers.common import find_house
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import account_links, audit, houses, reports, users
from storage.codes import UserStatus
from storage.numbers import whole
from storage.textfold import clip

PICKING = "correct_stage"
REASON = "correct_reason"
NAMES = ("sua", "correct")
STOP = "cs:stop"


async def start(turn: Turn) -> list[Reply]:
    """/sua CODE (or the household head's name)."""
    query = turn.inc.args.strip()
    if not query:
        return [Reply(await with_example(turn, "off_fix_usage"))]
    house, problem = await find_house(turn, query, NAMES)
    if house is None:
        return problem
    out: list[Reply] = []
    if turn.state not in ("idle", PICKING, REASON) and turn.draft.get("house_code"):
        out.append(Reply(turn.t("draft_replaced", code=turn.draft["house_code"])))
    turn.go(PICKING, {"house_id": house.id, "code": house.code, "from": house.stage})
    return [*out, _ask_stage(turn, house.code, house.household_head, house.stage)]


def _ask_stage(turn: Turn, code: str, head: str, current: int) -> Reply:
    choices = [Choice(f"cs:{s}", label(STAGES, s, turn.lang)) for s in STAGES if s != current]
    return turn.ask(turn.t("off_fix_ask_stage", code=code, head=clip(head, 40),
                           stage=label(STAGES, current, turn.lang)),
                    [*choices, Choice(STOP, turn.t("off_btn_stop_fix"))])


async def on_stage(turn: Turn) -> list[Reply]:
    key = turn.chosen() or ""
    draft = turn.draft
    if key == STOP:
        turn.go("idle")
        return [Reply(turn.t("off_fix_stopped", code=draft["code"]))]
    stage = key.removeprefix("cs:")
    if not (key.startswith("cs:") and whole(stage) in STAGES):
        house = await houses.get(turn.ctx.db, int(draft["house_id"]))
        if house is None:
            turn.go("idle")
            return [Reply(turn.t("off_fix_stopped", code=draft["code"]))]
        return [_ask_stage(turn, house.code, house.household_head, int(draft["from"]))]
    turn.go(REASON, {**draft, "to": int(stage)})
    return [_ask_reason(turn)]


def _ask_reason(turn: Turn) -> Reply:
    d = turn.draft
    return turn.ask(turn.t("off_fix_ask_reason", code=d["code"], old=label(STAGES, d["from"], turn.lang),
                           new=label(STAGES, d["to"], turn.lang)),
                    [Choice(STOP, turn.t("off_btn_stop_fix"))])


async def on_reason(turn: Turn) -> list[Reply]:
    draft = turn.draft
    if turn.chosen() == STOP:
        turn.go("idle")
        return [Reply(turn.t("off_fix_stopped", code=draft["code"]))]
    reason = turn.inc.text.strip()
    if turn.inc.choice is not None or turn.inc.command or turn.inc.files or not reason:
        return [_ask_reason(turn)]
    refusal = too_long(turn, reason, REASON_CHARS)
    if refusal:
        return [refusal, _ask_reason(turn)]
    return await _apply(turn, reason)


async def _apply(turn: Turn, reason: str) -> list[Reply]:
    ctx, draft = turn.ctx, turn.draft
    house_id, old, new = int(draft["house_id"]), int(draft["from"]), int(draft["to"])
    now = ctx.stamp()
    turn.go("idle")
    if not await houses.correct_stage(ctx.db, house_id, old, new, now):
        # A report (or another officer) moved the house while this one was choosing.
        return [Reply(turn.t("off_fix_moved", code=draft["code"]))]
    await audit.log(ctx.db, now, turn.user.id, "house.correct", "house", house_id,
                    {"from": old, "to": new, "reason": reason})
    out = [Reply(turn.t("off_fix_done", code=draft["code"], old=label(STAGES, old, turn.lang),
                        new=label(STAGES, new, turn.lang)))]
    told = await _tell_last_reporter(turn, house_id, draft["code"], old, new, reason)
    return out + told


async def _tell_last_reporter(turn: Turn, house_id: int, code: str, old: int, new: int,
                              reason: str) -> list[Reply]:
    ctx = turn.ctx
    history = await reports.for_house(ctx.db, house_id)
    if not history:
        return []
    reporter = await users.get(ctx.db, history[-1].reporter_id)
    if reporter is None or reporter.status != UserStatus.ACTIVE:
        return []
    person_of = account_links.person_of
    if await person_of(ctx.db, reporter.id) == await person_of(ctx.db, turn.user.id):
        return []
    lang = reporter.lang
    return [Reply(t(lang, "off_fix_told", code=code, old=label(STAGES, old, lang),
                    new=label(STAGES, new, lang), name=clip(turn.user.display_name or "?", 40),
                    reason=clip(reason, REASON_CHARS)),
                  to=(reporter.channel, reporter.external_id))]


FLOWS = {PICKING: on_stage, REASON: on_reason}
