"""The evidence codes (handlers/evidence.py) in words: for the volunteer, the review card."""

from __future__ import annotations

from handlers.catalog import STAGES, label, t
from handlers.context import Context
from handlers.evidence import Verdict, day_text, distance_text
from handlers.turn import Turn
from storage import evidence, houses, reports
from storage.db import Database
from storage.numbers import whole


async def reason(db: Database, lang: str, code: str, house_id: int, age_days: int,
                 campaign_start: str) -> str | None:
    """One flag code as a sentence; None for a code this version does not know."""
    kind, _, rest = code.partition(":")
    parts = rest.split(":")
    if kind == "far_location" and whole(parts[0]) is not None:
        return t(lang, "ev_far_location", distance=distance_text(int(parts[0])))
    if kind == "far_photo" and len(parts) == 2 and whole(parts[1]) is not None:
        return t(lang, "ev_far_photo", position=parts[0], distance=distance_text(int(parts[1])))
    if kind in ("old_photo", "future_photo", "before_campaign") and len(parts) == 2:
        key = {"old_photo": "ev_old_photo", "future_photo": "ev_future_photo",
               "before_campaign": "ev_before_campaign"}[kind]
        return t(lang, key, position=parts[0], date=day_text(parts[1]), days=age_days,
                 start=day_text(campaign_start))
    if kind == "duplicate_photo" and len(parts) == 2:
        other = whole(parts[1].removeprefix("report="))
        if other is None:
            return None
        earlier = await reports.get(db, other)
        if earlier is not None and earlier.house_id == house_id:
            return t(lang, "ev_reused_same_house", position=parts[0], other=other,
                     stage=label(STAGES, earlier.stage, lang))
        house = await houses.get(db, earlier.house_id) if earlier else None
        return t(lang, "ev_reused_other_house", position=parts[0], other=other,
                 code=house.code if house else "?")
    return None


def note(lang: str, code: str) -> str:
    kind, _, rest = code.partition(":")
    if kind in ("no_time", "no_gps", "no_reference"):
        return t(lang, f"ev_{kind}")
    if kind == "bad_location":
        return t(lang, "ev_bad_location", value=rest[:60])
    if kind == "bad_photo_time":
        position, _, value = rest.partition(":")
        return t(lang, "ev_bad_photo_time", position=position, value=day_text(value)[:20])
    return code[:100]


async def reasons(db: Database, lang: str, flag: str | None, house_id: int, *, age_days: int,
                  campaign_start: str) -> list[str]:
    """Every flag of a report as a sentence, in order; an unknown code as it is stored."""
    out: list[str] = []
    for code in (flag or "").split(";"):
        if not code:
            continue
        out.append(await reason(db, lang, code, house_id, age_days, campaign_start) or code[:100])
    return out


def notes(lang: str, stored: str | None) -> list[str]:
    return [note(lang, code) for code in (stored or "").split(";") if code]


def map_link(lat: float, lon: float) -> str:
    return f"https://maps.google.com/?q={lat:.6f},{lon:.6f}"


async def told(turn: Turn, verdict: Verdict, house_id: int) -> list[str]:
    """The one line the volunteer reads after the receipt: why an officer will check the report.
    Reused photos have their own line (report_file._duplicate_warning); the rest are listed here."""
    ctx = turn.ctx
    rest = ";".join(code for code in verdict.flags if not code.startswith("duplicate_photo:"))
    if not rest:
        return []
    start = ctx.settings.campaign.start
    said = await reasons(ctx.db, turn.lang, rest, house_id,
                         age_days=ctx.settings.evidence.max_photo_age_days,
                         campaign_start=start.isoformat() if start else "")
    return [turn.t("ev_told", reasons="; ".join(said))]


async def waiting_line(ctx: Context, lang: str, unit_path: str) -> str | None:
    """How many reports of an area wait for review, how many flagged, the oldest: /tiendo and
    the daily digest. None when none waits."""
    w = await evidence.waiting(ctx.db, unit_path)
    if not w.count:
        return None
    return t(lang, "ev_waiting", count=w.count, flagged=w.flagged, oldest=w.oldest_id,
             time=ctx.local(w.oldest_at))
