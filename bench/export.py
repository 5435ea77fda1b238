"""Benchmark: the officers' workbook (/xuat) of the largest province alone, on a kept campaign.

    .venv/bin/python -u bench/export.py --db FILE [--scale 0.3] [--runs 3] [--sheets] [--profile 30]
    .venv/bin/python -u bench/export.py --db FILE --database throwaway          (copied, then timed)
    .venv/bin/python -u bench/export.py --db FILE --copy-to postgresql://...    (copy it once, keep it)
    .venv/bin/python -u bench/export.py --db FILE --database postgresql://...   (time that copy)

FILE is made by bench/query.py's own generation (its campaign, then its contributions) when it
does not exist, and kept: each run then times the export alone, as the /xuat worker writes it
(export_workbook on a connection of its own), without regenerating a national campaign first.
Prints wall and CPU time of each run and the load average beside them; --sheets adds the time
spent on each sheet (its reads and its XML), --profile the functions that took the most CPU.
Exits 1 if the export took longer than bench/query.py's target (10 s) in its best run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import query  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.contributions.basis import award_basis  # noqa: E402
from storage import units  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.export import export_reports, export_workbook  # noqa: E402
from storage.sheets import xlsx_stream  # noqa: E402


def cpu() -> float:
    """CPU seconds of this process and its children (the PostgreSQL server is not one of them)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def sheet_times(into: list[tuple[str, float, float]]) -> Iterator[None]:
    """(sheet, wall, CPU) of each sheet: from its start to the next one's, or to the book's close."""
    started: list[tuple[str, float, float]] = []

    def lap(title: str) -> None:
        now = (time.perf_counter(), time.process_time())
        if started:
            name, wall, proc = started.pop()
            into.append((name, now[0] - wall, now[1] - proc))
        started.append((title, *now))

    make, close = xlsx_stream.Workbook.sheet, xlsx_stream.Workbook.close

    def sheet(self: xlsx_stream.Workbook, title: str, widths: list[float]) -> xlsx_stream.Sheet:
        lap(title)
        return make(self, title, widths)

    def closed(self: xlsx_stream.Workbook) -> None:
        lap("")
        close(self)

    xlsx_stream.Workbook.sheet, xlsx_stream.Workbook.close = sheet, closed  # type: ignore[method-assign]
    try:
        yield
    finally:
        xlsx_stream.Workbook.sheet, xlsx_stream.Workbook.close = make, close  # type: ignore[method-assign]


async def export_once(database: str | Path, out: Path, officer: str, csv: bool = False) -> tuple[int, int]:
    """The workbook of `officer`'s unit, as /xuat's worker writes it; returns (houses, reports).
    With `csv`, `chungtay export --format csv --unit` of that unit instead (houses: 0)."""
    db = await Database.open(database)
    try:
        unit_id = await db.scalar("SELECT unit_id FROM users WHERE external_id = ?", (officer,))
        within = await units.get(db, unit_id)
        assert within is not None
        clock = FixedClock(query.NOW)
        if csv:
            return 0, await export_reports(db, out.with_suffix(".csv"), "csv", clock.tz, within)
        counts = await export_workbook(db, out, clock.tz, within, "Chiến dịch", clock.now(),
                                       awards=award_basis(query.settings(), clock.tz))
        return counts.houses, counts.reports
    finally:
        await db.close()


def ensure(path: Path, scale: float) -> None:
    if path.exists():
        return
    started = time.perf_counter()
    camp = query.generate(path, scale)
    made = query.add_contributions(path, scale)
    print(f"generated scale {scale:g}: {camp.houses:,} houses, {camp.reports:,} reports, {made:,} "
          f"contributions in {time.perf_counter() - started:.0f} s, kept in {path}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the kept campaign (made if missing)")
    parser.add_argument("--scale", type=float, default=0.3, help="scale of a campaign made here")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--officer", default="o-prov", help="o-prov: the largest province; o-prov2: average")
    parser.add_argument("--sheets", action="store_true", help="time each sheet")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions by CPU (one run)")
    parser.add_argument("--database", help="time on this PostgreSQL copy of --db instead ('throwaway': "
                        "a server started for the run, --db copied into it first, as bench/query.py does)")
    parser.add_argument("--copy-to", help="copy --db into this empty PostgreSQL database and stop")
    parser.add_argument("--out", type=Path, help="keep the last workbook here")
    parser.add_argument("--csv", action="store_true", help="time the CSV export of the unit instead")
    args = parser.parse_args()
    ensure(args.db, args.scale)
    if args.copy_to:
        return 0 if copy(args.db, args.copy_to) else 1
    if args.database != "throwaway":
        return time_runs(args, args.database or args.db)
    from tests import pg

    server = pg.for_benchmark()
    if server is None:
        return 1
    try:
        dsn = asyncio.run(server.fresh())
        return time_runs(args, dsn) if copy(args.db, dsn) else 1
    finally:
        server.stop()


def copy(source: Path, dsn: str) -> bool:
    started = time.perf_counter()
    problems = asyncio.run(query._copy(source, dsn))
    print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s"
          + (f"; DIFFERENCES: {problems}" if problems else "; counts and rollups match"), flush=True)
    return not problems


def time_runs(args: argparse.Namespace, database: str | Path) -> int:
    where = ("SQLite" if database == args.db else "PostgreSQL") + (" CSV" if args.csv else "")
    walls: list[float] = []
    with tempfile.TemporaryDirectory(prefix="chungtay-export-") as tmp:
        out = args.out or Path(tmp) / "book.xlsx"
        for run in range(args.runs):
            per_sheet: list[tuple[str, float, float]] = []
            profile = cProfile.Profile() if args.profile and run == args.runs - 1 else None
            before = load()
            wall, proc, main_proc = time.perf_counter(), cpu(), time.thread_time()
            with sheet_times(per_sheet) if args.sheets else _nothing():
                if profile:
                    profile.enable()
                houses, reports = asyncio.run(export_once(database, out, args.officer, args.csv))
                if profile:
                    profile.disable()
            wall, proc = time.perf_counter() - wall, cpu() - proc
            main_proc = time.thread_time() - main_proc
            walls.append(wall)
            # The main thread's CPU is the export's critical path: what it takes on an idle machine
            # with a core to spare for the reads (and PostgreSQL's server).
            print(f"{where} export {args.officer} ({houses:,} houses, {reports:,} reports): "
                  f"wall {wall:6.2f} s  CPU {proc:6.2f} s (main thread {main_proc:5.2f} s)  "
                  f"load {before} -> {load()}"
                  f"{'  (profiled)' if profile else ''}", flush=True)
            for name, w, p in per_sheet:
                print(f"    {name:<12} wall {w:6.2f} s  CPU {p:6.2f} s", flush=True)
            if profile:
                pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
        written = out.with_suffix(".csv") if args.csv else out
        print(f"{where} export: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s "
              f"of {len(walls)}; size {written.stat().st_size / 2**20:.1f} MiB", flush=True)
    return 0 if min(walls) < query.EXPORT_TARGET_S else 1


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    raise SystemExit(main())
