"""One of the processes of tests/test_concurrent_writers.py: adds houses to a commune and moves
them through the stages, each change its own transaction, as reports arriving at once would."""

from __future__ import annotations

import asyncio
import sys

from storage import houses, units
from storage.db import Database


async def write(target: str, prefix: str, count: int) -> None:
    db = await Database.open(target)
    try:
        commune = await units.by_code(db, "C1")
        assert commune is not None
        for i in range(count):
            async with db.transaction():
                house_id = await houses.upsert(db, f"{prefix}-{i}", commune.id, "Hộ", "poor", "new",
                                               None, None, None)
            for stage in range(1, 1 + i % 4):
                async with db.transaction():
                    await houses.set_stage(db, house_id, stage, f"2026-08-{10 + stage}T01:00:00+00:00")
            if i % 5 == 0:  # an officer's correction backward, outside any transaction
                await houses.correct_stage(db, house_id, i % 4, 0, "2026-08-20T01:00:00+00:00")
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(write(sys.argv[1], sys.argv[2], int(sys.argv[3])))
