"""The report dialog's photos: gathering them into the draft, the prompt that counts them, and the
rest of an album that joins a report already filed."""

from __future__ import annotations

from typing import Any

from handlers.catalog import STAGES, label
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import audit, houses, reports
from storage.codes import ReviewState
from storage.models import Report
from storage.photos import StoredPhoto
from storage.textfold import clip


def stage_name(turn: Turn, stage: int) -> str:
    return label(STAGES, stage, turn.lang)


def button(turn: Turn, key: str) -> Choice:
    return Choice(key, turn.t(f"btn_{key}"))


async def join_album_report(turn: Turn) -> list[Reply] | None:
    """The later part of an album whose first part already became a report joins that report."""
    ctx = turn.ctx
    assert turn.inc.album is not None
    report = await reports.by_album(ctx.db, turn.user.id, turn.inc.album)
    if report is None or report.review_state == ReviewState.RETURNED:
        return None
    lines = await join_report(turn, report, turn.photos)
    return [Reply("\n".join(lines or [turn.t("album_nothing_new", number=report.id)]))]


async def join_report(turn: Turn, report: Report, photos: list[StoredPhoto]) -> list[str]:
    """Photos that belong to a report already made join it, those it holds already aside; what
    was done, as lines of the reply (none when nothing was new)."""
    ctx = turn.ctx
    house = await houses.get(ctx.db, report.house_id)
    assert house is not None
    have = await reports.photos_of(ctx.db, report.id)
    known = {p.sha256 for p in have}
    fresh = [p for p in photos if p.sha256 not in known]
    room = max(0, ctx.settings.report.max_photos - len(have))
    kept, dropped = fresh[:room], len(fresh) - min(room, len(fresh))
    # A picture already used for another house is not slipped into a report after its receipt;
    # it is left out, and the volunteer is told which one.
    matches = await reports.find_photo_matches(ctx.db, house.id, kept)
    refused = {m.position for m in matches}
    kept = [p for i, p in enumerate(kept, 1) if i not in refused]
    lines: list[str] = []
    if kept:
        now = ctx.stamp()
        await reports.add_photos(ctx.db, report.id, kept)
        await audit.log(ctx.db, now, turn.user.id, "report.photos_added", "report", report.id,
                        {"house_id": house.id, "photos": len(kept)})
        lines.append(turn.t("album_joined", count=len(kept), number=report.id, code=house.code,
                            total=len(have) + len(kept)))
    lines += [turn.t("album_photo_used_elsewhere", number=report.id, other=m.report_id) for m in matches]
    if dropped:
        lines.append(turn.t("photos_over_max", max=ctx.settings.report.max_photos, dropped=dropped))
    return lines


def photos_needed(turn: Turn, stage: int) -> int:
    return turn.ctx.settings.report.photos_required.get(stage, 0)


def add_photos(turn: Turn, draft: dict[str, Any]) -> list[Reply]:
    """Add this turn's photos to the draft, skipping repeats and anything over the limit."""
    kept: list[dict[str, Any]] = draft.setdefault("photos", [])
    known = {p["sha256"] for p in kept}
    if turn.inc.album and turn.photos and turn.inc.album not in draft.setdefault("albums", []):
        draft["albums"].append(turn.inc.album)
    limit = turn.ctx.settings.report.max_photos
    out: list[Reply] = []
    repeated = dropped = 0
    for photo in turn.photos:
        if photo.sha256 in known:
            repeated += 1
        elif len(kept) >= limit:
            dropped += 1
        else:
            kept.append(photo.to_dict())
            known.add(photo.sha256)
    if repeated:
        out.append(Reply(turn.t("photo_duplicate_in_draft")))
    if dropped:
        out.append(Reply(turn.t("photos_over_max", max=limit, dropped=dropped)))
    return out


def gather(turn: Turn) -> list[Reply]:
    """Photos sent before the question they answer: kept in the draft, counted back."""
    out = rejections(turn)
    if turn.photos:
        out.extend(add_photos(turn, turn.draft))
        out.append(Reply(turn.t("photos_received", count=len(turn.draft["photos"]))))
    return out


def rejections(turn: Turn) -> list[Reply]:
    if not turn.rejected:
        return []
    lines = [turn.t(f"photo_{reason}", name=clip(name, 60)) for name, reason in turn.rejected]
    return [Reply("\n".join(lines))]


def set_location(turn: Turn) -> None:
    loc = turn.inc.location
    assert loc is not None
    turn.draft["lat"], turn.draft["lon"] = loc.lat, loc.lon


def photos_prompt(turn: Turn, progress: bool = False) -> Reply:
    stage, have = turn.draft["stage"], len(turn.draft.get("photos", []))
    need = photos_needed(turn, stage)
    if progress or have:
        parts = [turn.t("photos_received", count=have)]
        parts.append(turn.t("photos_need_more", more=need - have) if have < need else turn.t("photos_enough"))
        text = " ".join(parts)
    elif need:
        text = turn.t("ask_photos", code=turn.draft["house_code"], stage=stage_name(turn, stage), need=need)
    else:
        text = turn.t("ask_photos_optional", code=turn.draft["house_code"], stage=stage_name(turn, stage))
    return turn.ask(text, [button(turn, "done"), button(turn, "cancel")])

