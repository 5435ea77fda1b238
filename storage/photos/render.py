"""Pixels to stored JPEGs: planned sizes, modes that resize well, no alpha, no metadata."""

from __future__ import annotations

import io

from PIL import Image

_QUALITY = 85
# The thumbnail's long side; a platform's own size of about this much is taken as it is.
THUMB_SIDE = 320
# Area averaging. A 12 MP phone photo (4000-4032 px wide) gets no DCT scaling on the way to
# 2048 px, so this resize is the biggest cost after decoding. BOX keeps fine detail about as
# well as BICUBIC, never rings, and costs about a third of LANCZOS; the price is more moire on
# patterns finer than the output pixels (a distant corrugated roof). See bench/photos.py.
RESAMPLE = Image.Resampling.BOX
# A profile this big is not a colour profile anyone needs, and it would be copied into every file.
_MAX_ICC = 64 * 1024


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= side:
        return size  # never upscale
    if w >= h:
        return side, max(1, round(h * side / w))
    return max(1, round(w * side / h)), side


def resizable(img: Image.Image) -> Image.Image:
    """A mode that resizes with real filtering (Pillow resizes "P" and "1" by nearest neighbour)."""
    mode = img.mode
    if mode in ("RGB", "L", "RGBA", "LA"):
        return img
    if mode == "1":
        return img.convert("L")
    if mode == "P":
        return img.convert("RGBA" if "transparency" in img.info else "RGB")
    if mode == "PA":
        return img.convert("RGBA")
    if mode.startswith("I;16"):
        return img.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode in ("I", "F"):
        hi = img.getextrema()[1]
        if isinstance(hi, int | float) and hi > 255:
            return img.point(lambda v: v * (255 / hi)).convert("L")
        return img.convert("L")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV


def flatten(img: Image.Image) -> Image.Image:
    """Transparent areas become white, as they look in a chat; JPEG has no alpha."""
    if img.mode not in ("RGBA", "LA"):
        return img
    base = Image.new(img.mode[:-1], img.size, 255 if img.mode == "LA" else (255, 255, 255))
    base.paste(img, mask=img.getchannel("A"))
    return base


def jpeg(img: Image.Image, icc: object) -> bytes:
    # Only a colour profile that matches the pixels is kept (a CMYK profile on RGB data would
    # wreck the colours). Everything else in `info` (EXIF, XMP, comments) stays behind.
    space = b"GRAY" if img.mode == "L" else b"RGB "
    keep = isinstance(icc, bytes) and len(icc) <= _MAX_ICC and icc[16:20] == space
    out = io.BytesIO()
    img.save(out, "JPEG", quality=_QUALITY, icc_profile=icc if keep else None)
    return out.getvalue()
