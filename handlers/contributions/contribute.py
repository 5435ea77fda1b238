"""/donggop: an officer records a contribution of any kind for a house or unit of their area.

Steps: the house or unit, the kind, (for materials) what and how much, the amount, the source
type, who gave it, a summary to confirm; the receipt carries the contribution's number.
`/donggop sua N` corrects one (fix.py).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from handlers.contributions import fix
from handlers.contributions.common import (
    CANCEL,
    amount_text,
    cancel_choice,
    kind_word,
    own_house,
    own_unit_by_code,
    read_amount,
    read_day,
    source_word,
)
from handlers.limits import too_long
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import audit, contributions
from storage.contributions import CONFIRM_ABOVE, Kind, New, Source
from storage.textfold import clip, fold

TARGET, KIND, WHAT, AMOUNT, SOURCE, WHO, PRIVATE, SUMMARY, DAY = (
    "dg_target", "dg_kind", "dg_what", "dg_amount", "dg_source", "dg_who", "dg_private", "dg_summary",
    "dg_day")
NAME_CHARS = 120
_QUANTITY = re.compile(r"([0-9]+(?:[.,][0-9]+)?\s*\S+)\s+(.+)")


async def start(turn: Turn) -> list[Reply]:
    """/donggop [house or unit code] | /donggop sua N."""
    args = turn.inc.args.strip()
    first, _, rest = args.partition(" ")
    if fold(first) in fix.WORDS:
        return await fix.start(turn, rest)
    turn.go(TARGET, {})
    if not args:
        return [_ask_target(turn)]
    return await _take_target(turn, args)


def _ask_target(turn: Turn) -> Reply:
    turn.go(TARGET)
    return turn.ask(turn.t("dg_ask_target"), [cancel_choice(turn)])


async def _take_target(turn: Turn, text: str) -> list[Reply]:
    refusal = turn.query_too_long(text)
    if refusal:
        return [refusal, _ask_target(turn)]
    house = await own_house(turn, text)
    if house is not None:
        turn.draft.update({"house_id": house.id, "unit_id": house.unit_id,
                           "target": f"{house.code} – {clip(house.household_head, 40)}"})
        return [_ask_kind(turn)]
    unit = await own_unit_by_code(turn, text)
    if unit is not None:
        turn.draft.update({"house_id": None, "unit_id": unit.id, "target": f"{unit.code} – {unit.name}"})
        return [_ask_kind(turn)]
    own = await turn.own_unit()
    return [Reply(turn.t("dg_target_unknown", text=clip(text, 40), unit=own.name)), _ask_target(turn)]


def _ask_kind(turn: Turn) -> Reply:
    turn.go(KIND)
    choices = [Choice(f"dk:{k.value}", kind_word(k, turn.lang)) for k in Kind]
    return turn.ask(turn.t("dg_ask_kind", target=turn.draft["target"]), [*choices, cancel_choice(turn)])


def _ask_what(turn: Turn) -> Reply:
    turn.go(WHAT)
    return turn.ask(turn.t("dg_ask_what"), [cancel_choice(turn)])


def _ask_amount(turn: Turn) -> Reply:
    turn.go(AMOUNT)
    key = "dg_ask_days" if turn.draft["kind"] == Kind.WORKDAYS else (
        "dg_ask_value" if turn.draft["kind"] == Kind.MATERIALS else "dg_ask_money")
    return turn.ask(turn.t(key), [cancel_choice(turn)])


def _ask_source(turn: Turn) -> Reply:
    turn.go(SOURCE)
    choices = [Choice(f"ds:{s.value}", source_word(s, turn.lang)) for s in Source]
    return turn.ask(turn.t("dg_ask_source"), [*choices, cancel_choice(turn)])


def _ask_who(turn: Turn) -> Reply:
    turn.go(WHO)
    return turn.ask(turn.t("dg_ask_who"), [Choice("dw:none", turn.t("dg_btn_no_name")), cancel_choice(turn)])


def _ask_private(turn: Turn) -> Reply:
    turn.go(PRIVATE)
    return turn.ask(turn.t("dg_ask_private", name=turn.draft["source_name"]),
                    [Choice("dp:org", turn.t("dg_btn_org")), Choice("dp:person", turn.t("dg_btn_person")),
                     cancel_choice(turn)])


def _summary(turn: Turn) -> Reply:
    turn.go(SUMMARY)
    d, lang = turn.draft, turn.lang
    what = kind_word(d["kind"], lang)
    if d.get("description"):
        what += f" ({d['description']})"
    who = d.get("source_name") or turn.t("dg_no_name")
    if d.get("private"):
        who += " " + turn.t("dg_private_mark")
    text = turn.t("dg_summary", target=d["target"], what=what,
                  amount=amount_text(turn, d["kind"], d.get("value"), d.get("workdays")),
                  source=source_word(d["source_type"], lang), who=who,
                  date=date.fromisoformat(d["day"]).strftime("%d/%m/%Y"))
    text += "\n" + turn.t("dg_summary_photo" if d.get("photo") else "dg_summary_no_photo")
    return turn.ask(text, [Choice("dg:save", turn.t("dg_btn_save")), Choice("dg:day", turn.t("dg_btn_day")),
                           cancel_choice(turn)])


async def on_input(turn: Turn) -> list[Reply]:
    """Every step of the dialog: 0 (Hủy) leaves from any of them."""
    key = turn.chosen()
    if key == CANCEL:
        turn.go("idle")
        return [Reply(turn.t("ct_cancelled"))]
    step = _STEPS.get(turn.state)
    if step is None:
        turn.go("idle")
        return [Reply(turn.t("ct_cancelled"))]
    if turn.state == SUMMARY and turn.photos:
        _attach(turn)
    return await step(turn, key)


def _attach(turn: Turn) -> None:
    """A receipt or handover photo sent at the summary: one per contribution, the latest kept.
    Held in the draft like a report's photos, so the sweep of unused photos leaves it be."""
    photo = turn.photos[-1]
    turn.draft["photos"] = [photo.to_dict()]
    turn.draft["photo"] = photo.sha256


