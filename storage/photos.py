"""Photo intake: validate, normalise and store field photos, content-addressed.

Volunteers send 12-50 megapixel phone photos; reviewers only ever need a 2048 px copy and a
thumbnail. So the pipeline refuses bad input from the header alone, lets libjpeg decode at a
reduced DCT scale when it can, resizes once, and derives everything else from the reduced image.
The shared copies carry no EXIF (phones put GPS there); what we need from EXIF is read first.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import math
import numbers
import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TypeVar

from PIL import ExifTags, Image, ImageFile

from storage import photo_workers

try:
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - HEIC is optional; without it such files are "unsupported"
    _HEIF_AVAILABLE = False
else:
    register_heif_opener()
    _HEIF_AVAILABLE = True

NEAR_DUPLICATE_DISTANCE = 3

# Pillow format name -> extension for the kept original. MPO is what Pillow calls the many phone
# JPEGs that carry a second (depth/preview) picture; it is a JPEG for every purpose here.
_EXTENSIONS: dict[str, str] = {
    "JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic",
}
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                          b"mif1", b"msf1"})

_QUALITY = 85
# Area averaging. A 12 MP phone photo (4000-4032 px wide) gets no DCT scaling on the way to
# 2048 px, so this resize is the biggest cost after decoding. BOX keeps fine detail about as
# well as BICUBIC, never rings, and costs about a third of LANCZOS; the price is more moire on
# patterns finer than the output pixels (a distant corrugated roof). See bench/photos.py.
_RESAMPLE = Image.Resampling.BOX
# A profile this big is not a colour profile anyone needs, and it would be copied into every file.
_MAX_ICC = 64 * 1024

# EXIF orientation -> the transposition that undoes it (same table as ImageOps.exif_transpose).
_ORIENT: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_TIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_U64 = (1 << 64) - 1

_T = TypeVar("_T")

# Pillow's own bomb guard is process-global. It is raised to the largest limit any store asked
# for, so it never refuses what a store accepts; each store enforces its own limit itself.
_pillow_limit_lock = threading.Lock()
_pillow_limit = 0


class PhotoRejected(Exception):
    """The bytes cannot become a stored photo; `reason` is a stable code shown to the sender."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str              # of the bytes as received
    normalized: str          # paths relative to the media dir; see PhotoStore.path()
    thumb: str
    original: str | None     # only when the sender's file was to be kept as sent
    width: int               # of the normalized image, after EXIF rotation
    height: int
    taken_at: str | None     # camera-local, naive ISO: phones don't reliably record the zone
    lat: float | None
    lon: float | None
    phash: int               # 64-bit dHash as a signed int64, which SQLite can store

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> StoredPhoto:
        return cls(
            sha256=_req(d, "sha256", str),
            normalized=_req(d, "normalized", str),
            thumb=_req(d, "thumb", str),
            original=_opt(d, "original", str),
            width=_req(d, "width", int),
            height=_req(d, "height", int),
            taken_at=_opt(d, "taken_at", str),
            lat=_opt_float(d, "lat"),
            lon=_opt_float(d, "lon"),
            phash=_req(d, "phash", int),
        )


def _req(d: Mapping[str, object], key: str, kind: type[_T]) -> _T:
    value = d[key]
    # bool is an int subclass; a True where a number belongs is a bug upstream, not a 1.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"StoredPhoto.{key}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _opt(d: Mapping[str, object], key: str, kind: type[_T]) -> _T | None:
    return None if d.get(key) is None else _req(d, key, kind)


def _opt_float(d: Mapping[str, object], key: str) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"StoredPhoto.{key}: expected float, got {type(value).__name__}")
    return float(value)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _U64).bit_count()


def phash_bands(h: int) -> tuple[int, int, int, int]:
    u = h & _U64
    return (u >> 48) & 0xFFFF, (u >> 32) & 0xFFFF, (u >> 16) & 0xFFFF, u & 0xFFFF


_SLOTS: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}


