"""Receivers and workers under a burst: one `chungtay run --role receive` and N `--role work`
processes on one PostgreSQL, against the Telegram emulator (which runs in this process).

(a) The album burst: every volunteer (50) sends an album of 3 photos at the same moment, as
    bench/ingest.py does for one process; timed from sending the album to its receipt. Run on the
    receiver and N workers, and, as the baseline, on one `chungtay run --role all` on the same
    PostgreSQL. On PostgreSQL the bot's sends are paced by the database for all its processes
    (bot/channels/telegram/pace.py: 25 at once, then 28 a second, from the bot's first send), which
    sets a floor under p95, counted from the first receipt, that each line prints.
(b) The CPU-bound burst: 200 volunteers each send an album of 3 full-size 12-megapixel JPEGs as
    FILES (documents: Telegram makes no smaller sizes of a file, so the worker decodes every one,
    at half scale, and re-encodes it at 2048 px, and keeps the original). Run with 1 worker and
    with N workers, one after the other in this run; prints how long each took from the first
    album to the last receipt, and the ratio.

Beside every wall-clock figure: CPU per album of each process (the receiver, the workers with
their photo helper processes, the PostgreSQL server, this process with the emulator), the machine
and its load average before and after.

    .venv/bin/python -u bench/ingest.py --database throwaway --workers 2
    .venv/bin/python -u bench/ingest.py --database postgresql://user@host/db --workers 2 \
        [--users 50] [--file-users 200] [--photo-processes 1] [--only albums|files]

--database throwaway starts a PostgreSQL server for the run (tests/pg.py, as bench/query.py does)
and gives each configuration a fresh database. A DSN must name an empty database the benchmark
may wipe: its public schema is dropped and made again before each configuration.
--photo-processes: `[storage] photo_processes` of each worker in (b) (default 1: a worker then
decodes one photo at a time, so N workers are N decoders, and 1 against N compares workers, not
helper pools; the deployment's default, min(4, cores), lets one worker use every core already).
The 12-MP JPEGs are made once with Pillow and kept under /tmp/workers/photos12mp/.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.albums import ALBUM, helper_cpu, load, machine, process_cpu  # noqa: E402
from bench.ingest import (  # noqa: E402
    TOKEN,
    Timings,
    _volunteers,
    album_burst,
    pct,
    phone_photo,
    quiet_limiter,
)
from bot.app import App  # noqa: E402
from bot.channels.telegram.pace import OVERALL_BURST, OVERALL_PER_SECOND  # noqa: E402
from handlers.settings import Settings  # noqa: E402
from tests.emulators.tgemu import BotApiEmulator, SimUser  # noqa: E402
from tests.images import scene  # noqa: E402

if TYPE_CHECKING:
    from tests.pg import Server

PHOTO_DIR = Path("/tmp/workers/photos12mp")
FULL_SIZE = (4000, 3000)   # 12 MP, as a phone's main camera saves it
RECEIPT = "Đã nhận báo cáo"


# --- the 12-megapixel photos ------------------------------------------------------------------

def _noise() -> Image.Image:
    """Sensor-like grain, a little larger than a photo, so each photo takes another crop of it."""
    return Image.effect_noise((FULL_SIZE[0] + 97, FULL_SIZE[1] + 89), 28).convert("RGB")


def full_size_jpeg(seed: int, grain: Image.Image) -> bytes:
    """A photo-like 12-MP JPEG of 3-5 MB: a scene of its own (so no two share a perceptual hash)
    softened like a lens does, with grain over it, at a phone camera's quality."""
    small = scene(seed, (FULL_SIZE[0] // 4, FULL_SIZE[1] // 4)).filter(ImageFilter.GaussianBlur(6))
    picture = small.resize(FULL_SIZE, Image.Resampling.BICUBIC)
    dx, dy = seed * 37 % 97, seed * 53 % 89
    picture = Image.blend(picture, grain.crop((dx, dy, dx + FULL_SIZE[0], dy + FULL_SIZE[1])), 0.25)
    buf = io.BytesIO()
    picture.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def full_size_photos(count: int) -> list[bytes]:
    """`count` distinct 12-MP JPEGs, made once and kept under PHOTO_DIR (~0.4 s of CPU each)."""
    PHOTO_DIR.mkdir(parents=True, exist_ok=True)
    grain: Image.Image | None = None
    out = []
    for seed in range(count):
        path = PHOTO_DIR / f"{seed:04d}.jpg"
        if not path.exists():
            grain = grain or _noise()
            part = path.with_suffix(".part")
            part.write_bytes(full_size_jpeg(10_000 + seed, grain))
            part.replace(path)
        out.append(path.read_bytes())
    return out


# --- the processes ----------------------------------------------------------------------------

@dataclass
class Deployment:
    """`chungtay run` processes on one database, and where their logs go."""

    tmp: Path
    procs: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    async def start(self, name: str, role: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "CHUNGTAY_TELEGRAM_TOKEN"}
        log = (self.tmp / f"{name}.log").open("ab")
        self.procs[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(self.tmp / "config.toml"), "run",
            "--role", role, cwd=ROOT, env=env, stdout=log, stderr=log)

    async def ready(self, names: list[str], timeout: float = 120) -> None:
        """Until each named worker's log says its reminders started: the channel runs and the photo
        helper processes are warm (bot/run.py starts them first)."""
        end = time.monotonic() + timeout
        for name in names:
            while "reminders:" not in (self.tmp / f"{name}.log").read_text(errors="replace"):
                if self.procs[name].returncode is not None or time.monotonic() > end:
                    raise RuntimeError(f"{name} did not start:\n{self.log_tail(name)}")
                await asyncio.sleep(0.1)

    def log_tail(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def cpu(self) -> dict[str, tuple[float, float]]:
        """CPU seconds so far of each process: (itself, its photo helper processes)."""
        return {name: (process_cpu(p.pid), helper_cpu(p.pid)) for name, p in self.procs.items()}

    async def stop(self) -> None:
        for proc in self.procs.values():
            if proc.returncode is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def write_config(tmp: Path, emu: BotApiEmulator, dsn: str, photo_processes: int | None) -> None:
    processes = "" if photo_processes is None else f"photo_processes = {photo_processes}\n"
    (tmp / "config.toml").write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{emu.base_url}"\n'
        f'base_file_url = "{emu.base_file_url}"\n'
        f'[storage]\ndatabase = "{dsn}"\nmedia_dir = "media"\n{processes}', encoding="utf-8")


class Databases:
    """A fresh, empty database for each configuration: a new one on the throwaway server, or the
    given one wiped."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.server: Server | None = None
        if target == "throwaway":
            from tests import pg

            self.server = pg.for_benchmark()
            if self.server is None:
                raise SystemExit(1)

    async def fresh(self) -> str:
        if self.server is not None:
            return await self.server.fresh()
        import asyncpg

        conn = await asyncpg.connect(self.target)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()
        return self.target

    def server_cpu(self) -> float:
        """CPU seconds so far of the throwaway server: the postmaster and its live backends (the
        bots' pooled connections live as long as the bots). 0 for a server of someone else's."""
        if self.server is None:
            return 0.0
        pid = int((self.server.data / "postmaster.pid").read_text().split()[0])
        return process_cpu(pid) + helper_cpu(pid)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


# --- one configuration ------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    timings: Timings
    albums: int
    cpu: dict[str, float]          # CPU seconds over the burst, by process (helpers apart)
    load_after: str
    too_many: int

    def line(self, floor: float | None = None) -> str:
        times = self.timings.by_kind["album"]
        split = f"; {self.timings.split} albums answered in two parts" if self.timings.split else ""
        # The pace counts from the bot's first send: the first receipt's time moves the floor with it.
        first = min(times) * 1000
        floor_text = (f" (floor {floor:.0f} ms; first receipt {first:.0f} ms, so >= {first + floor:.0f})"
                      if floor is not None else "")
        return (f"  {self.name:30s} p50 {pct(times, .5):6.0f} ms  p95 {pct(times, .95):6.0f} ms"
                f"{floor_text}  last {self.timings.wall * 1000:6.0f} ms  "
                f"{len(times) / self.timings.wall:5.1f} albums/s; load after {self.load_after}; "
                f"429s {self.too_many}{split}")

    def cpu_line(self) -> str:
        parts = ", ".join(f"{name} {seconds / self.albums * 1000:.1f}" for name, seconds in self.cpu.items())
        total = sum(self.cpu.values()) / self.albums * 1000
        return f"    CPU per album {total:.1f} ms: {parts}"


Burst = Callable[[BotApiEmulator, list[SimUser], Callable[[], None]], Awaitable[Timings]]


async def run_config(dbs: Databases, name: str, roles: list[tuple[str, str]], n_users: int,
                     burst: Burst, photo_processes: int | None) -> Result:
    dsn = await dbs.fresh()
    with tempfile.TemporaryDirectory(prefix="chungtay-workers-") as tmp_name:
        tmp = Path(tmp_name)
        app = await App.open(Settings(), database=dsn, media_dir=tmp / "media")
        codes = await _volunteers(app, n_users)
        await app.close()
        async with BotApiEmulator(token=TOKEN) as emu:
            # Telegram's limits, as tests/channels/test_shared_inbox_process.py sets them: a 429
            # would mean the processes together sent faster than one bot may.
            emu.rate_limit(global_per_sec=30, per_chat_per_sec=1, burst=3)
            write_config(tmp, emu, dsn, photo_processes)
            deployment = Deployment(tmp)
            try:
                for proc_name, role in roles:
                    await deployment.start(proc_name, role)
                await deployment.ready([p for p, role in roles if role != "receive"])
                users = [emu.user(10_000 + i, first_name=f"TNV {i}") for i in range(n_users)]
                for user, code in zip(users, codes, strict=True):
                    user.send_text(f"/start {code}")
                for user in users:
                    await user.next_message(timeout=180)
                before: list[tuple[dict[str, tuple[float, float]], float, float]] = []

                def mark() -> None:  # when the clock starts: the uploads are not counted
                    before.append((deployment.cpu(), dbs.server_cpu(), time.process_time()))

                timings = await burst(emu, users, mark)
                procs0, server0, own0 = before[0]
                procs1, server1, own1 = deployment.cpu(), dbs.server_cpu(), time.process_time()
            except BaseException:
                for proc_name in deployment.procs:
                    print(f"--- {proc_name}:\n{deployment.log_tail(proc_name)}", flush=True)
                raise
            finally:
                await deployment.stop()
            cpu: dict[str, float] = {}
            for proc_name in procs0:
                itself = procs1[proc_name][0] - procs0[proc_name][0]
                helpers = procs1[proc_name][1] - procs0[proc_name][1]
                cpu[proc_name] = itself
                if helpers > 0.0005 * n_users:
                    cpu[f"{proc_name}'s photo helpers"] = helpers
            if dbs.server is not None:
                cpu["PostgreSQL"] = server1 - server0
            cpu["emulator (this process)"] = own1 - own0
            return Result(name, timings, n_users, cpu, load(), emu.stats.too_many_requests)


def roles_of(workers: int) -> list[tuple[str, str]]:
    return [("receiver", "receive"), *[(f"worker{k + 1}", "work") for k in range(workers)]]


def photo_burst(photos: list[bytes]) -> Burst:
    async def go(_emu: BotApiEmulator, users: list[SimUser], mark: Callable[[], None]) -> Timings:
        return await album_burst(users, photos, mark=mark)
    return go


def file_burst(photos: list[bytes]) -> Burst:
    async def go(emu: BotApiEmulator, users: list[SimUser], mark: Callable[[], None]) -> Timings:
        return await file_albums(emu, users, photos, mark)
    return go


async def file_albums(emu: BotApiEmulator, users: list[SimUser], photos: list[bytes],
                      mark: Callable[[], None]) -> Timings:
    """Every volunteer sends an album of ALBUM image files at once; timed to its receipt. The
    files are uploaded before the clock starts, as a client uploads before the message exists."""
    timings = Timings()
    uploads = [[emu.files.document(photos[i * ALBUM + k], f"IMG_{i:04d}_{k}.jpg", "image/jpeg")
                for k in range(ALBUM)] for i in range(len(users))]

    async def album(i: int, user: SimUser) -> None:
        start = time.monotonic()
        group = emu.new_media_group_id()
        for k, document in enumerate(uploads[i]):
            content = {"document": document, "media_group_id": group}
            if k == 0:
                content["caption"] = f"H{i}-1 hoàn thành"
            # SimUser.send_document sends a file alone; an album of files carries a group id.
            user._send(content)
        text = (await user.next_message(timeout=900)).text or ""
        if RECEIPT not in text:
            timings.split += 1
            while RECEIPT not in text:
                text = (await user.next_message(timeout=900)).text or ""
        timings.by_kind["album"].append(time.monotonic() - start)

    await quiet_limiter()
    mark()
    started = time.monotonic()
    try:
        await asyncio.gather(*(album(i, u) for i, u in enumerate(users)))
    finally:
        timings.wall = time.monotonic() - started
    return timings


def pace_floor_ms(receipts: int, q: float) -> float:
    """The earliest the receipt at quantile q of `receipts` sent at once can leave on PostgreSQL,
    after the first: the shared pace lets the bot's first OVERALL_BURST messages go at once, then
    one every 1/28 s."""
    nth = min(receipts, int(q * receipts) + 1)
    return max(0, nth - OVERALL_BURST) / OVERALL_PER_SECOND * 1000


# --- the run ----------------------------------------------------------------------------------

async def run(args: argparse.Namespace, dbs: Databases) -> int:
    load_before = load()
    print(f"machine: {machine()}; load average (1, 5, 15 min) {load_before} before", flush=True)
    ok = True
    if args.only in (None, "albums"):
        n = args.users
        photos = [phone_photo(seed) for seed in range(n * ALBUM)]
        print(f"(a) album burst: {n} volunteers at once, an album of {ALBUM} photos each (1280x960, "
              f"with Telegram's smaller sizes); PostgreSQL pace floor: p95 >= the "
              f"first receipt + {pace_floor_ms(n, .95):.0f} ms, last >= it + {pace_floor_ms(n, 1):.0f} ms",
              flush=True)
        for _ in range(args.repeat):
            one = await run_config(dbs, "one process (--role all)", [("all", "all")], n,
                                   photo_burst(photos), None)
            print(one.line(pace_floor_ms(n, .95)) + "\n" + one.cpu_line(), flush=True)
            shared = await run_config(dbs, f"receive + {args.workers} x work", roles_of(args.workers),
                                      n, photo_burst(photos), None)
            print(shared.line(pace_floor_ms(n, .95)) + "\n" + shared.cpu_line(), flush=True)
            p95 = pct(shared.timings.by_kind["album"], .95)
            base = pct(one.timings.by_kind["album"], .95)
            print(f"  receive + {args.workers} x work / one process, p95: {p95 / base:.2f}x; "
                  f"p95 {p95:.0f} ms (target < 1000)", flush=True)
            ok = ok and p95 < 1000
    if args.only in (None, "files"):
        n = args.file_users
        started = time.process_time()
        photos = full_size_photos(n * ALBUM)
        sizes = sorted(len(p) for p in photos)
        print(f"(b) CPU-bound burst: {n} volunteers at once, an album of {ALBUM} 12-MP JPEG files "
              f"each ({FULL_SIZE[0]}x{FULL_SIZE[1]}, {sizes[0] / 1e6:.1f} to {sizes[-1] / 1e6:.1f} MB,"
              f" {sum(sizes) / 1e9:.2f} GB in all; ready in {time.process_time() - started:.0f} s of "
              f"CPU); photo_processes = {args.photo_processes} in each worker", flush=True)
        for _ in range(args.repeat):
            walls = {}
            for workers in (1, args.workers):
                result = await run_config(dbs, f"receive + {workers} x work", roles_of(workers), n,
                                          file_burst(photos), args.photo_processes)
                print(result.line() + "\n" + result.cpu_line(), flush=True)
                walls[workers] = result.timings.wall
            ratio = walls[1] / walls[args.workers]
            print(f"  {args.workers} workers finish {ratio:.2f}x faster than 1 (target >= 1.6)",
                  flush=True)
            ok = ok and ratio >= 1.6
    print(f"load average {load_before} before, {load()} after; "
          + ("targets met" if ok else "TARGET MISSED"), flush=True)
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/ingest.py --database ... --workers N",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True,
                        help="postgresql://... of an empty database to wipe, or 'throwaway'")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=50, help="(a): volunteers sending an album")
    parser.add_argument("--file-users", type=int, default=200, help="(b): volunteers sending files")
    parser.add_argument("--photo-processes", type=int, default=1,
                        help="(b): [storage] photo_processes of each worker")
    parser.add_argument("--repeat", type=int, default=1, help="times to run each configuration")
    parser.add_argument("--only", choices=("albums", "files"))
    args = parser.parse_args(argv)
    if not args.database.startswith("postgresql://") and args.database != "throwaway":
        parser.error("--database: a postgresql:// DSN or 'throwaway' (workers share the inbox of "
                     "one PostgreSQL database)")
    dbs = Databases(args.database)
    try:
        return asyncio.run(run(args, dbs))
    finally:
        dbs.stop()
