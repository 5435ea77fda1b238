"""What the contribution commands share: the day a contribution may carry, finding a house or unit
of one's own area, and the words for kinds, sources and amounts."""

from __future__ import annotations

from datetime import date

from handlers.catalog import t
from handlers.figures import num
from handlers.turn import Turn
from handlers.types import Choice
from storage import houses, units
from storage.contributions import KIND_NAMES, MAX_WORKDAYS, SOURCE_NAMES, Contribution, Kind
from storage.models import House, Unit
from storage.money import parse_day, parse_money, parse_workdays
from storage.textfold import clip

CANCEL = "cancel"   # numbered 0 on every channel (handlers.turn.BACK_OUT)


def cancel_choice(turn: Turn) -> Choice:
    return Choice(CANCEL, turn.t("ct_btn_cancel"))


def read_amount(turn: Turn, text: str) -> str | None:
    """The amount typed for the draft's kind, put in the draft (money or workdays); or why it
    cannot be read, the draft left as it was."""
    d = turn.draft
    if d["kind"] == Kind.WORKDAYS:
        days = parse_workdays(text)
        if days.value is None:
            return turn.t(f"wd_{days.problem}", text=clip(text, 20))
        if days.value > MAX_WORKDAYS:
            return turn.t("wd_too_many", days=num(days.value, turn.lang), most=num(MAX_WORKDAYS, turn.lang))
        d.update({"value": None, "workdays": days.value})
        return None
    money = parse_money(text)
    if money.value is None:
        return turn.t(f"money_{money.problem}", text=clip(text, 30))
    d.update({"value": money.value, "workdays": None})
    return None


def day_problem(turn: Turn, day: date) -> str | None:
    """Why a contribution cannot carry this date: not yet come, or before the campaign began."""
    today = turn.ctx.now().date()
    if day > today:
        return turn.t("ct_day_future", date=day.strftime("%d/%m/%Y"))
    start = turn.ctx.settings.campaign.start
    if day < start:
        return turn.t("ct_day_before", date=day.strftime("%d/%m/%Y"), start=start.strftime("%d/%m/%Y"))
    return None


def read_day(turn: Turn, text: str) -> tuple[date | None, str | None]:
    day = parse_day(text, turn.ctx.now().date())
    if day is None:
        return None, turn.t("ct_day_bad", text=text[:20])
    problem = day_problem(turn, day)
    return (None, problem) if problem else (day, None)


async def own_house(turn: Turn, code: str) -> House | None:
    """A house of the person's own unit (or below it) by its exact code; another unit's is None."""
    within = await turn.own_unit()
    count, found = await houses.search(turn.ctx.db, within, code, 1)
    return found[0] if count == 1 and found[0].code.lower() == code.strip().lower() else None


async def own_unit_by_code(turn: Turn, code: str) -> Unit | None:
    within = await turn.own_unit()
    unit = await units.by_code(turn.ctx.db, code.strip())
    if unit is None or not units.contains(within, unit.path):
        return None
    return unit


def money_text(value: int, lang: str) -> str:
    """60.000.000 đ (Vietnamese), 60,000,000 VND (English)."""
    shown = f"{value:,}"
    return t(lang, "ct_money_amount", amount=shown if lang == "en" else shown.replace(",", "."))


def kind_word(kind: str, lang: str) -> str:
    pair = KIND_NAMES[kind]
    return pair[1] if lang == "en" else pair[0]


def source_word(source: str, lang: str) -> str:
    pair = SOURCE_NAMES[source]
    return pair[1] if lang == "en" else pair[0]


def amount_text(turn: Turn, kind: str, value: int | None, workdays: int | None) -> str:
    if kind == Kind.WORKDAYS:
        return turn.t("ct_days", days=num(workdays or 0, turn.lang))
    return money_text(value or 0, turn.lang)


def describe(turn: Turn, c: Contribution) -> str:
    """One contribution on one line: number, date, kind and amount, source."""
    amount = amount_text(turn, c.kind, c.value, c.workdays)
    what = amount if c.kind == Kind.WORKDAYS else f"{kind_word(c.kind, turn.lang)} {amount}"
    if c.kind == Kind.MATERIALS and (c.description or c.quantity):
        what += f" ({' '.join(x for x in (c.quantity, c.description) if x)})"
    name = c.source_name or ""
    source = source_word(c.source_type, turn.lang) + (f" – {name}" if name else "")
    day = date.fromisoformat(c.day).strftime("%d/%m/%Y")
    return turn.t("ct_line", number=c.id, date=day, what=what, source=source)
