"""/ngaycong: a volunteer logs their own workdays at a house of their unit, in one message
(`/ngaycong MH-001 3`, optionally a date: `/ngaycong MH-001 3 25/8`) or in a short dialog."""

from __future__ import annotations

from datetime import date

from handlers.contributions.common import CANCEL, cancel_choice, day_problem, own_house, read_day
from handlers.figures import num
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import audit, contributions, houses, reports
from storage.contributions import MAX_WORKDAYS, Kind, New, Source
from storage.models import House
from storage.money import looks_like_day, parse_workdays
from storage.textfold import clip

ASK_HOUSE = "wd_house"
ASK_DAYS = "wd_days"
RECENT = 5


async def start(turn: Turn) -> list[Reply]:
    """/ngaycong [house [days [date]]]."""
    words = turn.inc.args.split()
    if not words:
        return await _ask_house(turn)
    if len(words) > 3:
        return [Reply(turn.t("wd_usage"))]
    house = await own_house(turn, words[0])
    if house is None:
        return [Reply(turn.t("wd_not_your_house", code=clip(words[0], 30))), Reply(turn.t("wd_usage"))]
    if len(words) == 1:
        return [_ask_days(turn, house)]
    day = turn.ctx.now().date()
    if len(words) == 3:
        found, problem = read_day(turn, words[2])
        if found is None:
            return [Reply(problem or "")]
        day = found
    elif looks_like_day(words[1]):   # "/ngaycong MH-001 25/8": the days were left out
        return [Reply(turn.t("wd_usage"))]
    return await _record(turn, house, words[1], day)


async def _ask_house(turn: Turn) -> list[Reply]:
    recent = await reports.recent_houses(turn.ctx.db, turn.user.id, RECENT)
    total = await contributions.own_workdays(turn.ctx.db, turn.user.id)
    turn.go(ASK_HOUSE, {})
    choices = [Choice(f"wh:{hid}", f"{code} – {clip(head, 30)}") for hid, code, head in recent]
    return [turn.ask(turn.t("wd_ask_house", total=num(total, turn.lang)), [*choices, cancel_choice(turn)])]


def _ask_days(turn: Turn, house: House) -> Reply:
    turn.go(ASK_DAYS, {"house_id": house.id, "code": house.code})
    return turn.ask(turn.t("wd_ask_days", code=house.code, head=clip(house.household_head, 40)),
                    [cancel_choice(turn)])


async def on_house(turn: Turn) -> list[Reply]:
    key = turn.chosen()
    if key == CANCEL:
        turn.go("idle")
        return [Reply(turn.t("ct_cancelled"))]
    if key and key.startswith("wh:"):
        house = await houses.get(turn.ctx.db, int(key[3:]))
    else:
        text = turn.inc.text.strip()
        if not text or turn.inc.files or turn.stale_press():
            return await _ask_house(turn)
        house = await own_house(turn, text.split()[0])
        if house is None:
            return [Reply(turn.t("wd_not_your_house", code=clip(text, 30))), *await _ask_house(turn)]
    if house is None:
        return await _ask_house(turn)
    return [_ask_days(turn, house)]


async def on_days(turn: Turn) -> list[Reply]:
    if turn.chosen() == CANCEL:
        turn.go("idle")
        return [Reply(turn.t("ct_cancelled"))]
    house = await houses.get(turn.ctx.db, int(turn.draft["house_id"]))
    if house is None:
        turn.go("idle")
        return [Reply(turn.t("ct_cancelled"))]
    text = turn.inc.text.strip()
    if turn.inc.files or turn.inc.choice is not None or not text:
        return [_ask_days(turn, house)]
    return await _record(turn, house, text, turn.ctx.now().date())


async def _record(turn: Turn, house: House, typed: str, day: date) -> list[Reply]:
    amount = parse_workdays(typed)
    if amount.value is None:
        again = [_ask_days(turn, house)] if turn.state == ASK_DAYS else [Reply(turn.t("wd_usage"))]
        return [Reply(turn.t(f"wd_{amount.problem}", text=clip(typed, 20))), *again]
    if amount.value > MAX_WORKDAYS:
        return [Reply(turn.t("wd_too_many", days=num(amount.value, turn.lang),
                             most=num(MAX_WORKDAYS, turn.lang)))]
    problem = day_problem(turn, day)
    if problem:
        return [Reply(problem)]
    ctx = turn.ctx
    new = New(kind=Kind.WORKDAYS, unit_id=house.unit_id, house_id=house.id, source_type=Source.COMMUNITY,
              day=day.isoformat(), workdays=amount.value, source_user=turn.user.id)
    number = await contributions.add(ctx.db, new, turn.user.id, ctx.stamp())
    await audit.log(ctx.db, ctx.stamp(), turn.user.id, "contribution.add", "contribution", number,
                    {"kind": Kind.WORKDAYS, "house": house.code, "workdays": amount.value, "day": new.day})
    turn.go("idle")
    total = await contributions.own_workdays(ctx.db, turn.user.id)
    return [Reply(turn.t("wd_done", days=num(amount.value, turn.lang), code=house.code,
                         head=clip(house.household_head, 40), date=day.strftime("%d/%m/%Y"),
                         number=number, total=num(total, turn.lang)))]


FLOWS = {ASK_HOUSE: on_house, ASK_DAYS: on_days}
