"""The progress rollups stay exact when two processes write to the same commune at once: what an
officer's /tiendo reads from progress_counts and progress_daily equals a count of the houses."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from storage import units
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
PER_PROCESS = 60


async def test_two_processes_writing_to_one_commune_keep_the_rollups_exact(database: str | Path) -> None:
    db = await Database.open(database)
    try:
        async with db.transaction():
            await units.upsert(db, "P", "Tỉnh", None, None)
            await units.upsert(db, "C1", "Xã Một", "P", None)
        writers = [await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.concurrent_writer", str(database), prefix, str(PER_PROCESS),
            cwd=ROOT)
            for prefix in ("A", "B")]
        assert [await w.wait() for w in writers] == [0, 0]

        commune = await units.by_code(db, "C1")
        assert commune is not None
        counted = {r[0]: r[1] for r in await db.fetchall(
            "SELECT stage, count(*) FROM houses GROUP BY stage")}
        kept = await db.fetchone("SELECT n0, n1, n2, n3 FROM progress_counts WHERE unit_id = ?",
                                 (commune.id,))
        assert sum(counted.values()) == 2 * PER_PROCESS
        assert kept is not None and tuple(kept) == tuple(counted.get(s, 0) for s in range(4))
        # Each house that reached a stage is in house_stages once, and in the daily moves once.
        reached = {r[0]: r[1] for r in await db.fetchall(
            "SELECT stage, count(*) FROM house_stages GROUP BY stage")}
        assert reached == {s: sum(n for st, n in counted.items() if st >= s) for s in (1, 2, 3)
                           if any(st >= s for st in counted)}
        daily = await db.fetchone("SELECT sum(n1), sum(n2), sum(n3) FROM progress_daily WHERE unit_id = ?",
                                  (commune.id,))
        # Every move forward was counted on its day, corrections backward included (the move happened).
        moves = {1: 0, 2: 0, 3: 0}
        for i in range(PER_PROCESS):
            for s in range(1, 1 + i % 4):
                moves[s] += 2
        assert daily is not None and tuple(daily) == (moves[1], moves[2], moves[3])
    finally:
        await db.close()
