"""The commendation deadline's reminder (`kind = "awards"`): how many collectives and individuals
the officer's unit may propose, and what the file needs."""

from __future__ import annotations

from datetime import datetime

from handlers.catalog import t
from handlers.context import Context
from handlers.figures import PACE_DAYS, num, pace_since
from storage import progress, units
from storage.codes import Stage


async def awards_text(ctx: Context, head: str, unit_id: int, lang: str, now: datetime) -> str:
    """The same tiers and quotas /khenthuong counts with: the unit's children, or the unit itself."""
    unit = await units.get(ctx.db, unit_id)
    assert unit is not None
    data = await progress.rollup(ctx.db, unit, Stage.COMPLETED, pace_since(now), PACE_DAYS)
    rules = ctx.settings.awards
    nodes = [n for n in (data.children or [data.node]) if n.quota is not None]
    collectives = sum(rules.allowed("collective", n.quota or 0) for n in nodes)
    individuals = sum(rules.allowed("individual", n.quota or 0) for n in nodes)
    quota = data.node.quota
    lines = [head]
    if quota is not None:
        lines.append(t(lang, "rem_awards_allowed", unit=unit.name, quota=num(quota, lang),
                       collectives=num(collectives, lang), individuals=num(individuals, lang)))
    lines.append(t(lang, "rem_awards_file"))
    return "\n".join(lines)
