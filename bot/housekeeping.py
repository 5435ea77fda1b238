"""What the bot tidies by itself: photo files that never became part of a report.

A volunteer who sends photos and then cancels (or walks away from) the report leaves pictures of a
household on the disk that no report owns and nobody can see. Two days after such a photo last
arrived, if neither a report nor an open draft holds it, its files are deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from handlers.context import Context
from storage import dialogs, photo_files
from storage.times import to_db

log = logging.getLogger(__name__)

UNUSED_FOR = timedelta(days=2)
# A photo being handled right now may be an old one sent again, its files found and reused a
# moment before its report is written: files touched this recently (wall clock) are left alone.
IN_FLIGHT_SECONDS = 3600
BATCH = 500


async def sweep_photos(ctx: Context, *, wall: Callable[[], float] = time.time) -> int:
    """Delete the files of unused photos; returns how many files went."""
    db = ctx.db
    before = to_db(ctx.now() - UNUSED_FOR)
    removed = 0
    while True:
        # Decided in one transaction: a report that takes one of these photos commits before
        # (and owns it) or after (and notes it again, fresh).
        async with db.transaction():
            shas = await photo_files.older_than(db, before, BATCH)
            held = await dialogs.photo_shas(db) if shas else set()
            owned = await photo_files.in_reports(db, shas) if shas else set()
            waiting = [s for s in shas if s in held]
            # A draft's photos wait for the draft: counted again from now.
            await photo_files.note(db, waiting, ctx.stamp())
            await photo_files.forget(db, [s for s in shas if s not in held])
        for sha in shas:
            if sha not in held and sha not in owned:
                removed += await asyncio.to_thread(ctx.photos.remove_unused, sha,
                                                   wall() - IN_FLIGHT_SECONDS)
        if len(shas) < BATCH:
            break
    if removed:
        log.info("deleted %d files of photos no report kept", removed)
    return removed
