"""Deleting the files of photos that never became part of a report.

A photo is noted (storage/photos/files.py) when it arrives. Once its note is older than the
caller's cut-off, it goes unless a report or an open draft holds it; a draft's photos are noted
again and wait for the draft.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from storage import dialogs
from storage.db import Database
from storage.photos import files
from storage.photos.pipeline import PhotoStore

# A photo being handled right now may be an old one sent again, its files found and reused a
# moment before its report is written: files touched this recently (wall clock) are left alone.
IN_FLIGHT_SECONDS = 3600
BATCH = 500


async def sweep_unused(db: Database, store: PhotoStore, *, before: str, stamp: Callable[[], str],
                       wall: Callable[[], float]) -> int:
    """Delete the files of photos last noted before `before` that nothing holds; returns how
    many files went. A draft's photos are noted again at stamp() (the time now, as stored);
    `wall` is time.time or a test's stand-in."""
    removed = 0
    while True:
        # Decided in one transaction: a report that takes one of these photos commits before
        # (and owns it) or after (and notes it again, fresh).
        async with db.transaction():
            shas = await files.older_than(db, before, BATCH)
            held = await dialogs.photo_shas(db) if shas else set()
            owned = await files.in_reports(db, shas) if shas else set()
            waiting = [s for s in shas if s in held]
            # A draft's photos wait for the draft: counted again from now.
            await files.note(db, waiting, stamp())
            await files.forget(db, [s for s in shas if s not in held])
        for sha in shas:
            if sha not in held and sha not in owned:
                removed += await asyncio.to_thread(store.remove_unused, sha, wall() - IN_FLIGHT_SECONDS)
        if len(shas) < BATCH:
            break
    return removed
