"""Reports on houses and the photos that prove them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database, Row, many_rows
from storage.models import Report
from storage.photos import StoredPhoto, index_keys, lookup_keys, same_scene

PER_KEY = 4  # photos under one lookup key compared in full with a new one, the oldest first

_COLS = ("id, house_id, reporter_id, stage, note, lat, lon, received_at, claimed_at, review_state, "
         "flag")


def _report(row: Row) -> Report:
    return Report(*(row[i] for i in range(11)))


@dataclass(frozen=True)
class PhotoMatch:
    position: int        # 1-based, in the new report
    report_id: int       # the earlier report the photo was already used in
    house_id: int
    exact: bool
    stage: int = 0       # of the earlier report: the same house's photo reused for another stage


async def get(db: Database, report_id: int) -> Report | None:
    row = await db.fetchone(f"SELECT {_COLS} FROM reports WHERE id = ?", (report_id,))
    return _report(row) if row else None


async def for_house(db: Database, house_id: int) -> list[Report]:
    rows = await db.fetchall(
        f"SELECT {_COLS} FROM reports WHERE house_id = ? ORDER BY received_at, id", (house_id,)
    )
    return [_report(r) for r in rows]


async def photos_of(db: Database, report_id: int) -> list[StoredPhoto]:
    rows = await db.fetchall(
        "SELECT sha256, normalized, thumb, original, width, height, taken_at, lat, lon, scene "
        "FROM photos WHERE report_id = ? ORDER BY position",
        (report_id,),
    )
    return [StoredPhoto(*(r[i] for i in range(10))) for r in rows]


async def find_photo_matches(db: Database, house_id: int, photos: Sequence[StoredPhoto],
                             stage: int = 0) -> list[PhotoMatch]:
    """Earlier photos that are the same picture (same bytes, or the same scene by the scene hash)
    in a report of another house, or of this house for another stage than `stage`. One indexed
    query for the whole report, in its transaction: by the bytes' hash, and by the scene hash's
    lookup keys."""
    if not photos:
        return []
    other = "(r.house_id != ? OR r.stage != ?)"
    shas = sorted({p.sha256 for p in photos})
    keys = sorted({key for p in photos for key in lookup_keys(p.phash)})
    sql = ("SELECT p.id, p.sha256, NULL, p.report_id, r.house_id, r.stage FROM photos p "
           f"JOIN reports r ON r.id = p.report_id WHERE p.sha256 IN ({', '.join('?' * len(shas))}) "
           f"AND {other}")
    args: list[object] = [*shas, house_id, stage]
    if keys:
        # The oldest few photos under each key: each is a short range of the (key, photo_id) index,
        # however common the key, so a lookup reads at most PER_KEY rows a key.
        per_key = " UNION ".join(
            f"SELECT * FROM (SELECT photo_id FROM photo_keys WHERE key = ? ORDER BY photo_id "
            f"LIMIT {PER_KEY}) k{i}" for i in range(len(keys)))
        sql += (" UNION ALL SELECT p.id, NULL, p.scene, p.report_id, r.house_id, r.stage FROM photos p "
                f"JOIN reports r ON r.id = p.report_id WHERE p.id IN ({per_key}) AND {other}")
        args += [*keys, house_id, stage]
    rows = await db.fetchall(sql + " ORDER BY 1", args)
    exact: dict[str, PhotoMatch] = {}
    candidates: list[tuple[str, int, int, int]] = []
    for _, sha, scene, report_id, other_house, other_stage in rows:
        if sha is not None:
            exact.setdefault(sha, PhotoMatch(0, report_id, other_house, exact=True, stage=other_stage))
        elif scene is not None:
            candidates.append((scene, report_id, other_house, other_stage))
    found: list[PhotoMatch] = []
    for position, photo in enumerate(photos, 1):
        if photo.sha256 in exact:
            found.append(dataclasses.replace(exact[photo.sha256], position=position))
            continue
        for scene, report_id, other_house, other_stage in candidates:
            if same_scene(scene, photo.phash):
                found.append(PhotoMatch(position, report_id, other_house, exact=False, stage=other_stage))
                break
    return found


async def create(db: Database, *, house_id: int, reporter_id: int, stage: int, note: str | None,
                 lat: float | None, lon: float | None, received_at: str, claimed_at: str | None,
                 review_state: str, flag: str | None, photos: Sequence[StoredPhoto],
                 evidence_notes: str | None = None) -> int:
    report_id = await db.insert(
        "INSERT INTO reports (house_id, reporter_id, stage, note, lat, lon, received_at, claimed_at, "
        "review_state, flag, evidence_notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (house_id, reporter_id, stage, note, lat, lon, received_at, claimed_at, review_state, flag,
         evidence_notes),
    )
    await _insert_photos(db, report_id, photos, 1)
    return report_id


async def remember_albums(db: Database, reporter_id: int, albums: Sequence[str], report_id: int) -> None:
    await db.executemany(
        "INSERT INTO report_albums (reporter_id, album, report_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(reporter_id, album, report_id) for album in albums],
    )


async def by_album(db: Database, reporter_id: int, album: str) -> Report | None:
    row = await db.fetchone(
        f"SELECT {', '.join('r.' + c.strip() for c in _COLS.split(','))} FROM report_albums a "
        "JOIN reports r ON r.id = a.report_id WHERE a.reporter_id = ? AND a.album = ?",
        (reporter_id, album),
    )
    return _report(row) if row else None


async def holding_photos(db: Database, house_id: int, stage: int, sha256s: Sequence[str],
                         since: str) -> Report | None:
    """The latest report on this house and stage received since `since` that holds one of these
    photos, byte for byte: the same album sent again, not new evidence."""
    if not sha256s:
        return None
    marks = ", ".join("?" * len(sha256s))
    row = await db.fetchone(
        f"SELECT {', '.join('r.' + c.strip() for c in _COLS.split(','))} FROM reports r "
        f"WHERE r.house_id = ? AND r.stage = ? AND r.received_at >= ? AND EXISTS "
        f"(SELECT 1 FROM photos p WHERE p.report_id = r.id AND p.sha256 IN ({marks})) "
        "ORDER BY r.id DESC LIMIT 1",
        (house_id, stage, since, *sha256s),
    )
    return _report(row) if row else None


async def add_photos(db: Database, report_id: int, photos: Sequence[StoredPhoto]) -> None:
    """Append photos to a report, numbered after the ones it has."""
    last = int(await db.scalar("SELECT coalesce(max(position), 0) FROM photos WHERE report_id = ?",
                               (report_id,)) or 0)
    await _insert_photos(db, report_id, photos, last + 1)


async def _insert_photos(db: Database, report_id: int, photos: Sequence[StoredPhoto], first: int) -> None:
    """An album's photos in one statement and their hash keys in one more: a chat turn holds the
    one write lock while it runs, and each statement is a round trip (on PostgreSQL) or a step of
    the event loop."""
    if not photos:
        return
    rows = [(report_id, i, p.sha256, p.normalized, p.thumb, p.original, p.width, p.height, p.taken_at,
             p.lat, p.lon, p.phash) for i, p in enumerate(photos, first)]
    # phash and band0..3 held the 64-bit hash before migration 013; `scene` replaces them.
    values, params = many_rows(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?)")
    made = await db.fetchall(
        "INSERT INTO photos (report_id, position, sha256, normalized, thumb, original, width, "
        f"height, taken_at, lat, lon, phash, band0, band1, band2, band3, scene) VALUES {values} "
        "RETURNING position, id",  # in no promised order: matched by position
        params,
    )
    photo_ids = {int(position): int(photo_id) for position, photo_id in made}
    keys = [(key, photo_ids[i]) for i, p in enumerate(photos, first) for key in index_keys(p.phash)]
    if keys:
        await db.executemany("INSERT INTO photo_keys (key, photo_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             keys)


async def count(db: Database) -> int:
    return int(await db.scalar("SELECT count(*) FROM reports") or 0)


async def recent_houses(db: Database, reporter_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(id, code, household head) of the houses a person reported on, the latest first."""
    rows = await db.fetchall(
        "SELECT h.id, h.code, h.household_head FROM reports r JOIN houses h ON h.id = r.house_id "
        "WHERE r.reporter_id = ? GROUP BY h.id ORDER BY max(r.received_at) DESC, max(r.id) DESC LIMIT ?",
        (reporter_id, limit),
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def waiting_on(db: Database, house_id: int) -> Report | None:
    """The latest report on a house that still waits for an officer."""
    row = await db.fetchone(
        f"SELECT {_COLS} FROM reports WHERE house_id = ? AND review_state = 'pending' "
        "ORDER BY received_at DESC, id DESC LIMIT 1", (house_id,))
    return _report(row) if row else None


@dataclass(frozen=True)
class Mine:
    """One of a volunteer's own reports, as they see it in their list."""

    id: int
    house_code: str
    stage: int
    received_at: str
    review_state: str
    reason: str | None
    photos: int


async def by_reporter(db: Database, reporter_id: int, limit: int) -> list[Mine]:
    rows = await db.fetchall(
        "SELECT r.id, h.code, r.stage, r.received_at, r.review_state, r.review_reason, "
        "(SELECT count(*) FROM photos p WHERE p.report_id = r.id) "
        "FROM reports r JOIN houses h ON h.id = r.house_id WHERE r.reporter_id = ? "
        "ORDER BY r.received_at DESC, r.id DESC LIMIT ?", (reporter_id, limit))
    return [Mine(*(r[i] for i in range(7))) for r in rows]
