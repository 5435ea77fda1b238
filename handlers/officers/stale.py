"""/chuabaocao: houses not handed over with no report for some days, by sub-unit."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.catalog import STAGES, label
from handlers.figures import num
from handlers.officers.common import fit
from handlers.turn import Turn
from handlers.types import Reply
from storage import progress
from storage.numbers import whole
from storage.textfold import clip
from storage.times import to_db

DEFAULT_DAYS = 7
MAX_DAYS = 365
GROUPS = 10
PER_GROUP = 3


async def stale(turn: Turn) -> list[Reply]:
    """/chuabaocao [days]."""
    arg = turn.inc.args.strip()
    days = whole(arg) if arg else DEFAULT_DAYS
    if days is None or not 1 <= days <= MAX_DAYS:
        return [Reply(turn.t("off_stale_usage", max=MAX_DAYS))]
    ctx, lang = turn.ctx, turn.lang
    unit = await turn.own_unit()
    now = ctx.now()
    groups, picked = await progress.quiet(ctx.db, unit, to_db(now - timedelta(days=days)), PER_GROUP)
    total = sum(g.count for g in groups)
    if not total:
        return [Reply(turn.t("off_stale_none", days=days, unit=unit.name))]
    lines = [turn.t("off_stale_title", days=days, unit=unit.name, count=num(total, lang))]
    by_group: dict[int, list[progress.QuietHouse]] = {}
    for h in picked:
        by_group.setdefault(h.group, []).append(h)
    for g in groups[:GROUPS]:
        name = g.unit.name if g.unit else unit.name
        key = "off_stale_group_never" if g.never else "off_stale_group"
        lines.append(turn.t(key, unit=clip(name, 40), count=num(g.count, lang), never=num(g.never, lang)))
        for h in by_group.get(g.unit.id if g.unit else 0, []):
            stage = label(STAGES, h.stage, lang)
            if h.last_report_at is None:
                lines.append(turn.t("off_stale_house_never", code=h.code, head=clip(h.head, 30), stage=stage))
                continue
            ago = (now - datetime.fromisoformat(h.last_report_at)).days
            lines.append(turn.t("off_stale_house", code=h.code, head=clip(h.head, 30), stage=stage,
                                date=ctx.local(h.last_report_at)[6:], days=ago,
                                reporter=clip(h.last_reporter or "?", 30)))
    rest = groups[GROUPS:]
    if rest:
        lines.append(turn.t("off_stale_rest", groups=len(rest), count=num(sum(g.count for g in rest), lang)))
    return [Reply(fit(lines, turn.t("off_cut")))]
