"""/donggop sua N: an officer corrects a contribution's amount. The row takes the new amount, the
audit log keeps the old one; nothing is deleted, so every figure sent upward can be explained."""

from __future__ import annotations

from handlers.contributions.common import amount_text, cancel_choice, describe, money_text, read_amount
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import audit, contributions
from storage.contributions import CONFIRM_ABOVE, Kind
from storage.numbers import whole

WORDS = ("sua", "fix", "correct")
AMOUNT = "dg_fix"
BIG = "dg_big"


async def start(turn: Turn, args: str) -> list[Reply]:
    number = whole(args.strip().lstrip("#"))
    if number is None:
        turn.go("idle")
        return [Reply(turn.t("dg_fix_usage"))]
    found = await contributions.get(turn.ctx.db, number, await turn.own_unit())
    if found is None:   # another area's is as unknown as one that does not exist
        turn.go("idle")
        return [Reply(turn.t("dg_fix_not_found", number=number))]
    turn.go(AMOUNT, {"fix": number, "kind": found.kind, "old_value": found.value,
                     "old_workdays": found.workdays, "line": describe(turn, found)})
    return [ask_amount(turn)]


def ask_amount(turn: Turn) -> Reply:
    turn.go(AMOUNT)
    key = "dg_fix_ask_days" if turn.draft["kind"] == Kind.WORKDAYS else "dg_fix_ask_money"
    return turn.ask(turn.t(key, line=turn.draft["line"]), [cancel_choice(turn)])


def ask_big(turn: Turn, value: int) -> Reply:
    """Over 10 billion đồng in one entry: three zeros too many is the usual cause; asked first."""
    turn.go(BIG)
    return turn.ask(turn.t("dg_ask_big", amount=money_text(value, turn.lang)),
                    [Choice("db:yes", turn.t("dg_btn_big_yes")),
                     Choice("db:again", turn.t("dg_btn_big_again")), cancel_choice(turn)])


async def on_amount(turn: Turn, key: str | None) -> list[Reply]:
    text = turn.inc.text.strip()
    if not text or turn.inc.files or turn.inc.choice is not None:
        return [ask_amount(turn)]
    problem = read_amount(turn, text)
    if problem:
        return [Reply(problem), ask_amount(turn)]
    value = turn.draft["value"]
    if value is not None and value > CONFIRM_ABOVE:
        return [ask_big(turn, value)]
    return await apply(turn)


async def apply(turn: Turn) -> list[Reply]:
    ctx, d = turn.ctx, turn.draft
    number, kind = int(d["fix"]), d["kind"]
    old = amount_text(turn, kind, d.get("old_value"), d.get("old_workdays"))
    new = amount_text(turn, kind, d.get("value"), d.get("workdays"))
    await contributions.correct(ctx.db, number, d.get("value"), d.get("workdays"))
    await audit.log(ctx.db, ctx.stamp(), turn.user.id, "contribution.correct", "contribution", number,
                    {"from": {"value": d.get("old_value"), "workdays": d.get("old_workdays")},
                     "to": {"value": d.get("value"), "workdays": d.get("workdays")}})
    turn.go("idle")
    return [Reply(turn.t("dg_fix_done", number=number, old=old, new=new))]