def _typed(turn: Turn) -> str | None:
    """The words typed, or None when a photo or a stale button came instead. A number is an answer
    here (an amount, a house code of digits), not a stray choice: only 0 is on offer, and means Hủy."""
    text = turn.inc.text.strip()
    if not text or turn.inc.files or turn.inc.choice is not None:
        return None
    return text


async def _on_target(turn: Turn, key: str | None) -> list[Reply]:
    text = _typed(turn)
    return await _take_target(turn, text) if text else [_ask_target(turn)]


async def _on_kind(turn: Turn, key: str | None) -> list[Reply]:
    if not key or not key.startswith("dk:"):
        return [_ask_kind(turn)]
    turn.draft["kind"] = key[3:]
    return [_ask_what(turn) if key[3:] == Kind.MATERIALS else _ask_amount(turn)]


async def _on_what(turn: Turn, key: str | None) -> list[Reply]:
    text = _typed(turn)
    if not text:
        return [_ask_what(turn)]
    refusal = too_long(turn, text, NAME_CHARS)
    if refusal:
        return [refusal, _ask_what(turn)]
    m = _QUANTITY.fullmatch(text)
    turn.draft.update({"description": text, "quantity": m.group(1) if m else None,
                       "material": m.group(2) if m else text})
    return [_ask_amount(turn)]


async def _on_amount(turn: Turn, key: str | None) -> list[Reply]:
    text = _typed(turn)
    if not text:
        return [_ask_amount(turn)]
    problem = read_amount(turn, text)
    if problem:
        return [Reply(problem), _ask_amount(turn)]
    value = turn.draft["value"]
    if value is not None and value > CONFIRM_ABOVE:
        return [fix.ask_big(turn, value)]
    return [_ask_source(turn)]