def _decode_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _SLOTS:
        for stale in [lp for lp in _SLOTS if lp.is_closed()]:
            del _SLOTS[stale]
        _SLOTS[loop] = asyncio.Semaphore(max(1, os.cpu_count() or 1))
    return _SLOTS[loop]


_SHA = re.compile(r"[0-9a-f]{64}")


def _touch(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)


class PhotoStore:
    def __init__(self, media_dir: Path, *, max_pixels: int = 60_000_000,
                 max_bytes: int = 20 * 1024 * 1024, long_side: int = 2048,
                 thumb_side: int = 320, processes: int = 0) -> None:
        """processes: decode in that many helper processes (storage/photo_workers.py); 0: in
        threads of this process."""
        global _pillow_limit
        self.processes = processes
        self.media_dir = Path(media_dir)
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.long_side = long_side
        self.thumb_side = thumb_side
        with _pillow_limit_lock:
            _pillow_limit = max(_pillow_limit, max_pixels)
            Image.MAX_IMAGE_PIXELS = _pillow_limit

    def path(self, relative: str) -> Path:
        rel = PurePosixPath(relative)
        # Relative paths come back from the database; never let one point outside the store.
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError("not a path inside the photo store")
        return self.media_dir.joinpath(*rel.parts)

    async def process_async(self, data: bytes, *, keep_original: bool = False) -> StoredPhoto:
        if self.processes > 0:
            spec = (self.media_dir, self.max_pixels, self.max_bytes, self.long_side, self.thumb_side)
            photo: StoredPhoto = await photo_workers.process(self.processes, spec, data, keep_original)
            return photo
        # At most one decode per core at a time: a burst of albums must not hold dozens of
        # full-size bitmaps in memory at once, nor starve the event loop's own thread. The
        # writes wait on the disk, not the CPU, so they run outside that limit.
        async with _decode_slots():
            photo, writes = await asyncio.to_thread(self._prepare, data, keep_original)
        await asyncio.to_thread(self._write_all, writes)
        return photo

    def process(self, data: bytes, *, keep_original: bool = False) -> StoredPhoto:
        photo, writes = self._prepare(data, keep_original)
        self._write_all(writes)
        return photo

    def _write_all(self, writes: list[tuple[str, bytes]]) -> None:
        for relative, content in writes:
            self._write(relative, content)

    def _prepare(self, data: bytes, keep_original: bool) -> tuple[StoredPhoto, list[tuple[str, bytes]]]:
        """Everything but the disk: the photo's record and the files still to be written."""
        if len(data) > self.max_bytes:
            raise PhotoRejected("too_large")
        sha = hashlib.sha256(data).hexdigest()
        writes: list[tuple[str, bytes]] = []
        with _open(data) as img:
            fmt = img.format or ""
            if fmt not in _EXTENSIONS:
                raise PhotoRejected("unsupported")
            width, height = img.size
            if width <= 0 or height <= 0:
                raise PhotoRejected("corrupt")
            if width * height > self.max_pixels:
                raise PhotoRejected("too_many_pixels")
            taken_at, lat, lon, orientation = _read_exif(img)
            base = f"{sha[:2]}/{sha}"
            normalized, thumb = f"{base}.jpg", f"{base}.thumb.jpg"
            # Same bytes, same output: when both files are there, only their headers are read.
            done = self._stored(normalized, thumb)
            if done is None:
                done = self._render(img, fmt, orientation, normalized, thumb, data, writes)
        original = f"{base}.orig.{_EXTENSIONS[fmt]}" if keep_original else None
        if original is not None:
            writes.append((original, data))
        out_w, out_h, phash = done
        photo = StoredPhoto(sha256=sha, normalized=normalized, thumb=thumb, original=original,
                            width=out_w, height=out_h, taken_at=taken_at, lat=lat, lon=lon,
                            phash=phash)
        return photo, writes

    def _stored(self, normalized: str, thumb: str) -> tuple[int, int, int] | None:
        norm_path, thumb_path = self.path(normalized), self.path(thumb)
        if not (norm_path.is_file() and thumb_path.is_file()):
            return None
        try:
            with Image.open(norm_path) as n:
                size = n.size
            with Image.open(thumb_path) as t:
                phash = _dhash(t)
        except MemoryError:
            raise
        except Exception:
            return None  # damaged from outside: render again and replace
        _touch(norm_path, thumb_path)  # in use again: the sweep of unused photos leaves them be
        return size[0], size[1], phash

    @staticmethod
    def _already_normal(img: ImageFile.ImageFile, fmt: str, orientation: int,
                        planned: tuple[int, int]) -> bool:
        """A small upright JPEG with no metadata (what Telegram and Zalo deliver for a photo)."""
        return (fmt in _JPEG_FORMATS and planned == img.size and orientation in (0, 1)
                and img.mode in ("RGB", "L") and set(img.info) <= _HARMLESS_JPEG_INFO)

    def _render_thumb_only(self, img: ImageFile.ImageFile, data: bytes, normalized: str,
                           thumb: str, writes: list[tuple[str, bytes]]) -> tuple[int, int, int]:
        # The bytes already are a normalized JPEG: only the thumbnail is made, decoded by
        # libjpeg at reduced scale. Truncated data still fails the decode, as on the full path.
        width, height = img.size
        target = _fit(img.size, self.thumb_side)
        img.draft("RGB", target)
        _load(img)
        small = img.convert("RGB")
        small.info = {}
        phash = self._save(small, None, thumb, normalized, data, writes)
        return width, height, phash

    def _save(self, frame: Image.Image, icc: bytes | None, thumb: str, normalized: str,
              norm_bytes: bytes, writes: list[tuple[str, bytes]]) -> int:
        """Plan the thumbnail (made from `frame`) and the normalized bytes; return the hash."""
        small = frame
        thumb_size = _fit(frame.size, self.thumb_side)
        if thumb_size != frame.size:
            small = frame.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        thumb_bytes = _jpeg(small, icc)
        # Hash the thumbnail as stored, so a later run can recompute it from the file alone.
        with Image.open(io.BytesIO(thumb_bytes)) as stored_thumb:
            phash = _dhash(stored_thumb)
        writes += [(thumb, thumb_bytes), (normalized, norm_bytes)]
        return phash

    def _render(self, img: ImageFile.ImageFile, fmt: str, orientation: int, normalized: str,
                thumb: str, data: bytes, writes: list[tuple[str, bytes]]) -> tuple[int, int, int]:
        # Sizes are planned in the stored (pre-rotation) frame: the long side doesn't change
        # under rotation, and rotating the small result is cheaper than rotating the source.
        planned = _fit(img.size, self.long_side)
        if self._already_normal(img, fmt, orientation, planned):
            return self._render_thumb_only(img, data, normalized, thumb, writes)
        if planned != img.size and fmt in _JPEG_FORMATS:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale as long as the result still covers
            # `planned` in both directions; smaller than that would need upscaling back.
            img.draft("RGB", planned)
        _load(img)
        icc = img.info.get("icc_profile")
        frame = _resizable(img)
        # Pillow carries `info` through resize and transpose, and its JPEG writer copies a
        # comment from there; a camera's comment (or anything else in it) stays behind here.
        frame.info = {}
        # Planned again from what was decoded: the DCT-scaled size, or for HEIF the size after
        # libheif applied the container's rotation and crop.
        target = _fit(frame.size, self.long_side)
        if frame.size != target:
            frame = frame.resize(target, _RESAMPLE)
        if orientation in _ORIENT:  # pillow_heif reports 1 for HEIF: libheif already turned it
            frame = frame.transpose(_ORIENT[orientation])
        frame = _flatten(frame)
        phash = self._save(frame, icc, thumb, normalized, _jpeg(frame, icc), writes)
        return frame.width, frame.height, phash

    def remove_unused(self, sha256: str, untouched_since: float) -> int:
        """Delete a photo's files (normalized, thumbnail, original) unless one of them was written
        or used again since `untouched_since` (a time.time() value); returns how many went."""
        if not _SHA.fullmatch(sha256):
            raise ValueError("not a photo hash")
        files = list(self.media_dir.joinpath(sha256[:2]).glob(f"{sha256}.*"))
        try:
            if any(f.stat().st_mtime >= untouched_since for f in files):
                return 0
        except FileNotFoundError:
            pass
        for f in files:
            f.unlink(missing_ok=True)
        return len(files)

    def _write(self, relative: str, data: bytes) -> None:
        target = self.path(relative)
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                _touch(target)
                return
        except FileNotFoundError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        # A reader must see the old file or the whole new one, never half: write aside, rename.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; the media dir may be served by another user
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# JFIF and Adobe markers say how to decode, nothing about the photo or the person.
_HARMLESS_JPEG_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive",
                       "progression", "adobe", "adobe_transform"}


