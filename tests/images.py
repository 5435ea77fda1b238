"""Real images for tests, drawn with Pillow: each seed gives a different scene."""

from __future__ import annotations

import io
import random
from datetime import datetime

from PIL import ExifTags, Image, ImageDraw


def scene(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    rnd = random.Random(seed)
    img = Image.new("RGB", size, tuple(rnd.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(12):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        x1, y1 = x0 + rnd.randrange(w // 8, w // 2), y0 + rnd.randrange(h // 8, h // 2)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    return img


def jpeg(seed: int, size: tuple[int, int] = (800, 600), taken: datetime | None = None,
         quality: int = 90) -> bytes:
    img = scene(seed, size)
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def png(seed: int, size: tuple[int, int] = (640, 480)) -> bytes:
    buf = io.BytesIO()
    scene(seed, size).save(buf, "PNG")
    return buf.getvalue()


Gps = tuple[str, tuple[float, ...]]


def jpeg_with_exif(seed: int, *, taken: str | None = None, lat: Gps | None = None, lon: Gps | None = None,
                   size: tuple[int, int] = (800, 600)) -> bytes:
    """A phone's photo: DateTimeOriginal ("2026:08:19 08:00:00") and GPS (("N", (9.0, 36.0, 0.0)))
    in its EXIF, as written by Pillow's Exif."""
    exif = Image.Exif()
    if taken is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat is not None:
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = lat
    if lon is not None:
        gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = lon
    buf = io.BytesIO()
    scene(seed, size).save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def dms(value: float) -> tuple[float, float, float]:
    """Decimal degrees as EXIF's degrees, minutes, seconds."""
    seconds = round(value * 3600, 2)
    return float(seconds // 3600), float(seconds % 3600 // 60), round(seconds % 60, 2)