async def _on_big(turn: Turn, key: str | None) -> list[Reply]:
    if key == "db:yes":
        if turn.draft.get("fix"):
            return await fix.apply(turn)
        return [_ask_source(turn)]
    if key == "db:again":
        return [fix.ask_amount(turn) if turn.draft.get("fix") else _ask_amount(turn)]
    return [fix.ask_big(turn, int(turn.draft["value"]))]


async def _on_source(turn: Turn, key: str | None) -> list[Reply]:
    if not key or not key.startswith("ds:"):
        return [_ask_source(turn)]
    turn.draft["source_type"] = key[3:]
    return [_ask_who(turn)]


async def _on_who(turn: Turn, key: str | None) -> list[Reply]:
    d = turn.draft
    if key == "dw:none":
        d.update({"source_name": None, "private": False, "day": turn.ctx.now().date().isoformat()})
        return [_summary(turn)]
    text = _typed(turn)
    if not text or turn.stray_number():    # "3" where 1 and 0 are offered: asked again
        return [_ask_who(turn)]
    refusal = too_long(turn, text, NAME_CHARS)
    if refusal:
        return [refusal, _ask_who(turn)]
    d.update({"source_name": text, "day": turn.ctx.now().date().isoformat()})
    return [_ask_private(turn)]


async def _on_private(turn: Turn, key: str | None) -> list[Reply]:
    if key not in ("dp:org", "dp:person"):
        return [_ask_private(turn)]
    turn.draft["private"] = key == "dp:person"
    return [_summary(turn)]


async def _on_summary(turn: Turn, key: str | None) -> list[Reply]:
    if key == "dg:day":
        turn.go(DAY)
        return [turn.ask(turn.t("dg_ask_day"), [cancel_choice(turn)])]
    if key != "dg:save":
        return [_summary(turn)]
    return await _save(turn)


async def _on_day(turn: Turn, key: str | None) -> list[Reply]:
    text = _typed(turn)
    if not text:
        return [turn.ask(turn.t("dg_ask_day"), [cancel_choice(turn)])]
    day, problem = read_day(turn, text)
    if day is None:
        return [Reply(problem or ""), turn.ask(turn.t("dg_ask_day"), [cancel_choice(turn)])]
    turn.draft["day"] = day.isoformat()
    return [_summary(turn)]


async def _save(turn: Turn) -> list[Reply]:
    ctx, d = turn.ctx, turn.draft
    new = New(kind=d["kind"], unit_id=int(d["unit_id"]), house_id=d.get("house_id"),
              source_type=d["source_type"], day=d["day"], value=d.get("value"), workdays=d.get("workdays"),
              source_name=d.get("source_name"), private=bool(d.get("private")),
              quantity=d.get("quantity"), description=d.get("material"), photo=d.get("photo"))
    number = await contributions.add(ctx.db, new, turn.user.id, ctx.stamp())
    detail: dict[str, Any] = {k: d.get(k) for k in ("kind", "target", "value", "workdays", "source_type",
                                                    "source_name", "day", "photo")}
    await audit.log(ctx.db, ctx.stamp(), turn.user.id, "contribution.add", "contribution", number, detail)
    target = d["target"]
    turn.go("idle")
    return [Reply(turn.t("dg_done", number=number, target=target,
                         amount=amount_text(turn, new.kind, new.value, new.workdays)))]


_STEPS = {TARGET: _on_target, KIND: _on_kind, WHAT: _on_what, AMOUNT: _on_amount, fix.BIG: _on_big,
          SOURCE: _on_source, WHO: _on_who, PRIVATE: _on_private, SUMMARY: _on_summary, DAY: _on_day,
          fix.AMOUNT: fix.on_amount}
FLOWS = {state: on_input for state in _STEPS}
