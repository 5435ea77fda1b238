"""/tiendo: how far a unit is against its quota and its next deadline, which sub-units lag, a chart."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from handlers.catalog import GOALS, STAGES, label
from handlers.contributions.views import status_line
from handlers.evidence_texts import waiting_line
from handlers.figures import PACE_DAYS, num, pace_since
from handlers.officers.chart import MAX_BARS, Bar, Chart, chart_file
from handlers.officers.common import Target, day_text, find_unit, fit, pct, target
from handlers.turn import Turn
from handlers.types import AFTER_COMMIT, Reply
from storage import progress, units
from storage.codes import REPORTED_STAGES, Stage
from storage.progress import Node, Rollup
from storage.textfold import clip

log = logging.getLogger(__name__)

LAGGARDS = 10
NAME_WIDTH = 40


@dataclass(frozen=True)
class Standing:
    """One sub-unit measured against the target: share of quota reached and pace."""

    node: Node
    reached: int
    share: float | None     # None: no quota
    need: float             # houses a day still needed to make the deadline
    pace: float             # houses a day over the last week

    @property
    def behind(self) -> float:
        return self.need - self.pace


def standing(node: Node, goal: Target) -> Standing:
    reached = node.tally.reached(goal.stage)
    share = reached / node.quota if node.quota else None
    remaining = max(0, (node.quota or 0) - reached)
    need = remaining / goal.days_left if goal.days_left > 0 else float(remaining)
    return Standing(node, reached, share, need, node.recent / PACE_DAYS)


def laggards_first(children: list[Node], goal: Target) -> list[Standing]:
    """Lowest share of quota first; among equals, the furthest behind the pace needed."""
    rows = [standing(c, goal) for c in children]
    return sorted(rows, key=lambda s: (s.share is None, s.share or 0.0, -s.behind, s.node.unit.name))


async def status(turn: Turn) -> list[Reply]:
    """/tiendo [unit]."""
    unit, problem = await find_unit(turn, turn.inc.args, "tiendo")
    if unit is None:
        return problem
    goal = target(turn)
    data = await progress.rollup(turn.ctx.db, unit, goal.stage, pace_since(turn.ctx.now()),
                                 PACE_DAYS)
    path = await units.path_names(turn.ctx.db, unit)
    ranked = laggards_first(data.children, goal)
    mobilised = await status_line(turn, unit)
    review_line = await waiting_line(turn.ctx, turn.lang, unit.path)
    text = _text(turn, data, path, goal, ranked, mobilised, review_line)
    chart = _chart(turn, data, goal, ranked)
    folder = turn.ctx.photos.path("charts")

    async def with_chart() -> Reply:
        try:
            png = await asyncio.to_thread(chart_file, folder, chart, turn.ctx.photos.file_mode)
        except Exception:  # the figures matter more than the picture: send them without it
            log.exception("progress chart for unit %s failed", unit.code)
            return Reply(text)
        return Reply(text, images=(png,))

    return [Reply(text, meta={AFTER_COMMIT: with_chart})]


def _text(turn: Turn, data: Rollup, path: str, goal: Target, ranked: list[Standing], mobilised: str,
          review_line: str | None) -> str:
    lang = turn.lang
    node, tally = data.node, data.node.tally
    quota = node.quota
    today = day_text(turn.ctx.now().date())
    lines = [turn.t("off_status_title", unit=path, code=node.unit.code, date=today)]
    if quota is None:
        lines.append(turn.t("off_status_no_quota", registered=num(tally.registered, lang)))
    else:
        lines.append(turn.t("off_status_quota", quota=num(quota, lang),
                            registered=num(tally.registered, lang)))
    if quota is not None and data.children_quota is not None and data.children_quota != quota:
        lines.append(turn.t("off_status_quota_mismatch", quota=num(quota, lang),
                            children=num(data.children_quota, lang)))
    at = {f"s{stage.value}": num(tally.at_stage[stage], lang) for stage in Stage}
    lines.append(turn.t("off_status_stages", **at))
    done, handed = tally.reached(Stage.COMPLETED), tally.reached(Stage.HANDED_OVER)
    lines.append(turn.t("off_status_shares", started=num(tally.reached(Stage.STARTED), lang),
                        completed=num(done, lang),
                        completed_pct=pct(done, quota, lang), handed=num(handed, lang),
                        handed_pct=pct(handed, quota, lang)))
    lines += _deadline_lines(turn, standing(node, goal), goal)
    lines.append(mobilised)
    if data.children and data.direct.registered:
        direct = num(data.direct.registered, lang)
        lines.append(turn.t("off_status_direct", unit=node.unit.name, count=direct))
    if review_line:
        lines.append(review_line)
    lines += _laggard_lines(turn, ranked, goal)
    return fit(lines, turn.t("off_cut"))


def _deadline_lines(turn: Turn, whole: Standing, goal: Target) -> list[str]:
    lang = turn.lang
    if goal.deadline is None:
        return [turn.t("off_status_no_deadline")]
    d = goal.deadline
    verb = label(GOALS, goal.stage, lang)
    quota = whole.node.quota
    remaining = max(0, (quota or 0) - whole.reached)
    when = day_text(d.date)
    if goal.passed:
        lines = [turn.t("off_deadline_passed", name=d.name, date=when, days=-goal.days_left)]
        if quota and remaining:
            lines.append(turn.t("off_deadline_missed", remaining=num(remaining, lang), goal=verb))
        elif quota:
            lines.append(turn.t("off_deadline_met", goal=verb))
        lines.append(turn.t("off_pace_recent", goal=verb, pace=num(whole.pace, lang, 1)))
        return lines
    lines = [turn.t("off_deadline_next", name=d.name, date=when, days=goal.days_left)
             if goal.days_left else turn.t("off_deadline_today", name=d.name, date=when)]
    if quota is None:
        lines.append(turn.t("off_pace_recent", goal=verb, pace=num(whole.pace, lang, 1)))
    elif remaining == 0:
        lines.append(turn.t("off_deadline_met", goal=verb))
    else:
        key = "off_pace_short" if whole.pace < whole.need else "off_pace_ok"
        lines.append(turn.t(key, remaining=num(remaining, lang), goal=verb, need=num(whole.need, lang, 1),
                            pace=num(whole.pace, lang, 1)))
    return lines


def _laggard_lines(turn: Turn, ranked: list[Standing], goal: Target) -> list[str]:
    if not ranked:
        return []
    lang = turn.lang
    verb = label(GOALS, goal.stage, lang)
    lines = ["", turn.t("off_laggards", goal=verb, count=len(ranked))]
    for i, s in enumerate(ranked[:LAGGARDS], 1):
        name = clip(s.node.unit.name, NAME_WIDTH)
        if s.node.quota is None:
            lines.append(turn.t("off_laggard_no_quota", i=i, name=name,
                                registered=num(s.node.tally.registered, lang)))
            continue
        share = pct(s.reached, s.node.quota, lang)
        if goal.deadline is None or goal.passed or s.need == 0:
            lines.append(turn.t("off_laggard_done" if s.need == 0 else "off_laggard", i=i, name=name,
                                reached=num(s.reached, lang), quota=num(s.node.quota, lang), share=share,
                                pace=num(s.pace, lang, 1)))
        else:
            lines.append(turn.t("off_laggard_pace", i=i, name=name, reached=num(s.reached, lang),
                                quota=num(s.node.quota, lang), share=share, need=num(s.need, lang, 1),
                                pace=num(s.pace, lang, 1)))
    rest = ranked[LAGGARDS:]
    shares = [s.share for s in rest if s.share is not None]
    low, high = (num(100 * f(shares), lang) for f in (min, max)) if shares else ("", "")
    if shares and low == high:
        lines.append(turn.t("off_laggards_rest_same", count=len(rest), share=low))
    elif shares:
        lines.append(turn.t("off_laggards_rest", count=len(rest), low=low, high=high))
    elif rest:
        lines.append(turn.t("off_laggards_rest_plain", count=len(rest)))
    return lines


def _chart(turn: Turn, data: Rollup, goal: Target, ranked: list[Standing]) -> Chart:
    lang = turn.lang
    nodes = [s.node for s in ranked[:MAX_BARS]] or [data.node]
    bars = tuple(Bar(n.unit.name, n.quota, *(n.tally.reached(s) for s in REPORTED_STAGES)) for n in nodes)
    node = data.node
    subtitle = turn.t("off_chart_subtitle", date=day_text(turn.ctx.now().date()),
                      quota=num(node.quota, lang) if node.quota is not None else "—",
                      completed=pct(node.tally.reached(Stage.COMPLETED), node.quota, lang))
    if len(ranked) > MAX_BARS:
        subtitle += " · " + turn.t("off_chart_more", shown=MAX_BARS, count=len(ranked))
    legend = (label(STAGES, Stage.HANDED_OVER, lang), label(STAGES, Stage.COMPLETED, lang),
              turn.t("off_chart_started"), turn.t("off_chart_quota"))
    return Chart(title=turn.t("off_chart_title", unit=node.unit.name), subtitle=subtitle, bars=bars,
                 legend=legend, axis=turn.t("off_chart_axis"), no_quota=turn.t("off_chart_no_quota"))
