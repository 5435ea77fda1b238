"""Benchmark: `chungtay migrate`'s copy of a national-scale campaign from SQLite into PostgreSQL.

    .venv/bin/python -u bench/transfer.py [--scale 0.1] [--db /tmp/x.sqlite] [--database postgresql://...]

Generates the campaign with bench/query.py's generator (houses, reports, photos of two provinces,
then contributions, all through SQLite's real migrations and triggers; --db keeps the file and
reuses it when it is there), then copies it with storage/transfer.py's `copy_campaign`, the code
`chungtay migrate` runs, into an empty migrated PostgreSQL database: a server started for the run
as the tests start theirs (tests/pg.py: a Unix socket, fsync off) unless --database names one.
Prints the copy's wall time, the rows copied a second, the CPU time of this process (reading
SQLite, encoding rows) and of the server's processes (from /proc: the triggers, indexes, the
rebuild, ANALYZE, the check), the load average before and after, and whether the check passed.
Exits 1 when the copy differs from its source.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import query  # noqa: E402
from storage import transfer  # noqa: E402
from storage.db import Database  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def server_cpu(data: Path | None) -> float:
    """User + system seconds of the postmaster and its children so far (0 when not ours to read)."""
    if data is None:
        return 0.0
    try:
        master = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == master or parent == master:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


async def count_rows(path: Path) -> int:
    db = await Database.open(path)
    try:
        return sum([int(await db.scalar(f"SELECT count(*) FROM {t}")) for t in await transfer.tables(db)])
    finally:
        await db.close()


async def copy(path: Path, dsn: str, data: Path | None) -> tuple[list[str], float]:
    """The copy's differences, and the server's CPU seconds for it (read before the connections
    close: a backend's time leaves /proc with it)."""
    source = await Database.open(path)
    target = await Database.open(dsn)
    try:
        if not await transfer.is_empty(target):
            return ["the target is not empty"], 0.0
        used = server_cpu(data)
        problems = await transfer.copy_campaign(source, target)
        return problems, server_cpu(data) - used
    finally:
        await target.close()
        await source.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = 334,234 houses, 1.5M reports")
    parser.add_argument("--db", type=Path, help="keep the generated SQLite campaign here (reused if present)")
    parser.add_argument("--database",
                        help="an empty migrated PostgreSQL database (default: a throwaway server)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="  %(message)s")
    path = args.db or Path(f"/tmp/chungtay-bench-transfer-{args.scale:g}.sqlite")
    if not path.exists():
        started = time.perf_counter()
        camp = query.generate(path, args.scale)
        made = query.add_contributions(path, args.scale)
        print(f"generated scale {args.scale:g}: {camp.houses:,} houses, {camp.reports:,} reports, "
              f"{made:,} contributions in {time.perf_counter() - started:.0f} s", flush=True)
    rows = asyncio.run(count_rows(path))
    print(f"source {path} ({path.stat().st_size / 2**20:,.0f} MiB): {rows:,} rows", flush=True)

    server, data, dsn = None, None, args.database
    if dsn is None:
        from tests import pg

        server = pg.for_benchmark()
        if server is None:
            return 1
        dsn = asyncio.run(server.fresh())
        data = server.data
    try:
        print(f"load before {load()} on {os.cpu_count()} cores", flush=True)
        wall, cpu = time.perf_counter(), time.process_time()
        problems, pg_cpu = asyncio.run(copy(path, dsn, data))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"copy: {wall:,.1f} s wall, {rows / wall:,.0f} rows/s; CPU {cpu:,.1f} s here, "
              f"{pg_cpu:,.1f} s in the server{'' if data else ' (not measured: not our server)'}; "
              f"load after {load()}", flush=True)
        print("DIFFERENCES: " + "; ".join(problems) if problems else "counts and rollups match", flush=True)
        return 1 if problems else 0
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
