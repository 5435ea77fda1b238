"""Benchmark: the officers' queries on a national-scale campaign.

    .venv/bin/python bench/query.py [--scale 1.0] [--repeats 200] [--db FILE]
    .venv/bin/python bench/query.py --grow [--scale 0.1]
    .venv/bin/python bench/query.py --database postgresql://user@host/db   (or --database throwaway)

Generates in SQLite, with the real migrations and triggers: 34 provinces and 3,321 communes under
one national unit, 334,234 houses and 1.5 million reports at --scale 1 (houses and reports scale,
the tree does not: it is fixed by law, not by the campaign's size), plus photos for the reports of
the province that is exported. Then times /tiendo, adds one million contributions at --scale 1
(through the triggers that keep their rollup) and times it again, with the ratio, and then,
through the real handler core (Core.handle, the way a channel calls it):

- /tiendo of a national, a province and a commune officer, with the chart already drawn (it is
  drawn once per distinct set of figures) and, separately, with the chart drawn every time;
- /xuat of that province (a workbook of its units, houses and reports, written in a worker thread).

--grow generates --scale and 10 x --scale and compares them (default 0.1 vs 1.0: 33k vs 334k
houses, 150k vs 1.5M reports). Prints one line per level: p50 and p95 in milliseconds.
Exits 1 if a target is missed: /tiendo p95 under 50 ms at every level, 10x data costing at most
2x the time, the province export under 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from handlers.clock import FixedClock  # noqa: E402
from handlers.settings import CampaignSettings, Deadline, Settings  # noqa: E402
from handlers.types import Incoming, parse_command  # noqa: E402
from storage import units  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.export import export_reports  # noqa: E402

PROVINCES = 34
COMMUNES = 3321
HOUSES = 334_234
REPORTS = 1_500_000
CONTRIBUTIONS = 1_000_000   # money, workdays, materials entries (454,318 contributors nationally)
NOW = datetime(2025, 8, 20, 9, 0, tzinfo=UTC)
START = NOW - timedelta(days=480)    # the campaign began in April 2024
BATCH = 50_000
P95_TARGET_MS = 50.0
GROWTH_TARGET = 2.0
EXPORT_TARGET_S = 10.0
CATEGORIES = ("poor", "near_poor", "disaster", "merit")
EXPORTED = 0   # index of the province made the biggest; /xuat exports it, and a middle-sized one
MIDDLE = 1     # index of a province made middle-sized (the average province has ~98 communes)


@dataclass(frozen=True)
class Campaign:
    path: Path
    database: str | Path    # where the bot reads it: the SQLite file, or a PostgreSQL copy of it
    houses: int
    reports: int
    national: str
    province: str
    commune: str


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def generate(path: Path, scale: float, seed: int = 7) -> Campaign:
    """A campaign of the given scale in a fresh SQLite file, through executemany in big transactions."""
    asyncio.run(_migrate(path))
    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    n_houses, n_reports = round(HOUSES * scale), round(REPORTS * scale)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO units (id, code, name, name_key, parent_id, quota, path, depth) "
                 "VALUES (1, 'VN', 'Cả nước', 'ca nuoc', NULL, NULL, '/1/', 0)")
    # Provinces differ a lot in size (a few dozen to 170 communes): weights make that so.
    weights = [rnd.uniform(0.3, 3.0) for _ in range(PROVINCES)]
    weights[EXPORTED] = max(weights) * 1.2
    weights[MIDDLE] = sum(weights) / len(weights)
    per_province = _split(COMMUNES, weights, rnd)
    units_rows, commune_ids = [], []
    next_id = 2
    province_ids = []
    for p in range(PROVINCES):
        pid = next_id
        next_id += 1
        province_ids.append(pid)
        units_rows.append((pid, f"T{p + 1:02d}", f"Tỉnh Số {p + 1}", f"tinh so {p + 1}", 1, None,
                           f"/1/{pid}/", 1))
        for c in range(per_province[p]):
            cid = next_id
            next_id += 1
            commune_ids.append((cid, pid))
            units_rows.append((cid, f"T{p + 1:02d}X{c + 1:03d}", f"Xã Đông Hưng {p + 1}-{c + 1}",
                               f"xa dong hung {p + 1}-{c + 1}", pid, 0, f"/1/{pid}/{cid}/", 2))
    conn.executemany("INSERT INTO units (id, code, name, name_key, parent_id, quota, path, depth) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", units_rows)
    users = [(i + 1, "bench", f"v{i + 1}", f"Tình nguyện viên {i + 1}", "volunteer", cid, stamp(START))
             for i, (cid, _) in enumerate(commune_ids)]
    conn.executemany("INSERT INTO users (id, channel, external_id, display_name, role, unit_id, joined_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", users)
    volunteer_of = {cid: i + 1 for i, (cid, _) in enumerate(commune_ids)}
    officers = [("o-vn", 1), ("o-prov", province_ids[EXPORTED]), ("o-prov2", province_ids[MIDDLE]),
                ("o-xa", next(c for c, p in commune_ids if p == province_ids[EXPORTED]))]
    for name, unit_id in officers:
        conn.execute("INSERT INTO users (channel, external_id, display_name, role, unit_id, joined_at) "
                     "VALUES ('bench', ?, ?, 'officer', ?, ?)", (name, name, unit_id, stamp(START)))
    conn.execute("COMMIT")

    commune_weights = [rnd.uniform(0.2, 2.0) for _ in commune_ids]
    houses_per_commune = _split(n_houses, commune_weights, rnd)
    quotas = []
    for (cid, _), count in zip(commune_ids, houses_per_commune, strict=True):
        # Lists lag quotas a little, and some communes were given more than they listed.
        quotas.append((count + rnd.choice((0, 0, 0, 1, 2)), cid))
    conn.execute("BEGIN")
    conn.executemany("UPDATE units SET quota = ? WHERE id = ?", quotas)
    conn.execute("UPDATE units SET quota = (SELECT sum(quota) FROM units c WHERE c.parent_id = units.id) "
                 "WHERE depth = 1")
    conn.execute("COMMIT")

    house_units = [cid for (cid, _), count in zip(commune_ids, houses_per_commune, strict=True)
                   for _ in range(count)]
    span = (NOW - START).total_seconds()
    reports_left = n_reports
    house_id = report_id = 0
    exported = {province_ids[EXPORTED], province_ids[MIDDLE]}
    province_of = dict(commune_ids)
    for chunk_start in range(0, n_houses, BATCH):
        chunk = house_units[chunk_start:chunk_start + BATCH]
        house_rows, report_rows, photo_rows = [], [], []
        for unit_id in chunk:
            house_id += 1
            stage = rnd.choices((0, 1, 2, 3), (10, 20, 30, 40))[0]
            # Progress speeds up towards the deadline: square-root skew to the recent end.
            at = START + timedelta(seconds=span * rnd.random() ** 0.5)
            per_house = max(0, round(reports_left / max(1, n_houses - house_id + 1) + rnd.uniform(-1, 1)))
            per_house = min(per_house, reports_left) if stage else 0
            reports_left -= per_house
            last = None
            for k in range(per_house):
                report_id += 1
                received = at - timedelta(days=(per_house - k - 1) * rnd.uniform(1, 9))
                last = stamp(received)
                report_stage = max(1, min(3, stage - (per_house - k - 1)))
                state = "pending" if rnd.random() < 0.01 else "accepted"
                report_rows.append((report_id, house_id, volunteer_of[unit_id], report_stage, last, state))
                if province_of[unit_id] in exported:
                    for position in (1, 2):
                        sha = f"{report_id:032x}{position:032x}"
                        photo_rows.append((report_id, position, sha, f"{sha[:2]}/{sha}.jpg",
                                           f"{sha[:2]}/{sha}.thumb.jpg", report_id * 4 + position))
            house_rows.append((house_id, f"N{house_id:07d}", unit_id, f"Nguyễn Văn Hộ {house_id}",
                               f"nguyen van ho {house_id}", CATEGORIES[house_id % 4],
                               "new" if house_id % 3 else "repair", stage,
                               stamp(at) if stage else None, last))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO houses (id, code, unit_id, household_head, head_key, category, support_type, stage, "
            "stage_at, last_report_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", house_rows)
        conn.executemany(
            "INSERT INTO reports (id, house_id, reporter_id, stage, received_at, review_state) "
            "VALUES (?, ?, ?, ?, ?, ?)", report_rows)
        conn.executemany(
            "INSERT INTO photos (report_id, position, sha256, normalized, thumb, width, height, phash, "
            "band0, band1, band2, band3) VALUES (?, ?, ?, ?, ?, 2048, 1536, ?, 0, 0, 0, 0)", photo_rows)
        conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    prov_code = f"T{EXPORTED + 1:02d}"
    return Campaign(path, path, n_houses, report_id, "VN", prov_code, f"{prov_code}X001")


def add_contributions(path: Path, scale: float, seed: int = 11) -> int:
    """Contributions through the real triggers (014_contributions.sql), which keep the per-unit,
    per-source-type sums /tiendo reads: the insert pays for the rollup, as in the bot."""
    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-400000")
    houses = conn.execute("SELECT id, unit_id FROM houses").fetchall()
    volunteer_of = dict(conn.execute("SELECT unit_id, min(id) FROM users WHERE role = 'volunteer' "
                                     "GROUP BY unit_id").fetchall())
    span = (NOW - START).days
    total = round(CONTRIBUTIONS * scale)
    made = 0
    while made < total:
        rows = []
        for _ in range(min(BATCH, total - made)):
            house_id, unit_id = rnd.choice(houses)
            if rnd.random() < 0.1:                    # to the commune's fund rather than one house
                house_id = None
            kind = rnd.choices(("workdays", "money", "materials"), (50, 35, 15))[0]
            source = rnd.choices(("state", "social", "community", "household"), (20, 30, 35, 15))[0]
            day = (START + timedelta(days=rnd.randrange(span))).date().isoformat()
            if kind == "workdays":
                rows.append((kind, unit_id, house_id, "community", volunteer_of.get(unit_id), None, None,
                             rnd.randint(1, 6), day))
            else:
                rows.append((kind, unit_id, house_id, source, None, f"Doanh nghiệp {rnd.randrange(5000)}",
                             rnd.randrange(1, 400) * 100_000, None, day))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO contributions (kind, unit_id, house_id, source_type, source_user, source_name, "
            "value, workdays, day, entered_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '2025-08-20T02:00:00+00:00')", rows)
        conn.execute("COMMIT")
        made += len(rows)
    conn.execute("ANALYZE")
    conn.close()
    return made


async def _migrate(path: Path) -> None:
    db = await Database.open(path)
    await db.close()


def _split(total: int, weights: list[float], rnd: random.Random) -> list[int]:
    """`total` spread over len(weights) parts in proportion, every part at least 1 when possible."""
    s = sum(weights)
    parts = [max(1 if total >= len(weights) else 0, int(total * w / s)) for w in weights]
    diff = total - sum(parts)
    i = 0
    while diff:
        j = i % len(parts)
        if diff > 0:
            parts[j] += 1
            diff -= 1
        elif parts[j] > 1:
            parts[j] -= 1
            diff += 1
        i += 1
    return parts


# ---------------------------------------------------------------------------------------------
# Timing


def settings() -> Settings:
    deadline = Deadline("Hoàn thành, bàn giao chào mừng Quốc khánh 02/9", date(2025, 9, 2), 3, "",
                        ("officers",), (7,), datetime.min.time())
    return Settings(campaign=CampaignSettings(deadlines=(deadline,)))


async def _ask(app: App, officer: str, text: str) -> float:
    command, args = parse_command(text)
    started = time.perf_counter()
    replies = await app.core.handle(Incoming(channel="bench", user_id=officer, text=text, command=command,
                                             args=args))
    elapsed = time.perf_counter() - started
    assert replies, text
    return elapsed


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples) or [float("nan")]
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


async def time_queries(camp: Campaign, media: Path, repeats: int,
                       cold: int) -> dict[str, tuple[float, float]]:
    app = await App.open(settings(), clock=FixedClock(NOW), database=camp.database, media_dir=media)
    results: dict[str, tuple[float, float]] = {}
    try:
        for level, officer in (("national", "o-vn"), ("province", "o-prov"), ("commune", "o-xa")):
            await _ask(app, officer, "/tiendo")  # draws the chart once, as the first officer to ask would
            samples = [await _ask(app, officer, "/tiendo") for _ in range(repeats)]
            results[f"/tiendo {level}"] = percentiles(samples)
            drawn = []
            for _ in range(cold):
                for old in (media / "charts").glob("*.png"):
                    old.unlink()
                drawn.append(await _ask(app, officer, "/tiendo"))
            if drawn:
                results[f"/tiendo {level}, chart drawn"] = percentiles(drawn)
            if cold:   # /khenthuong reads the people with most workdays and reports: no rollup there
                awards = [await _ask(app, officer, "/khenthuong") for _ in range(cold)]
                results[f"/khenthuong {level}"] = percentiles(awards)
    finally:
        await app.close()
    return results


async def time_export(camp: Campaign, media: Path, runs: int) -> dict[str, tuple[float, float]]:
    app = await App.open(settings(), clock=FixedClock(NOW), database=camp.database, media_dir=media)
    results = {}
    try:
        for officer, size in (("o-prov", "largest"), ("o-prov2", "average")):
            samples = [await _ask(app, officer, "/xuat") for _ in range(runs)]
            counts = await app.db.fetchone(
                "SELECT count(DISTINCT h.id), count(r.id) FROM users o JOIN units p ON p.id = o.unit_id "
                "JOIN units u ON u.path >= p.path AND u.path < p.path || ? "
                "JOIN houses h ON h.unit_id = u.id LEFT JOIN reports r ON r.house_id = h.id "
                "WHERE o.external_id = ?", ("\uffff", officer))
            assert counts is not None
            name = f"/xuat {size} province ({counts[0]:,} houses, {counts[1]:,} reports)"
            results[name] = percentiles(samples)
        # `chungtay export --format csv --unit CODE`: every report of the subtree, one row each.
        unit_id = await app.db.scalar("SELECT unit_id FROM users WHERE external_id = 'o-prov'")
        within = await units.get(app.db, unit_id)
        assert within is not None
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            written = await export_reports(app.db, media / "reports.csv", "csv", app.ctx.clock.tz, within)
            samples.append(time.perf_counter() - started)
        results[f"CSV export, largest province ({written:,} reports)"] = percentiles(samples)
    finally:
        await app.close()
    return results


def report(rows: dict[str, tuple[float, float]], label: str) -> None:
    for name, (p50, p95) in rows.items():
        print(f"{label:>6}  {name:<52} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)


def build(folder: Path, scale: float, db: Path | None) -> Campaign:
    path = db or folder / f"campaign-{scale:g}.sqlite"
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    camp = generate(path, scale)
    size = path.stat().st_size / 2**20
    print(f"generated scale {scale:g}: {camp.houses:,} houses, {camp.reports:,} reports, "
          f"{size:,.0f} MiB in {time.perf_counter() - started:.0f} s", flush=True)
    return camp


def run_one(camp: Campaign, folder: Path, label: str, repeats: int, cold: int,
            export_runs: int) -> dict[str, tuple[float, float]]:
    media = folder / f"media-{label}"
    rows = asyncio.run(time_queries(camp, media, repeats, cold))
    if export_runs:
        rows.update(asyncio.run(time_export(camp, media, export_runs)))
    report(rows, label)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 334,234 houses, 1.5M reports")
    parser.add_argument("--repeats", type=int, default=200, help="timed /tiendo per level")
    parser.add_argument("--cold", type=int, default=5, help="timed /tiendo per level drawing the chart")
    parser.add_argument("--exports", type=int, default=3, help="timed /xuat runs")
    parser.add_argument("--grow", action="store_true", help="compare --scale with 10 x --scale")
    parser.add_argument("--db", type=Path, help="keep the generated database in this file")
    parser.add_argument("--database", help="also copy the campaign into this empty PostgreSQL database "
                        "(postgresql://...; 'throwaway': a server started for the run, as the tests "
                        "start theirs) and time the same queries there, beside SQLite's")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="chungtay-bench-") as tmp:
        folder = Path(tmp)
        if not args.grow:
            camp = build(folder, args.scale, args.db)
            before = run_one(camp, folder, "before", args.repeats, 0, 0)
            started = time.perf_counter()
            made = add_contributions(camp.path, args.scale)
            print(f"added {made:,} contributions in {time.perf_counter() - started:.0f} s", flush=True)
            rows = run_one(camp, folder, f"{args.scale:g}x", args.repeats, args.cold, args.exports)
            for name, (_, p95) in before.items():
                # The same queries in the same process, before the contributions and after: the
                # /tiendo line they add is the difference.
                print(f"ratio   {name:<52} p95 x{rows[name][1] / p95:.2f} with {made:,} contributions",
                      flush=True)
            ok = _check(rows)
            if args.database:
                ok &= on_postgres(camp, folder, args, rows)
        else:
            small = run_one(build(folder, args.scale, None), folder, f"{args.scale:g}x", args.repeats,
                            args.cold, 0)
            big_scale = args.scale * 10
            big = run_one(build(folder, big_scale, args.db), folder, f"{big_scale:g}x", args.repeats,
                          args.cold, 0)
            for name in small:
                if "chart drawn" in name:
                    continue
                ratio = big[name][1] / small[name][1]
                print(f"growth  {name:<52} p95 x{ratio:.2f} for 10x the data", flush=True)
                ok &= ratio <= GROWTH_TARGET
            ok &= _check(big)
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def on_postgres(camp: Campaign, folder: Path, args: argparse.Namespace,
                sqlite_rows: dict[str, tuple[float, float]]) -> bool:
    """The same campaign copied into PostgreSQL by `chungtay migrate`'s code, the same queries
    timed there, each printed beside SQLite's figure of this run."""
    server = None
    dsn = args.database
    if dsn == "throwaway":
        from tests import pg

        server = pg.for_benchmark()
        if server is None:
            return False
        dsn = asyncio.run(server.fresh())
    try:
        started = time.perf_counter()
        problems = asyncio.run(_copy(camp.path, dsn))
        print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s"
              + (f"; DIFFERENCES: {problems}" if problems else "; counts and rollups match"), flush=True)
        if problems:
            return False
        on_pg = dataclasses.replace(camp, database=dsn)
        rows = run_one(on_pg, folder, "pg", args.repeats, args.cold, args.exports)
        for name, (_, p95) in rows.items():
            if name in sqlite_rows:
                print(f"pg/sql  {name:<52} p95 {p95:8.1f} ms vs {sqlite_rows[name][1]:8.1f} ms "
                      f"(x{p95 / sqlite_rows[name][1]:.2f})", flush=True)
        return _check(rows)
    finally:
        if server is not None:
            server.stop()


async def _copy(source_path: Path, dsn: str) -> list[str]:
    from storage import transfer

    source = await Database.open(source_path)
    target = await Database.open(dsn)
    try:
        if not await transfer.is_empty(target):
            return [f"{dsn.split('@')[-1]} is not empty"]
        return await transfer.copy_campaign(source, target)
    finally:
        await target.close()
        await source.close()


def _check(rows: dict[str, tuple[float, float]]) -> bool:
    ok = True
    for name, (_, p95) in rows.items():
        if name.startswith("/tiendo") and "chart drawn" not in name:
            ok &= p95 < P95_TARGET_MS
        if name.startswith("/xuat"):
            ok &= p95 < EXPORT_TARGET_S * 1000
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
