"""The evidence checks of a report: place, time and reuse of its photos, from what is already
stored (no photo is decoded again). They never refuse a report: each finding is a code kept with
it (reports.flag for what an officer must judge, reports.evidence_notes for what is only noted),
and handlers/evidence_texts.py words them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers.settings import Settings
from storage import audit, evidence, reports
from storage.db import Database
from storage.evidence import Reference, day_text, distance_text, valid
from storage.models import House
from storage.photos import StoredPhoto
from storage.reports import PhotoMatch

__all__ = ["Verdict", "check", "day_text", "distance_text", "judge", "metres", "needs_review"]

EARTH_M = 6_371_000
FUTURE_GRACE = timedelta(days=1)    # camera clocks and time zones: a day ahead is not a lie
OLDEST_YEAR = 2000                  # a capture date before this is a camera with no clock set
IMPLAUSIBLE_AHEAD = timedelta(days=366)


@dataclass
class Verdict:
    flags: list[str] = field(default_factory=list)   # an officer must look
    notes: list[str] = field(default_factory=list)   # noted on the card, no violation

    def flag(self) -> str | None:
        return ";".join(self.flags) or None

    def note(self) -> str | None:
        return ";".join(self.notes) or None


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Haversine distance, rounded to the metre."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_M * math.asin(min(1.0, math.sqrt(a))))


def check(settings: Settings, now: datetime, ref: Reference | None, location: tuple[object, object],
          photos: Sequence[StoredPhoto], matches: Sequence[PhotoMatch]) -> Verdict:
    """`now` is the report's time (aware); `location` what the dialog stored (maybe invalid)."""
    v = Verdict()
    limit = settings.evidence.max_distance_m
    lat, lon = location
    if lat is not None or lon is not None:
        if not valid(lat, lon):
            v.notes.append(f"bad_location:{lat},{lon}")
        elif ref is not None:
            d = metres(ref.lat, ref.lon, float(lat), float(lon))  # type: ignore[arg-type]
            if d > limit:
                v.flags.append(f"far_location:{d}")
    for position, photo in enumerate(photos, 1):
        if ref is not None and photo.lat is not None and photo.lon is not None \
                and valid(photo.lat, photo.lon):
            d = metres(ref.lat, ref.lon, photo.lat, photo.lon)
            if d > limit:
                v.flags.append(f"far_photo:{position}:{d}")
        _time(settings, now, position, photo.taken_at, v)
    if photos and not any(p.taken_at for p in photos):
        v.notes.append("no_time")
    if photos and not any(p.lat is not None for p in photos):
        v.notes.append("no_gps")
    if ref is None:
        v.notes.append("no_reference")
    for m in matches:
        v.flags.append(f"duplicate_photo:{m.position}:report={m.report_id}")
    return v


def _time(settings: Settings, now: datetime, position: int, taken_at: str | None, v: Verdict) -> None:
    if not taken_at:
        return
    try:
        taken = datetime.fromisoformat(taken_at)
    except ValueError:
        v.notes.append(f"bad_photo_time:{position}:{taken_at[:19]}")
        return
    # EXIF time is the camera's local clock with no zone: read in the campaign's zone.
    tz = settings.campaign.timezone
    taken = taken.astimezone(tz) if taken.tzinfo else taken.replace(tzinfo=tz)
    local_now = now.astimezone(tz)
    day = taken.date().isoformat()
    if taken.year < OLDEST_YEAR or taken > local_now + IMPLAUSIBLE_AHEAD:
        v.notes.append(f"bad_photo_time:{position}:{day}")
    elif taken > local_now + FUTURE_GRACE:
        v.flags.append(f"future_photo:{position}:{day}")
    elif settings.campaign.start is not None and taken.date() < settings.campaign.start:
        v.flags.append(f"before_campaign:{position}:{day}")
    elif local_now - taken > timedelta(days=settings.evidence.max_photo_age_days):
        v.flags.append(f"old_photo:{position}:{day}")


def needs_review(required: str, flag: str | None) -> bool:
    """[review] required: "all" every report waits, "flagged" the flagged ones, "none" none."""
    return required == "all" or (required == "flagged" and flag is not None)


async def judge(db: Database, settings: Settings, now: datetime, house: House, stage: int,
                location: tuple[object, object],
                photos: Sequence[StoredPhoto]) -> tuple[Verdict, list[PhotoMatch]]:
    """Every check of a report about to be stored, in its transaction: one indexed query (the
    house, with its reference point, is read already)."""
    matches = await reports.find_photo_matches(db, house.id, photos, stage)
    return check(settings, now, evidence.reference_of(house), location, photos, matches), matches


async def adopt_reference(db: Database, at: str, actor: int, house_id: int,
                          report_id: int) -> Reference | None:
    """A report that counts (accepted, or approved by an officer) gives a house with no
    coordinates its reference point: recorded, and audited."""
    ref = await evidence.adopt_reference(db, house_id, report_id)
    if ref is not None:
        await audit.log(db, at, actor, "house.reference", "house", house_id,
                        {"report_id": report_id, "lat": ref.lat, "lon": ref.lon})
    return ref