def _load(img: ImageFile.ImageFile) -> None:
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("too_many_pixels") from exc
    except MemoryError:
        raise
    except Exception as exc:
        # Decoders signal bad data with OSError, SyntaxError, ValueError, struct.error,
        # EOFError, zlib.error...: all of them mean the same thing to the sender.
        raise PhotoRejected("corrupt") from exc


def _open(data: bytes) -> ImageFile.ImageFile:
    try:
        return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("too_many_pixels") from exc
    except MemoryError:
        raise
    except Exception as exc:
        kind = _sniff(data)
        if kind == "HEIF" and not _HEIF_AVAILABLE:
            raise PhotoRejected("unsupported") from exc
        # A known signature that Pillow then chokes on is a broken photo, not some other file.
        raise PhotoRejected("corrupt" if kind else "not_image") from exc


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    w, h = size
    if max(w, h) <= side:
        return size  # never upscale
    if w >= h:
        return side, max(1, round(h * side / w))
    return max(1, round(w * side / h)), side


def _resizable(img: Image.Image) -> Image.Image:
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


def _flatten(img: Image.Image) -> Image.Image:
    """Transparent areas become white, as they look in a chat; JPEG has no alpha."""
    if img.mode not in ("RGBA", "LA"):
        return img
    base = Image.new(img.mode[:-1], img.size, 255 if img.mode == "LA" else (255, 255, 255))
    base.paste(img, mask=img.getchannel("A"))
    return base


