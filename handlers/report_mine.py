"""A volunteer's own work: /cuatoi lists their last reports and what became of each."""

from __future__ import annotations

from handlers.report_photos import stage_name
from handlers.turn import Turn
from handlers.types import Reply
from storage import reports
from storage.codes import ReviewState

MINE_LIMIT = 10   # the last reports shown; older ones are in the officers' files


async def mine(turn: Turn) -> list[Reply]:
    """/cuatoi: the person's last reports, each with its state and, when returned, the reason."""
    ctx = turn.ctx
    found = await reports.by_reporter(ctx.db, turn.user.id, MINE_LIMIT)
    if not found:
        return [Reply(turn.t("mine_none"))]
    lines = [turn.t("mine_head", count=len(found))]
    for r in found:
        if r.review_state == ReviewState.RETURNED:
            state = turn.t("mine_returned", reason=r.reason or turn.t("summary_none"))
        else:
            state = turn.t(f"mine_{r.review_state}")
        lines.append(turn.t("mine_line", number=r.id, code=r.house_code, stage=stage_name(turn, r.stage),
                            photos=r.photos, time=ctx.local(r.received_at), state=state))
    return [Reply("\n".join(lines))]
