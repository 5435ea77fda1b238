"""/duyet: reports waiting for an officer, one at a time with their photos: approve, or return with
a reason that goes to the volunteer at once. Every decision is in the audit log."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from handlers import evidence
from handlers.catalog import STAGES, label, t
from handlers.limits import REASON_CHARS, too_long
from handlers.officers.compare import duplicate, parse_flag
from handlers.officers.review_evidence import evidence_lines
from handlers.turn import Turn
from handlers.types import Choice, Reply
from storage import account_links, audit, houses, review, users
from storage.codes import ReviewState, UserStatus
from storage.models import Unit
from storage.numbers import whole
from storage.review import Pending
from storage.textfold import clip

SHOWING = "review"
REASON = "review_reason"


async def start(turn: Turn) -> list[Reply]:
    """/duyet."""
    out: list[Reply] = []
    if turn.state not in ("idle", SHOWING, REASON) and turn.draft.get("house_code"):
        out.append(Reply(turn.t("draft_replaced", code=turn.draft["house_code"])))
    turn.go("idle")
    return out + await _next(turn, await turn.own_unit(), after=0, skipped=[])


async def on_showing(turn: Turn) -> list[Reply]:
    key = turn.chosen() or ""
    skipped: list[int] = list(turn.draft.get("skipped", []))
    current = int(turn.draft.get("report_id", 0))
    unit = await turn.own_unit()
    if key == "rv:stop":
        return await _stop(turn, unit)
    kind, _, number = key.partition(":")[2].partition(":")
    if whole(number) != current:
        # Typed text, a photo, or a button of an older message: show the question again.
        return await _show_again(turn, unit, current, skipped, turn.t("off_review_press"))
    if kind == "ok":
        return await _approve(turn, unit, current, skipped)
    if kind == "back":
        turn.go(REASON, {"report_id": current, "skipped": skipped})
        return [turn.ask(turn.t("off_review_ask_reason", number=current),
                         [Choice(f"rv:keep:{current}", turn.t("off_btn_keep"))])]
    if kind == "next":
        return await _next(turn, unit, after=current, skipped=[*skipped, current])
    return await _show_again(turn, unit, current, skipped, turn.t("off_review_press"))


async def on_reason(turn: Turn) -> list[Reply]:
    current = int(turn.draft.get("report_id", 0))
    skipped: list[int] = list(turn.draft.get("skipped", []))
    unit = await turn.own_unit()
    if turn.chosen() == f"rv:keep:{current}":
        return await _show_again(turn, unit, current, skipped, None)
    reason = turn.inc.text.strip()
    if turn.inc.choice is not None or turn.inc.command or not reason:
        return [turn.ask(turn.t("off_review_ask_reason", number=current),
                         [Choice(f"rv:keep:{current}", turn.t("off_btn_keep"))])]
    refusal = too_long(turn, reason, REASON_CHARS)
    if refusal:
        return [turn.ask(refusal.text, [Choice(f"rv:keep:{current}", turn.t("off_btn_keep"))])]
    return await _return(turn, unit, current, skipped, reason)


# --- decisions --------------------------------------------------------------------------------

async def _approve(turn: Turn, unit: Unit, report_id: int, skipped: list[int]) -> list[Reply]:
    ctx = turn.ctx
    p = await review.pending(ctx.db, unit, report_id)
    if p is None:
        return [Reply(turn.t("off_review_gone", number=report_id)),
                *await _next(turn, unit, report_id, skipped)]
    person_of = account_links.person_of
    if await person_of(ctx.db, p.reporter_id) == await person_of(ctx.db, turn.user.id):
        return [Reply(turn.t("off_review_own", number=report_id)),
                *await _next(turn, unit, report_id, [*skipped, report_id])]
    now = ctx.stamp()
    if not await review.decide(ctx.db, report_id, ReviewState.APPROVED, turn.user.id, now, None):
        return [Reply(turn.t("off_review_gone", number=report_id)),
                *await _next(turn, unit, report_id, skipped)]
    # set_stage only moves forward: approving an older report never undoes a later one.
    await houses.set_stage(ctx.db, p.house_id, p.stage, now)
    await audit.log(ctx.db, now, turn.user.id, "report.approve", "report", report_id,
                    {"house_id": p.house_id, "stage": p.stage, "house_stage_before": p.house_stage,
                     "flag": p.flag})
    out = [Reply(turn.t("off_review_approved", number=report_id, code=p.house_code,
                        stage=label(STAGES, p.stage, turn.lang)))]
    # A house with no coordinates takes its first approved report's location as its reference.
    if await evidence.adopt_reference(ctx.db, now, turn.user.id, p.house_id, report_id) is not None:
        out.append(Reply(turn.t("ev_reference_set", code=p.house_code, number=report_id)))
    out += await _tell_reporter(turn, p, "off_review_told_approved", None)
    return out + await _next(turn, unit, report_id, skipped)


async def _return(turn: Turn, unit: Unit, report_id: int, skipped: list[int], reason: str) -> list[Reply]:
    ctx = turn.ctx
    p = await review.pending(ctx.db, unit, report_id)
    now = ctx.stamp()
    decided = p is not None and await review.decide(ctx.db, report_id, ReviewState.RETURNED, turn.user.id,
                                                    now, reason)
    if p is None or not decided:
        return [Reply(turn.t("off_review_gone", number=report_id)),
                *await _next(turn, unit, report_id, skipped)]
    await audit.log(ctx.db, now, turn.user.id, "report.return", "report", report_id,
                    {"house_id": p.house_id, "stage": p.stage, "reason": reason, "flag": p.flag})
    out = [Reply(turn.t("off_review_returned", number=report_id, code=p.house_code))]
    out += await _tell_reporter(turn, p, "off_review_told_returned", reason)
    return out + await _next(turn, unit, report_id, skipped)


async def _tell_reporter(turn: Turn, p: Pending, key: str, reason: str | None) -> list[Reply]:
    """The volunteer learns the outcome at once, in their own language."""
    reporter = await users.get(turn.ctx.db, p.reporter_id)
    if reporter is None or reporter.status == UserStatus.DISABLED or reporter.id == turn.user.id:
        return []
    text = t(reporter.lang, key, number=p.id, code=p.house_code, stage=label(STAGES, p.stage, reporter.lang),
             reason=reason or "")
    return [Reply(text, to=(reporter.channel, reporter.external_id))]


# --- showing ----------------------------------------------------------------------------------

async def _next(turn: Turn, unit: Unit, after: int, skipped: list[int]) -> list[Reply]:
    """The next waiting report after `after`, wrapping round once, passing over the skipped ones
    and the officer's own (someone else must approve those)."""
    db = turn.ctx.db
    count, found = 0, None
    for start in (after, 0):
        cursor = start
        while True:
            count, found = await review.waiting(db, unit, cursor, not_by=turn.user.id)
            if found is None or found.id not in skipped:
                break
            cursor = found.id
        if found is not None:
            break
    if found is None:
        turn.go("idle")
        key = "off_review_none" if not count else "off_review_done_skipped"
        return [Reply(turn.t(key, unit=unit.name, count=count))]
    return [await _show(turn, found, count, skipped)]


