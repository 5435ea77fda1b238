"""The review card's evidence: every reason the checks gave (reused photos apart: compare.py shows
those beside the earlier photo), what they only noted, and where the house and the report are."""

from __future__ import annotations

from handlers.evidence_texts import map_link, notes, reasons
from handlers.turn import Turn
from storage import evidence
from storage.review import Pending


async def evidence_lines(turn: Turn, p: Pending) -> list[str]:
    ctx, lang = turn.ctx, turn.lang
    lines: list[str] = []
    reference = await reference_line(turn, p.house_id)
    if reference:
        lines.append(reference)
    if p.lat is not None and p.lon is not None:
        lines.append(turn.t("ev_card_location", link=map_link(p.lat, p.lon)))
    rest = ";".join(c for c in (p.flag or "").split(";") if c and not c.startswith("duplicate_photo:"))
    start = ctx.settings.campaign.start
    for reason in await reasons(ctx.db, lang, rest, p.house_id,
                                age_days=ctx.settings.evidence.max_photo_age_days,
                                campaign_start=start.isoformat() if start else ""):
        lines.append(turn.t("ev_card_reason", reason=reason))
    lines += [turn.t("ev_card_note", note=n) for n in notes(lang, p.evidence_notes)]
    return lines


async def reference_line(turn: Turn, house_id: int) -> str | None:
    """Where the house is, for /nha and the review card: its coordinates, or the location of the
    report that became its reference."""
    ref = await evidence.reference(turn.ctx.db, house_id)
    if ref is None:
        return None
    source = (turn.t("ev_source_house") if ref.report_id is None
              else turn.t("ev_source_report", number=ref.report_id))
    return turn.t("ev_card_reference", source=source, link=map_link(ref.lat, ref.lon))
