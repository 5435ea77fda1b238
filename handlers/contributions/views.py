"""What contributions add to the officers' views: a line of /tiendo, a house's support on /nha,
the figures and suggested candidates of /khenthuong."""

from __future__ import annotations

from handlers.contributions.common import describe, money_text, source_word
from handlers.figures import num
from handlers.turn import Turn
from storage import contributions
from storage.contributions import Source, Sums, total
from storage.models import House, Unit
from storage.textfold import clip

HOUSE_SHOWN = 10
CANDIDATES = 5


def sums_text(turn: Turn, sums: Sums) -> str:
    """"12.000.000 đ tiền · 3.000.000 đ vật liệu · 14 ngày công", leaving out what is zero."""
    parts = []
    if sums.money:
        parts.append(turn.t("ct_money_part", amount=money_text(sums.money, turn.lang)))
    if sums.materials:
        parts.append(turn.t("ct_materials_part", amount=money_text(sums.materials, turn.lang)))
    if sums.workdays:
        parts.append(turn.t("ct_days", days=num(sums.workdays, turn.lang)))
    return " · ".join(parts) or "—"


async def status_line(turn: Turn, unit: Unit) -> str:
    """/tiendo's line: money and workdays mobilised in the area, by source type."""
    by_source = await contributions.area_sums(turn.ctx.db, unit)
    if not by_source:
        return turn.t("ct_status_none")
    parts = [f"{source_word(s, turn.lang)}: {sums_text(turn, by_source[s])}"
             for s in Source if s in by_source]
    return turn.t("ct_status", total=sums_text(turn, total(by_source)), parts="; ".join(parts))


async def house_lines(turn: Turn, house: House) -> list[str]:
    """/nha: the house's standard support, what was recorded against it, what is still missing."""
    standard = turn.ctx.settings.support.standard(house.category, house.support_type)
    given = await contributions.for_house(turn.ctx.db, house.id)
    sums = Sums()
    for c in given:
        sums = sums + Sums(c.value if c.kind == "money" else 0, c.value if c.kind == "materials" else 0,
                           c.workdays or 0)
    lines = [turn.t("ct_house_support", standard=money_text(standard, turn.lang), given=sums_text(turn, sums),
                    missing=money_text(max(0, standard - sums.value), turn.lang))]
    if len(given) > HOUSE_SHOWN:
        lines.append(turn.t("ct_house_earlier", count=len(given) - HOUSE_SHOWN))
    lines += ["  " + describe(turn, c) for c in given[-HOUSE_SHOWN:]]
    return lines


async def awards_lines(turn: Turn, unit: Unit) -> tuple[dict[int, Sums], list[str]]:
    """Per child: the sums /khenthuong shows beside each unit; and the suggested candidates, marked
    as suggestions: the commendation council decides."""
    db = turn.ctx.db
    per_child = await contributions.child_sums(db, unit)
    whole_area = total({str(k): v for k, v in per_child.items()})
    lines = ["", turn.t("ct_awards_mobilised", sums=sums_text(turn, whole_area))]
    workers = await contributions.top_workers(db, unit, CANDIDATES)
    reporters = await contributions.top_reporters(db, unit, CANDIDATES)
    if not workers and not reporters:
        return per_child, lines
    lines.append(turn.t("ct_awards_suggest"))
    if workers:
        names = "; ".join(turn.t("ct_awards_person", name=clip(p.name, 30), unit=clip(p.unit_name, 30),
                                 count=num(p.count, turn.lang)) for p in workers)
        lines.append(turn.t("ct_awards_workers", people=names))
    if reporters:
        names = "; ".join(turn.t("ct_awards_person", name=clip(p.name, 30), unit=clip(p.unit_name, 30),
                                 count=num(p.count, turn.lang)) for p in reporters)
        lines.append(turn.t("ct_awards_reporters", people=names))
    return per_child, lines
