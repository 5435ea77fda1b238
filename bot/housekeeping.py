"""What the bot tidies by itself: photo files that never became part of a report.

A volunteer who sends photos and then cancels (or walks away from) the report leaves pictures of a
household on the disk that no report owns and nobody can see. Two days after such a photo last
arrived, if neither a report nor an open draft holds it, its files are deleted
(storage/photos/sweep.py does the work; this is what the scheduler calls).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from handlers.context import Context
from storage.db import unreachable
from storage.photos.sweep import sweep_unused
from storage.times import to_db

log = logging.getLogger(__name__)

UNUSED_FOR = timedelta(days=2)


async def sweep_photos(ctx: Context, *, wall: Callable[[], float] = time.time) -> int:
    """Delete the files of unused photos; returns how many files went."""
    try:
        removed = await sweep_unused(ctx.db, ctx.photos, before=to_db(ctx.now() - UNUSED_FOR),
                                     stamp=ctx.stamp, wall=wall)
    except Exception as exc:
        if not unreachable(exc):
            raise
        # The next sweep, hours on, does it: one line instead of the scheduler's traceback.
        log.warning("unused photos not swept: the database is unreachable (%s)", type(exc).__name__)
        return 0
    if removed:
        log.info("deleted %d files of photos no report kept", removed)
    return removed