async def _show_again(turn: Turn, unit: Unit, report_id: int, skipped: list[int],
                      note: str | None) -> list[Reply]:
    found = await review.pending(turn.ctx.db, unit, report_id)
    if found is None:
        return await _next(turn, unit, report_id, skipped)
    count, _ = await review.waiting(turn.ctx.db, unit, 0, not_by=turn.user.id)
    shown = await _show(turn, found, count, skipped)
    return [Reply(note), shown] if note else [shown]


async def _show(turn: Turn, p: Pending, count: int, skipped: list[int]) -> Reply:
    ctx, lang = turn.ctx, turn.lang
    lines = [
        turn.t("off_review_title", number=p.id, count=count),
        turn.t("off_review_house", code=p.house_code, head=p.head),
        turn.t("off_review_stage", stage=label(STAGES, p.stage, lang),
               current=label(STAGES, p.house_stage, lang)),
        turn.t("off_review_by", reporter=clip(p.reporter_name or "?", 40), time=ctx.local(p.received_at)),
    ]
    if p.note:
        lines.append(turn.t("off_review_note", note=clip(p.note, 600)))
    lines += await evidence_lines(turn, p)
    pairs: list[Path] = []
    for part in (p.flag or "").split(";"):
        match = parse_flag(part) if part else None
        if match is not None:
            line, pair = await duplicate(turn, p.id, *match)
            lines.append(line)
            pairs += [pair] if pair is not None else []
    # The copies beside what they matched first, then every photo of the report (a report holds at
    # most max_photos); the channel splits the album.
    shown = ctx.settings.report.max_photos
    files = [ctx.photos.path(rel) for rel in await review.photo_files(ctx.db, [p.id], shown)]
    images = tuple(pairs) + tuple(f for f in files if f.is_file())
    if not images:
        lines.append(turn.t("off_review_no_photos"))
    draft: dict[str, Any] = {"report_id": p.id, "skipped": skipped}
    turn.go(SHOWING, draft)
    reply = turn.ask("\n".join(lines), [
        Choice(f"rv:ok:{p.id}", turn.t("off_btn_approve")),
        Choice(f"rv:back:{p.id}", turn.t("off_btn_return")),
        Choice(f"rv:next:{p.id}", turn.t("off_btn_later")),
        Choice("rv:stop", turn.t("off_btn_stop")),
    ])
    return dataclasses.replace(reply, images=images)


async def _stop(turn: Turn, unit: Unit) -> list[Reply]:
    count, _ = await review.waiting(turn.ctx.db, unit, 0, not_by=turn.user.id)
    turn.go("idle")
    return [Reply(turn.t("off_review_stopped", count=count))]


FLOWS = {SHOWING: on_showing, REASON: on_reason}
