"""Benchmark: /tiendo and /khenthuong beside the parts they are made of, interleaved, on a kept
database (made by `bench/query.py --db FILE`, which adds the contributions), so a loaded machine
slows every part alike and the shares stay readable.

    .venv/bin/python bench/query_parts.py --db FILE [--rounds 100]

Each round: one /tiendo through the core (Core.handle), then the contributions line's query alone
(`contributions.area_sums`), then the progress rollup alone. Prints p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import query as q
from bot.app import App
from handlers.clock import FixedClock
from handlers.figures import PACE_DAYS, pace_since
from storage import contributions, progress, units


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


async def main(db: Path, rounds: int) -> None:
    app = await App.open(q.settings(), clock=FixedClock(q.NOW), database=db, media_dir=db.parent / "media")
    try:
        print(f"contributions: {await app.db.scalar('SELECT count(*) FROM contributions'):,}")
        for level, officer, code in (("national", "o-vn", "VN"), ("province", "o-prov", "T01")):
            unit = await units.by_code(app.db, code)
            assert unit is not None
            await q._ask(app, officer, "/tiendo")
            whole, line, roll = [], [], []
            for _ in range(rounds):
                whole.append(await q._ask(app, officer, "/tiendo"))
                line.append(await _timed(lambda u=unit: contributions.area_sums(app.db, u)))
                roll.append(await _timed(lambda u=unit: progress.rollup(app.db, u, 3, pace_since(q.NOW),
                                                                         PACE_DAYS)))
            for name, samples in ((f"/tiendo {level}", whole), ("  its contributions line", line),
                                  ("  its progress rollup", roll)):
                p50, p95 = q.percentiles(samples)
                print(f"{name:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
            awards = [await q._ask(app, officer, "/khenthuong") for _ in range(3)]
            p50, p95 = q.percentiles(awards)
            print(f"{'/khenthuong ' + level:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
    finally:
        await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.db, args.rounds))
