"""Benchmark: does a near match of two photos' perceptual hashes mean the same scene?

    .venv/bin/python bench/phash.py [--scenes 500]

Draws --scenes distinct scenes of the kinds a campaign sees and that fool a coarse hash: large
shapes on a plain ground (a drawn house), a wall or a sky in one or two tones, a flat colour, and
photo-like scenes with texture. Each goes through the real pipeline (PhotoStore.process: the
thumbnail as stored, and the hash made from it), then one variant of it as a phone or a messenger
would make it: recompressed, resized, cropped by a few percent, made brighter or darker. Prints:

    false: N   pairs of different scenes that match (target 0)
    found: X%  variants that match their scene (target >= 95%)

Exits 1 if a target is missed (today it is: see BENCHMARKS.md, "Near-duplicate photos").
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.photos import PhotoStore
from storage.photos.hashing import NEAR_DUPLICATE_DISTANCE, hamming

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


def variant(img: Image.Image, rnd: random.Random) -> Image.Image:
    how = rnd.randrange(4)
    if how == 0:  # recompressed by a messenger
        return Image.open(io.BytesIO(jpeg(img, rnd.randrange(40, 75))))
    if how == 1:  # resized
        factor = rnd.uniform(0.3, 0.8)
        return img.resize((int(img.width * factor), int(img.height * factor)), Image.Resampling.BILINEAR)
    if how == 2:  # slightly cropped
        dx, dy = int(img.width * rnd.uniform(0.01, 0.04)), int(img.height * rnd.uniform(0.01, 0.04))
        return img.crop((dx, dy, img.width - dx, img.height - dy))
    return ImageEnhance.Brightness(img).enhance(rnd.choice((0.8, 0.85, 1.15, 1.2)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=500)
    args = parser.parse_args()
    rnd = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp))
        originals, variants = [], []
        for n in range(args.scenes):
            img = KINDS[n % len(KINDS)](rnd)
            originals.append(store.process(jpeg(img)).phash)
            variants.append(store.process(jpeg(variant(img, rnd))).phash)
    def near(a: int, b: int) -> bool:
        return hamming(a, b) <= NEAR_DUPLICATE_DISTANCE

    false = sum(1 for i in range(len(originals)) for j in range(i + 1, len(originals))
                if near(originals[i], originals[j]))
    found = sum(1 for a, b in zip(originals, variants, strict=True) if near(a, b))
    print(f"scenes: {args.scenes}")
    print(f"false: {false}   pairs of different scenes that match (target 0)")
    print(f"found: {100 * found / args.scenes:.1f}%  of the variants ({found}; target >= 95%)")
    ok = false == 0 and found >= 0.95 * args.scenes
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
