"""Benchmark: the photo pipeline in storage/photos/ against the obvious Pillow code.

    .venv/bin/python bench/photos.py [--count N] [--repeats R]

Both pipelines take a 12-megapixel phone-like JPEG to a JPEG of at most 2048 px plus a 320 px
thumbnail, written to disk (naive: exactly 2048 px; ours: 2000 px, libjpeg's 1/2 scale, which the
cap takes as it is). Prints the median time per photo of each, their ratio, and the longest stall an
event loop saw while process_async() ran. Exits 1 if ours is not at least 3x faster.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps, features

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.photos import PhotoStore

SIZE = (4000, 3000)
ORIENTATIONS = (1, 6, 1, 8, 3)  # most phones store landscape pixels and rotate through EXIF
TARGET_RATIO = 3.0


def synthetic_photo(seed: int) -> bytes:
    """A 12 MP JPEG that costs what a photo costs: smooth light, hard edges, sensor noise."""
    rnd = random.Random(seed)
    w, h = SIZE
    red = Image.linear_gradient("L").resize(SIZE)
    green = Image.linear_gradient("L").rotate(90 + rnd.randrange(180)).resize(SIZE)
    blue = Image.radial_gradient("L").resize(SIZE)
    img = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        box = (x0, y0, x0 + rnd.randrange(40, w // 3), y0 + rnd.randrange(40, h // 3))
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.rectangle(box, fill=colour)
        else:
            draw.ellipse(box, fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(1.2))  # lenses are not perfectly sharp
    noise = Image.effect_noise(SIZE, 40).convert("RGB")
    img = Image.blend(img, noise, 0.18)
    exif = Image.Exif()
    exif[0x0112] = ORIENTATIONS[seed % len(ORIENTATIONS)]
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= side:
        return size
    return (side, round(h * side / w)) if w >= h else (round(w * side / h), side)


def naive(data: bytes, out_dir: Path) -> None:
    """What one writes without thinking about cost: decode everything, then shrink twice."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        full = ImageOps.exif_transpose(img)
    full.resize(_fit(full.size, 2048), Image.Resampling.LANCZOS).save(
        out_dir / "normalized.jpg", "JPEG", quality=85)
    full.thumbnail((320, 320))
    full.save(out_dir / "thumb.jpg", "JPEG", quality=85)


def ours(data: bytes, out_dir: Path) -> None:
    PhotoStore(out_dir).process(data)


def timed(run: Callable[[bytes, Path], None], data: bytes) -> float:
    # A fresh directory each time: the store would otherwise find its earlier output and skip.
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run(data, Path(tmp))
        return time.perf_counter() - start


async def loop_stall(photos: list[bytes]) -> float:
    """Longest delay past its 10 ms sleep a ticking coroutine sees while photos are processed."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    done = False

    async def tick() -> None:
        nonlocal worst
        last = loop.time()
        while not done:
            await asyncio.sleep(0.010)
            now = loop.time()
            worst = max(worst, now - last - 0.010)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp))
        await asyncio.gather(*(store.process_async(p) for p in photos))
    done = True
    await ticker
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8, help="number of synthetic photos")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per photo and pipeline")
    args = parser.parse_args()

    print(f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, "
          f"{os.cpu_count()} CPUs")
    print(f"generating {args.count} synthetic {SIZE[0]}x{SIZE[1]} JPEGs...", flush=True)
    photos = [synthetic_photo(seed) for seed in range(args.count)]
    mean_mb = statistics.mean(len(p) for p in photos) / 1e6
    print(f"mean size {mean_mb:.1f} MB, {args.repeats} runs each, interleaved", flush=True)

    timed(naive, photos[0])  # warm-up: plugin imports, first allocations
    timed(ours, photos[0])
    samples: dict[str, list[list[float]]] = {"naive": [], "ours": []}
    for i, data in enumerate(photos):
        per = {"naive": [], "ours": []}
        for rep in range(args.repeats):
            order = [("naive", naive), ("ours", ours)]
            if (i + rep) % 2:
                order.reverse()  # neither pipeline always runs with the warmer cache
            for name, run in order:
                per[name].append(timed(run, data))
        for name, runs in per.items():
            samples[name].append(runs)

    naive_ms = statistics.median(statistics.median(r) for r in samples["naive"]) * 1000
    ours_ms = statistics.median(statistics.median(r) for r in samples["ours"]) * 1000
    ratio = naive_ms / ours_ms
    print(f"naive: {naive_ms:.0f} ms")
    print(f"ours: {ours_ms:.0f} ms")
    print(f"ratio: {ratio:.2f}x")

    at_once = photos[:4]
    print(f"event loop check: {len(at_once)} photos through process_async at once, "
          f"a coroutine ticking every 10 ms", flush=True)
    stall = asyncio.run(loop_stall(at_once))
    print(f"loop max stall: {stall * 1000:.0f} ms")

    if ratio < TARGET_RATIO:
        print(f"FAIL: ours is less than {TARGET_RATIO:.0f}x faster than naive", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
