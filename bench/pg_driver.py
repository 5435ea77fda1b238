"""Benchmark: which PostgreSQL driver storage/db_postgres.py uses, measured on one server.

    .venv/bin/python bench/pg_driver.py [--dsn postgresql://...] [--repeats 3000]

Without --dsn it starts a throwaway server as the tests do (tests/pg.py; needs Debian's postgresql
package). Times, with a pool of each driver on the same database: a one-row read by primary key (what
most storage calls are), a 200-row read (a page of a list), and 50 small reads at once from 50 tasks
(a burst of updates). psycopg 3 with psycopg_pool runs with its binary loaders and a dict-free
tuple row factory, its fastest settings. Prints µs per call and asyncpg's ratio to psycopg
(below 1: asyncpg is faster). psycopg is not a dependency: `pip install psycopg psycopg-pool`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ONE = "SELECT id, code, name, parent_id, quota, path, depth FROM units WHERE id = $1"
MANY = "SELECT id, code, name, parent_id, quota, path, depth FROM units WHERE id <= $1 ORDER BY id"


async def timed(label: str, repeats: int, call: Callable[[int], Awaitable[object]]) -> float:
    for i in range(100):
        await call(i)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for i in range(repeats):
            await call(i)
        runs.append((time.perf_counter() - started) / repeats * 1e6)
    best = min(runs)
    print(f"  {label:<34} {best:8.1f} µs/call (median of runs {statistics.median(runs):.1f})")
    return best


async def measure(dsn: str, repeats: int) -> None:
    import asyncpg
    import psycopg
    import psycopg_pool

    setup = await asyncpg.connect(dsn)
    await setup.execute("DROP TABLE IF EXISTS units; CREATE TABLE units (id BIGINT PRIMARY KEY, code TEXT, "
                        "name TEXT, parent_id BIGINT, quota INTEGER, path TEXT, depth INTEGER)")
    await setup.executemany("INSERT INTO units VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            [(i, f"U{i}", f"Xã số {i}", i // 10 or None, 30, f"/1/{i}/", 2)
                             for i in range(1, 3400)])
    await setup.close()

    apool = await asyncpg.create_pool(dsn, min_size=10, max_size=10)
    conninfo = psycopg.conninfo.make_conninfo(dsn)
    ppool = psycopg_pool.AsyncConnectionPool(conninfo, min_size=10, max_size=10, open=False)
    await ppool.open(wait=True)
    psql_one, psql_many = ONE.replace("$1", "%s"), MANY.replace("$1", "%s")

    async def a_one(i: int) -> object:
        return await apool.fetchrow(ONE, i % 3000 + 1)

    async def p_one(i: int) -> object:
        async with ppool.connection() as conn:
            cur = await conn.execute(psql_one, (i % 3000 + 1,), binary=True)
            return await cur.fetchone()

    async def a_many(_: int) -> object:
        return await apool.fetch(MANY, 200)

    async def p_many(_: int) -> object:
        async with ppool.connection() as conn:
            cur = await conn.execute(psql_many, (200,), binary=True)
            return await cur.fetchall()

    def burst(one: Callable[[int], Awaitable[object]]) -> Callable[[int], Awaitable[object]]:
        async def call(i: int) -> object:
            return await asyncio.gather(*(one(i + k) for k in range(50)))
        return call

    results = {}
    for name, one, many in (("asyncpg", a_one, a_many), ("psycopg", p_one, p_many)):
        print(name)
        results[name] = (await timed("one row by id", repeats, one),
                         await timed("200 rows", repeats // 10, many),
                         await timed("50 one-row reads at once", repeats // 50, burst(one)))
    for label, a, p in zip(("one row", "200 rows", "burst of 50"), results["asyncpg"], results["psycopg"],
                           strict=True):
        print(f"asyncpg / psycopg, {label:<12}: {a / p:.2f}")
    await apool.close()
    await ppool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn")
    parser.add_argument("--repeats", type=int, default=3000)
    args = parser.parse_args()
    if args.dsn:
        asyncio.run(measure(args.dsn, args.repeats))
        return
    from tests import pg
    bin_dir = pg.server_bin()
    if bin_dir is None:
        sys.exit(pg.INSTALL_HINT)
    server = pg.Server(bin_dir)
    server.start()
    try:
        asyncio.run(measure(server.dsn("postgres"), args.repeats))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
