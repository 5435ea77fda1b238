"""/khenthuong: how many collectives and individuals each unit may propose for commendation, by its
quota under the campaign's tiers, beside its completion share and whether it finished on time."""

from __future__ import annotations

from datetime import date

from handlers.catalog import GOALS, label
from handlers.contributions.views import awards_lines, sums_text
from handlers.figures import PACE_DAYS, num, pace_since
from handlers.officers.common import day_text, end_of_day, find_unit, fit, pct
from handlers.settings import Deadline
from handlers.turn import Turn
from handlers.types import Reply
from storage import progress
from storage.codes import Stage
from storage.contributions import Sums
from storage.progress import Node
from storage.textfold import clip

SHOWN = 30


def judged_by(turn: Turn) -> Deadline | None:
    """The deadline 'on time' refers to: the last one that asks houses to be completed or handed over."""
    deadlines = turn.ctx.settings.campaign.deadlines
    final = [d for d in deadlines if d.stage is not None and d.stage >= Stage.COMPLETED]
    return max(final, key=lambda d: d.date) if final else None


async def awards(turn: Turn) -> list[Reply]:
    """/khenthuong [unit]: one line per child of the unit (the unit itself when it has none)."""
    unit, problem = await find_unit(turn, turn.inc.args, "khenthuong")
    if unit is None:
        return problem
    ctx, lang = turn.ctx, turn.lang
    deadline = judged_by(turn)
    stage = deadline.stage if deadline and deadline.stage else Stage.COMPLETED
    data = await progress.rollup(ctx.db, unit, stage, pace_since(ctx.now()), PACE_DAYS)
    nodes = data.children or [data.node]
    on_time: dict[int, int] = {}
    if deadline is not None:
        on_time = await progress.reached_by(ctx.db, unit, stage, end_of_day(turn, deadline.date))
    goal = label(GOALS, stage, lang)
    lines = [turn.t("off_awards_title", unit=unit.name)]
    if deadline is None:
        lines.append(turn.t("off_awards_no_deadline"))
    else:
        lines.append(turn.t("off_awards_deadline", name=deadline.name, date=day_text(deadline.date),
                            goal=goal))
    today = ctx.now().date()
    total_c = total_i = 0
    mobilised, suggestions = await awards_lines(turn, unit)
    for i, node in enumerate(nodes[:SHOWN], 1):
        key = node.unit.id if data.children else 0
        by_deadline = on_time.get(key, 0) if data.children else sum(on_time.values())
        line, c, p = _line(turn, i, node, stage, by_deadline, deadline, today)
        total_c, total_i = total_c + c, total_i + p
        lines.append(line)
        sums = mobilised.get(key) if data.children else sum(mobilised.values(), start=Sums())
        lines.append(turn.t("ct_awards_unit", on_time=pct(by_deadline, node.quota, lang) if deadline else "—",
                            sums=sums_text(turn, sums or Sums())))
    for node in nodes[SHOWN:]:
        if node.quota is not None:
            total_c += ctx.settings.awards.allowed("collective", node.quota)
            total_i += ctx.settings.awards.allowed("individual", node.quota)
    if len(nodes) > SHOWN:
        lines.append(turn.t("off_awards_more", count=len(nodes) - SHOWN))
    lines.append(turn.t("off_awards_total", collectives=num(total_c, lang), individuals=num(total_i, lang)))
    lines += suggestions
    return [Reply(fit(lines, turn.t("off_cut")))]


def _line(turn: Turn, i: int, node: Node, stage: int, by_deadline: int, deadline: Deadline | None,
          today: date) -> tuple[str, int, int]:
    lang, rules = turn.lang, turn.ctx.settings.awards
    name = clip(node.unit.name, 40)
    if node.quota is None:
        return turn.t("off_awards_no_quota", i=i, name=name), 0, 0
    collectives = rules.allowed("collective", node.quota)
    individuals = rules.allowed("individual", node.quota)
    reached = node.tally.reached(stage)
    if deadline is None:
        verdict = ""
    elif by_deadline >= node.quota:
        verdict = turn.t("off_awards_on_time")
    elif deadline.date < today:
        verdict = turn.t("off_awards_late")
    else:
        verdict = turn.t("off_awards_not_yet")
    line = turn.t("off_awards_line", i=i, name=name, quota=num(node.quota, lang), collectives=collectives,
                  individuals=individuals, share=pct(reached, node.quota, lang), verdict=verdict)
    return line.rstrip(" ·"), collectives, individuals
