"""What the evidence checks read and write: a house's reference point, from stored rows only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from storage import houses
from storage.db import Database
from storage.models import House


@dataclass(frozen=True)
class Reference:
    lat: float
    lon: float
    report_id: int | None    # None: the house's own coordinates; else the approved report's


def valid(lat: object, lon: object) -> bool:
    """A position on the Earth that is not the (0, 0) a phone writes when it had no fix."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return False
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180 and not (lat == 0 and lon == 0)


def reference_of(house: House) -> Reference | None:
    """The house's coordinates, else the location of its first approved report, else None."""
    if valid(house.lat, house.lon):
        return Reference(house.lat, house.lon, None)  # type: ignore[arg-type]
    if valid(house.ref_lat, house.ref_lon):
        return Reference(house.ref_lat, house.ref_lon, house.ref_report_id)  # type: ignore[arg-type]
    return None


async def reference(db: Database, house_id: int) -> Reference | None:
    house = await houses.get(db, house_id)
    return reference_of(house) if house is not None else None


async def adopt_reference(db: Database, house_id: int, report_id: int) -> Reference | None:
    """On approval: a house with no point of reference takes this report's location (when it has
    a valid one). Returns the point taken, or None when nothing changed."""
    row = await db.fetchone("SELECT lat, lon FROM reports WHERE id = ?", (report_id,))
    if row is None or not valid(row[0], row[1]) or await reference(db, house_id) is not None:
        return None
    await db.execute("UPDATE houses SET ref_lat = ?, ref_lon = ?, ref_report_id = ? WHERE id = ?",
                     (row[0], row[1], report_id, house_id))
    return Reference(row[0], row[1], report_id)


def day_text(iso_day: str) -> str:
    """'2026-10-01' as Vietnamese write it: 01/10/2026."""
    try:
        d = date.fromisoformat(iso_day)
    except ValueError:
        return iso_day
    return d.strftime("%d/%m/%Y")


def distance_text(m: int) -> str:
    """'350 m', '4,2 km', '120 km': Vietnamese style, a decimal comma."""
    if m < 1000:
        return f"{round(m, -1) if m >= 100 else m} m"
    if m < 100_000:
        return f"{m / 1000:.1f} km".replace(".", ",")
    return f"{round(m / 1000):,} km".replace(",", ".")


@dataclass(frozen=True)
class Waiting:
    count: int               # reports of the area waiting for an officer
    flagged: int             # of them, those the evidence checks flagged
    oldest_id: int | None
    oldest_at: str | None


async def waiting(db: Database, unit_path: str) -> Waiting:
    """Reports of a subtree waiting for review, how many flagged, and the oldest of them: from the
    per-unit counts migration 016 keeps, so the whole country costs a read of its units."""
    scope = ("FROM units u JOIN review_waiting w ON w.unit_id = u.id "
             "WHERE w.waiting > 0 AND u.path >= ?1 AND u.path < ?2")
    # The sums and the oldest in one statement: one trip to the database, not two (each trip
    # waits for a wake-up on a busy machine).
    row = await db.fetchone(
        f"SELECT t.n, t.f, o.oldest_id, o.oldest_at FROM (SELECT sum(w.waiting) AS n, sum(w.flagged) AS f "
        f"{scope}) t LEFT JOIN (SELECT w.oldest_id, w.oldest_at {scope} ORDER BY w.oldest_at, w.oldest_id "
        "LIMIT 1) o ON 1 = 1", (unit_path, unit_path + "\uffff"))
    if row is None:
        return Waiting(0, 0, None, None)
    return Waiting(int(row[0] or 0), int(row[1] or 0), row[2], row[3])
