"""/nha: one house, its household, where it stands and every report on it, with the latest photos."""

from __future__ import annotations

from handlers.catalog import CATEGORIES, STAGES, SUPPORT, label
from handlers.catalog.officers import REVIEW_STATES
from handlers.contributions.views import house_lines
from handlers.examples import with_example
from handlers.officers.common import find_house, fit
from handlers.officers.review_evidence import reference_line
from handlers.turn import Turn
from handlers.types import Reply
from storage import audit, review, units, users
from storage.codes import ReviewState
from storage.models import House
from storage.textfold import clip

SHOWN_REPORTS = 15


async def house(turn: Turn) -> list[Reply]:
    """/nha <code or household head's name>, only inside the officer's unit."""
    query = turn.inc.args.strip()
    if not query:
        return [Reply(await with_example(turn, "off_house_usage"))]
    found, problem = await find_house(turn, query, ("nha", "house"))
    if found is None:
        return problem
    return [await _card(turn, found)]


async def _card(turn: Turn, h: House) -> Reply:
    ctx, lang = turn.ctx, turn.lang
    unit = await units.get(ctx.db, h.unit_id)
    assert unit is not None
    lines = [
        turn.t("off_house_title", code=h.code, head=h.household_head),
        turn.t("off_house_unit", path=await units.path_names(ctx.db, unit)),
        turn.t("off_house_kind", category=label(CATEGORIES, h.category, lang),
               support=label(SUPPORT, h.support_type, lang)),
    ]
    if h.address:
        lines.append(turn.t("off_house_address", address=h.address))
    reference = await reference_line(turn, h.id)
    if reference:
        lines.append(reference)
    stage = label(STAGES, h.stage, lang)
    lines.append(turn.t("off_house_stage_since", stage=stage, time=ctx.local(h.stage_at)) if h.stage_at
                 else turn.t("off_house_stage", stage=stage))
    for fix in await audit.entries(ctx.db, "house", h.id):
        if fix["action"] == "house.correct" and fix["detail"]:
            d = fix["detail"]
            officer = await users.get(ctx.db, fix["actor_id"]) if fix["actor_id"] else None
            lines.append(turn.t("off_house_fixed", time=ctx.local(fix["at"]),
                                name=clip(officer.display_name if officer else "?", 30),
                                old=label(STAGES, d["from"], lang), new=label(STAGES, d["to"], lang),
                                reason=clip(d.get("reason", ""), 120)))
    lines += await house_lines(turn, h)
    entries = await review.history(ctx.db, h.id)
    if not entries:
        lines.append(turn.t("off_house_no_reports"))
        return Reply("\n".join(lines))
    lines.append(turn.t("off_house_reports", count=len(entries)))
    if len(entries) > SHOWN_REPORTS:
        lines.append(turn.t("off_house_earlier", count=len(entries) - SHOWN_REPORTS))
    for e in entries[-SHOWN_REPORTS:]:
        line = turn.t("off_house_report", number=e.id, time=ctx.local(e.received_at),
                      stage=label(STAGES, e.stage, lang), reporter=clip(e.reporter_name or "?", 30),
                      state=label(REVIEW_STATES, e.review_state, lang), photos=e.photos)
        if e.reason:
            line += " " + turn.t("off_house_reason", reason=clip(e.reason, 120))
        if e.flag and e.review_state == ReviewState.PENDING:
            line += " ⚠️"
        lines.append(line)
        # What the volunteer wrote and where they stood: the evidence beside the photos.
        if e.note:
            lines.append(turn.t("off_house_report_note", note=clip(e.note, 200)))
        if e.lat is not None and e.lon is not None:
            lines.append(turn.t("off_house_report_map", lat=f"{e.lat:.5f}", lon=f"{e.lon:.5f}"))
    # Newest evidence first; a returned report's photos were not accepted as evidence.
    latest = [e.id for e in reversed(entries) if e.review_state != ReviewState.RETURNED]
    # At most a report's worth of photos (max_photos); the channel splits the album as it must.
    shown = ctx.settings.report.max_photos
    files = [ctx.photos.path(rel) for rel in await review.photo_files(ctx.db, latest, shown)]
    images = tuple(p for p in files if p.is_file())
    return Reply(fit(lines, turn.t("off_cut")), images=images)
