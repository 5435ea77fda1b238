"""What a photo's EXIF says that we keep: when and where it was taken, and which way is up.

Read before anything is written, since the stored copies carry no EXIF (phones put GPS there).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from datetime import datetime

from PIL import ExifTags, Image

# EXIF orientation -> the transposition that undoes it (same table as ImageOps.exif_transpose).
ORIENT: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_TIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")


def read_exif(img: Image.Image) -> tuple[str | None, float | None, float | None, int]:
    """(taken_at, lat, lon, orientation); a broken EXIF block costs the metadata, not the photo."""
    try:
        exif = img.getexif()
    except Exception:
        return None, None, None, 1
    orientation = exif.get(ExifTags.Base.Orientation)
    if not isinstance(orientation, int) or orientation not in ORIENT:
        orientation = 1
    try:
        taken_at = _exif_time(exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal))
    except Exception:
        taken_at = None
    if taken_at is None:
        taken_at = _exif_time(exif.get(ExifTags.Base.DateTime))
    try:
        lat, lon = _gps(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:
        lat = lon = None
    return taken_at, lat, lon, orientation


def _exif_time(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    m = _EXIF_TIME.match(value.strip(" \x00"))
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    try:
        return datetime(year, month, day, hour, minute, second).isoformat()
    except ValueError:  # "0000:00:00 00:00:00" and friends from cameras with no clock set
        return None


def _gps(gps: Mapping[int, object]) -> tuple[float | None, float | None]:
    lat = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef),
                      "N", "S", 90.0)
    lon = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef),
                      "E", "W", 180.0)
    # 0,0 is what phones write when they had no fix, not a house in the Gulf of Guinea.
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None, None
    return lat, lon


def _coordinate(value: object, ref: object, positive: str, negative: str,
                limit: float) -> float | None:
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str):
        return None
    ref = ref.strip(" \x00").upper()
    if ref not in (positive, negative):
        return None
    parts = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    total = 0.0
    for index, part in enumerate(parts):
        if not isinstance(part, numbers.Real):
            return None
        try:
            number = float(part)  # an IFDRational with a zero denominator gives nan
        except (ValueError, ZeroDivisionError):
            return None
        # Minutes and seconds of 60 or more are not a sloppy encoding but a broken one.
        if not math.isfinite(number) or number < 0 or (index and number >= 60):
            return None
        total += number / 60**index
    if total > limit:
        return None
    return round(-total if ref == negative else total, 7)
