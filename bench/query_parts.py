"""Benchmark: /tiendo and /khenthuong beside the parts they are made of, interleaved, on a kept
database (made by `bench/query.py --db FILE`, which adds the contributions; or a PostgreSQL copy
of it, `bench/query.py --db FILE --database postgresql://...`), so a loaded machine slows every part
alike and the shares stay readable.

    .venv/bin/python bench/query_parts.py --db FILE [--rounds 100] [--levels national,province]
    .venv/bin/python bench/query_parts.py --db postgresql://... [--rounds 100]

Each round: one /tiendo through the core (Core.handle), then each of the storage reads it is made
of, alone: the progress rollup, the contributions line (`contributions.area_sums`), the reviews
waiting (`evidence.waiting`), the unit's path of names. Prints p50 and p95 in milliseconds, the
process's CPU time beside the wall-clock time, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import query as q
from bot.app import App
from handlers.clock import FixedClock
from handlers.figures import PACE_DAYS, pace_since
from storage import contributions, evidence, progress, units
from storage.models import Unit

LEVELS = {"national": ("o-vn", "VN"), "province": ("o-prov", "T01"), "commune": ("o-xa", "T01X001")}


async def _timed(work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started


def _cpu() -> float:
    """CPU seconds of this process and its children (a PostgreSQL server is not among them)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def parts(app: App, unit: Unit) -> dict[str, Callable[[], Awaitable[object]]]:
    db = app.db
    since = pace_since(q.NOW)
    return {
        "  its progress rollup": lambda: progress.rollup(db, unit, 3, since, PACE_DAYS),
        "  its contributions line": lambda: contributions.area_sums(db, unit),
        "  its reviews waiting": lambda: evidence.waiting(db, unit.path),
        "  its path of names": lambda: units.path_names(db, unit),
    }


async def main(database: str | Path, rounds: int, levels: list[str], awards: int, media: Path) -> None:
    app = await App.open(q.settings(), clock=FixedClock(q.NOW), database=database, media_dir=media)
    try:
        made = await app.db.scalar("SELECT count(*) FROM contributions")
        print(f"{app.db.dialect}: {made:,} contributions", flush=True)
        for level in levels:
            officer, code = LEVELS[level]
            unit = await units.by_code(app.db, code)
            assert unit is not None
            await q._ask(app, officer, "/tiendo")
            reads = parts(app, unit)
            samples: dict[str, list[float]] = {f"/tiendo {level}": [], **{name: [] for name in reads}}
            cpu, wall = _cpu(), time.perf_counter()
            for _ in range(rounds):
                samples[f"/tiendo {level}"].append(await q._ask(app, officer, "/tiendo"))
                for name, read in reads.items():
                    samples[name].append(await _timed(read))
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
            for name, times in samples.items():
                p50, p95 = q.percentiles(times)
                print(f"{name:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"  {rounds} rounds: wall {wall:.2f} s, this process's CPU {cpu:.2f} s; load {load}",
                  flush=True)
            if awards:
                taken = [await q._ask(app, officer, "/khenthuong") for _ in range(awards)]
                p50, p95 = q.percentiles(taken)
                print(f"{'/khenthuong ' + level:<32} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
    finally:
        await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the kept SQLite file, or a postgresql:// DSN")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--levels", default="national,province", help=f"of {','.join(LEVELS)}")
    parser.add_argument("--awards", type=int, default=3, help="timed /khenthuong per level")
    args = parser.parse_args()
    target: str | Path = args.db if args.db.startswith("postgresql://") else Path(args.db)
    with tempfile.TemporaryDirectory(prefix="query-parts-") as charts:
        asyncio.run(main(target, args.rounds, args.levels.split(","), args.awards, Path(charts)))