def _jpeg(img: Image.Image, icc: object) -> bytes:
    # Only a colour profile that matches the pixels is kept (a CMYK profile on RGB data would
    # wreck the colours). Everything else in `info` (EXIF, XMP, comments) stays behind.
    space = b"GRAY" if img.mode == "L" else b"RGB "
    keep = isinstance(icc, bytes) and len(icc) <= _MAX_ICC and icc[16:20] == space
    out = io.BytesIO()
    img.save(out, "JPEG", quality=_QUALITY, icc_profile=icc if keep else None)
    return out.getvalue()


def _dhash(img: Image.Image) -> int:
    # dHash: is each of 8 cells brighter than its left neighbour, on a 9x8 grey copy. Area
    # averaging makes it blind to re-encoding and rescaling but not to a different picture.
    grey = img.convert("L").resize((9, 8), Image.Resampling.BOX)
    px = grey.tobytes()
    h = 0
    for row in range(8):
        for col in range(8):
            h = (h << 1) | (px[row * 9 + col + 1] > px[row * 9 + col])
    return h - (1 << 64) if h >> 63 else h


def _read_exif(img: Image.Image) -> tuple[str | None, float | None, float | None, int]:
    """(taken_at, lat, lon, orientation); a broken EXIF block costs the metadata, not the photo."""
    try:
        exif = img.getexif()
    except Exception:
        return None, None, None, 1
    orientation = exif.get(ExifTags.Base.Orientation)
    if not isinstance(orientation, int) or orientation not in _ORIENT:
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
