"""Benchmark: does a near match of two photos' scene hashes mean the same scene?

    .venv/bin/python bench/phash.py [--scenes 500]

Draws --scenes distinct scenes of the kinds a campaign sees and that fool a coarse hash: large
shapes on a plain ground (a drawn house), a wall or a sky in one or two tones, a flat colour, and
photo-like scenes with texture. Each goes through the real pipeline (PhotoStore.process: the
thumbnail as stored, and the hash made from it), then one variant of it as a phone or a messenger
would make it: recompressed, resized, cropped by a few percent, made brighter or darker, or made
into a ~320 px thumbnail by another resampler and JPEG quality (what Telegram sends as its small
photo size, which another part of the bot may store as the thumbnail). Prints:

    plain: N   scenes with too little detail to hash (never called a copy of anything)
    false: N   pairs of different scenes that match (target 0)
    found: X%  variants of the hashed scenes that the indexed lookup finds (target >= 95%)

Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.photos import PhotoStore
from storage.photos.hashing import index_keys, lookup_keys, same_scene
from storage.photos.render import fit

SIZE = (1280, 960)


def _colour(rnd: random.Random) -> tuple[int, int, int]:
    return (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))


def drawn_house(rnd: random.Random) -> Image.Image:
    img = Image.new("RGB", SIZE, _colour(rnd))
    draw = ImageDraw.Draw(img)
    w, h = SIZE
    ground = rnd.randrange(h // 2, h - 100)
    draw.rectangle((0, ground, w, h), fill=_colour(rnd))
    x0 = rnd.randrange(50, w // 2)
    x1 = x0 + rnd.randrange(250, w // 2)
    top = rnd.randrange(150, ground - 100)
    draw.rectangle((x0, top, x1, ground), fill=_colour(rnd))
    draw.polygon([(x0 - 40, top), ((x0 + x1) // 2, top - rnd.randrange(60, 200)), (x1 + 40, top)],
                 fill=_colour(rnd))
    door = rnd.randrange(x0 + 20, x1 - 80)
    draw.rectangle((door, ground - rnd.randrange(90, 180), door + 60, ground), fill=_colour(rnd))
    return img


def plain(rnd: random.Random) -> Image.Image:
    """A wall, a sky or a flat colour: one or two tones, a soft gradient at most."""
    kind = rnd.randrange(3)
    a, b = _colour(rnd), _colour(rnd)
    if kind == 0:
        return Image.new("RGB", SIZE, a)
    if kind == 1:  # sky: a vertical gradient between two tones
        mask = Image.linear_gradient("L").resize(SIZE)
        return Image.composite(Image.new("RGB", SIZE, a), Image.new("RGB", SIZE, b), mask)
    img = Image.new("RGB", SIZE, a)  # a wall with a plinth
    ImageDraw.Draw(img).rectangle((0, rnd.randrange(SIZE[1] // 2, SIZE[1]), *SIZE), fill=b)
    return img


def textured(rnd: random.Random) -> Image.Image:
    img = Image.effect_noise(SIZE, rnd.randrange(20, 80)).convert("RGB")
    tint = Image.new("RGB", SIZE, _colour(rnd))
    img = Image.blend(img, tint, 0.5)
    draw = ImageDraw.Draw(img)
    for _ in range(rnd.randrange(4, 12)):
        x, y = rnd.randrange(SIZE[0]), rnd.randrange(SIZE[1])
        draw.ellipse((x, y, x + rnd.randrange(80, 400), y + rnd.randrange(80, 400)), fill=_colour(rnd))
    return img.filter(ImageFilter.GaussianBlur(2))


KINDS: list[Callable[[random.Random], Image.Image]] = [drawn_house, drawn_house, plain, textured]


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


VARIANTS = ("recompressed", "resized", "cropped", "brightness", "messenger thumbnail")


def variant(img: Image.Image, rnd: random.Random) -> tuple[str, Image.Image]:
    how = rnd.randrange(len(VARIANTS))
    if how == 0:  # recompressed by a messenger
        return VARIANTS[how], Image.open(io.BytesIO(jpeg(img, rnd.randrange(40, 75))))
    if how == 1:  # resized
        factor = rnd.uniform(0.3, 0.8)
        small = img.resize((int(img.width * factor), int(img.height * factor)), Image.Resampling.BILINEAR)
        return VARIANTS[how], small
    if how == 2:  # slightly cropped
        dx, dy = int(img.width * rnd.uniform(0.01, 0.04)), int(img.height * rnd.uniform(0.01, 0.04))
        return VARIANTS[how], img.crop((dx, dy, img.width - dx, img.height - dy))
    if how == 3:
        return VARIANTS[how], ImageEnhance.Brightness(img).enhance(rnd.choice((0.8, 0.85, 1.15, 1.2)))
    # Telegram's own ~320 px size: another resampler, another quality, stored as it comes.
    resample = rnd.choice((Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.BOX))
    small = img.resize(fit(img.size, 320), resample)
    return VARIANTS[how], Image.open(io.BytesIO(jpeg(small, rnd.randrange(70, 91))))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=500)
    args = parser.parse_args()
    rnd = random.Random(2026)
    originals: list[str | None] = []
    variants: list[tuple[str, str | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp))
        for n in range(args.scenes):
            img = KINDS[n % len(KINDS)](rnd)
            originals.append(store.process(jpeg(img)).phash)
            how, copy = variant(img, rnd)
            variants.append((how, store.process(jpeg(copy)).phash))
    # The lookup as storage/reports.py makes it: candidates share an index key, then the full test.
    by_key: dict[int, list[int]] = {}
    for n, h in enumerate(originals):
        for key in index_keys(h):
            by_key.setdefault(key, []).append(n)
    started = time.perf_counter()
    false = sum(1 for i in range(len(originals)) for j in range(i + 1, len(originals))
                if same_scene(originals[i], originals[j]))
    compare_us = (time.perf_counter() - started) / max(1, len(originals) ** 2 // 2) * 1e6
    hashed = [n for n, h in enumerate(originals) if h is not None]
    found: dict[str, list[int]] = {how: [0, 0] for how in VARIANTS}
    candidates = 0
    for n in hashed:
        how, h = variants[n]
        near = {m for key in lookup_keys(h) for m in by_key.get(key, [])}
        candidates += len(near)
        found[how][1] += 1
        found[how][0] += n in near and same_scene(originals[n], h)
    hit = sum(f for f, _ in found.values())
    plain = args.scenes - len(hashed)
    print(f"scenes: {args.scenes}")
    print(f"plain: {plain}   scenes with too little detail to hash (never called a copy)")
    pairs = len(originals) * (len(originals) - 1) // 2
    print(f"false: {false}   pairs of different scenes that match, of {pairs} (target 0)")
    print(f"found: {100 * hit / max(1, len(hashed)):.1f}%  of the variants of hashed scenes ({hit} of "
          f"{len(hashed)}; target >= 95%)")
    for how, (f, total) in found.items():
        print(f"    {how}: {f} of {total}")
    print(f"candidates a lookup: {candidates / max(1, len(hashed)):.1f} of {len(hashed)} stored hashes;"
          f" one full comparison: {compare_us:.1f} µs")
    ok = false == 0 and hit >= 0.95 * len(hashed)
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
