"""Filing a report: the one transaction that stores it, the checks on its photos, the receipt."""

from __future__ import annotations

from datetime import timedelta

from handlers import evidence
from handlers.evidence_texts import told
from handlers.report_photos import join_report, stage_name
from handlers.turn import Turn
from handlers.types import Reply
from storage import audit, houses, reports
from storage.codes import ReviewState
from storage.evidence import valid
from storage.photos import StoredPhoto
from storage.times import to_db

RESENT_WITHIN = timedelta(days=1)  # the same photos on the same house and stage: sent again


async def file_report(turn: Turn) -> list[Reply]:
    """Store the report, with the verdict of the evidence checks (handlers/evidence.py).
    Acknowledged only after this transaction commits."""
    ctx, d = turn.ctx, turn.draft
    house = await houses.get(ctx.db, d["house_id"])
    assert house is not None
    stage = d["stage"]
    if stage < house.stage:
        turn.go("idle")
        return [Reply(turn.t("stage_changed_meanwhile", code=house.code,
                             current=stage_name(turn, house.stage), stage=stage_name(turn, stage)))]
    photos = [StoredPhoto.from_dict(p) for p in d.get("photos", [])]
    # The same album sent again after a stall (a phone retries, a volunteer taps again) is the
    # report already made: it says so, and anything new in it joins that report.
    since = to_db(ctx.now() - RESENT_WITHIN)
    earlier = await reports.holding_photos(ctx.db, house.id, stage, [p.sha256 for p in photos], since)
    if earlier is not None and earlier.review_state != ReviewState.RETURNED:
        turn.go("idle")
        head = turn.t("report_already_received", number=earlier.id, code=house.code,
                      stage=stage_name(turn, stage), time=ctx.local(earlier.received_at))
        return [Reply("\n".join([head, *await join_report(turn, earlier, photos)]))]
    location = (d.get("lat"), d.get("lon"))
    verdict, matches = await evidence.judge(ctx.db, ctx.settings, ctx.now(), house, stage, location,
                                            photos)
    flag = verdict.flag()
    pending = evidence.needs_review(ctx.settings.review.required, flag)
    lat, lon = location if valid(*location) else (None, None)  # a bad value is noted, not kept
    claimed = min((p.taken_at for p in photos if p.taken_at), default=None)
    now = ctx.stamp()
    report_id = await reports.create(
        ctx.db, house_id=house.id, reporter_id=turn.user.id, stage=stage, note=d.get("note"),
        lat=lat, lon=lon, received_at=now, claimed_at=claimed,
        review_state=ReviewState.PENDING if pending else ReviewState.ACCEPTED, flag=flag, photos=photos,
        evidence_notes=verdict.note(),
    )
    if d.get("albums"):
        await reports.remember_albums(ctx.db, turn.user.id, d["albums"], report_id)
    if not pending:
        await houses.set_stage(ctx.db, house.id, stage, now)
    if flag is None and not pending:  # a flagged one becomes the reference only once approved
        await evidence.adopt_reference(ctx.db, now, turn.user.id, house.id, report_id)
    await houses.touch_report(ctx.db, house.id, now)
    await audit.log(ctx.db, now, turn.user.id, "report.create", "report", report_id,
                    {"house_id": house.id, "stage": stage, "photos": len(photos), "flag": flag})
    turn.go("idle")
    lines = [turn.t("receipt", number=report_id, code=house.code, stage=stage_name(turn, stage),
                    photos=len(photos), time=ctx.local(now))]
    if matches:
        lines.append(await _duplicate_warning(turn, matches))
    if pending:
        lines += await told(turn, verdict, house.id)
        lines.append(turn.t("receipt_pending"))
    return [Reply("\n".join(lines))]


async def _duplicate_warning(turn: Turn, matches: list[reports.PhotoMatch]) -> str:
    """One line for the whole report, naming what it matched: which photos, which reports and
    houses; the volunteer learns an officer will look, not a list to puzzle over."""
    earlier: dict[int, str] = {}
    for m in matches:
        if m.report_id not in earlier:
            other = await houses.get(turn.ctx.db, m.house_id)
            earlier[m.report_id] = other.code if other else "?"
    positions = ", ".join(str(m.position) for m in matches)
    where = ", ".join(turn.t("duplicate_where", number=n, code=c) for n, c in earlier.items())
    return turn.t("duplicate_photo", count=len(matches), positions=positions, where=where)
