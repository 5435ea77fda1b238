"""Photo intake: validate, normalise and store field photos, content-addressed.

Volunteers send 12-50 megapixel phone photos; reviewers only ever need a copy of at most 2048 px
and a thumbnail. So the pipeline refuses bad input, and input whose decode would take too much
memory, from the header alone, lets libjpeg decode at a reduced DCT scale when it can, resizes at
most once, and derives everything else from the reduced image.
The shared copies carry no EXIF (phones put GPS there); what we need from EXIF is read first.

A chat platform that makes its own smaller sizes of a photo (Telegram: about 90, 320, 800 and 1280
px) saves us the decode altogether: its ~320 px size, handed in as `small`, becomes the thumbnail,
and the photo itself is kept byte for byte, so no pixel of the large one is decoded. The
perceptual hash is always taken the one way, from the thumbnail as stored (`_thumb_hash`), so a
picture hashes alike whichever route made its thumbnail.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, ImageFile

from storage import private
from storage.photos import workers
from storage.photos.budget import (
    DECODE_MIB,
    DEFAULT_MEMORY_MIB,
    dct_scale,
    decode_cost,
    decode_slots,
    draft_size,
)
from storage.photos.decode import EXTENSIONS, JPEG_FORMATS, allow_pixels, load, open_image
from storage.photos.exif import ORIENT, read_exif
from storage.photos.hashing import scene_hash
from storage.photos.jpeg_trim import trimmed
from storage.photos.records import PhotoRejected, StoredPhoto
from storage.photos.render import RESAMPLE, THUMB_SIDE, fit, flatten, jpeg, resizable

_SLOTS: dict[tuple[asyncio.AbstractEventLoop, int], asyncio.Semaphore] = {}


def _decode_slots(count: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if (loop, count) not in _SLOTS:
        for stale in [key for key in _SLOTS if key[0].is_closed()]:
            del _SLOTS[stale]
        _SLOTS[loop, count] = asyncio.Semaphore(count)
    return _SLOTS[loop, count]


_SHA = re.compile(r"[0-9a-f]{64}")
# A platform's ~320 px copy is some 20-40 kB; far more is not a thumbnail, whatever it says.
_SMALL_MAX_BYTES = 2 * 1024 * 1024
# JFIF and Adobe markers say how to decode, nothing about the photo or the person.
_HARMLESS_JPEG_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive",
                       "progression", "adobe", "adobe_transform"}


def _thumb_hash(thumb_bytes: bytes) -> str | None:
    """The perceptual hash, the one way for every route: of the thumbnail as stored (decoded from
    its JPEG bytes), so a later run can recompute it from the file alone, and a thumbnail Telegram
    made hashes like one made here for the same picture."""
    with Image.open(io.BytesIO(thumb_bytes)) as stored_thumb:
        return scene_hash(stored_thumb)


def _same_picture_smaller(size: tuple[int, int], small: tuple[int, int], thumb_side: int) -> bool:
    """`small` is `size` scaled down (to a pixel of rounding), and large enough for a thumbnail."""
    long_small = max(small)
    if long_small > max(size) or long_small < min(thumb_side, max(size)):
        return False
    expected = fit(size, long_small)
    return abs(expected[0] - small[0]) <= 1 and abs(expected[1] - small[1]) <= 1


def _touch(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)


class PhotoStore:
    def __init__(self, media_dir: Path, *, max_pixels: int = 60_000_000,
                 max_bytes: int = 20 * 1024 * 1024, long_side: int = 2048,
                 thumb_side: int = THUMB_SIDE, processes: int = 0, shared: bool = False,
                 memory_mib: int = DEFAULT_MEMORY_MIB, decode_mib: int = DECODE_MIB) -> None:
        """processes: decode in at most that many helper processes (storage/photos/workers.py);
        0: in threads of this process. shared: files readable by other accounts (a web server
        serving the folder itself); otherwise by the bot's own account only. memory_mib: what all
        decodes at once may take; each may take decode_mib of it (storage/photos/budget.py), and
        a photo whose decode would take more is refused before it is decoded."""
        self.memory_mib = memory_mib
        self.decode_mib = decode_mib
        # As many decodes at once as the budget holds, and no more than the cores (threads) or
        # the processes asked for: `processes` is the size of the pool the bot warms and uses.
        slots, self.decode_bytes = decode_slots(memory_mib, decode_mib)
        self.slots = min(slots, processes or max(1, os.cpu_count() or 1))
        self.processes = self.slots if processes > 0 else 0
        self.shared = shared
        self.file_mode = private.SHARED_FILE_MODE if shared else private.FILE_MODE
        self.dir_mode = private.SHARED_DIR_MODE if shared else private.DIR_MODE
        self.media_dir = Path(media_dir)
        self.max_pixels = max_pixels
        self.max_bytes = max_bytes
        self.long_side = long_side
        self.thumb_side = thumb_side
        allow_pixels(max_pixels)

    def path(self, relative: str) -> Path:
        rel = PurePosixPath(relative)
        # Relative paths come back from the database; never let one point outside the store.
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError("not a path inside the photo store")
        return self.media_dir.joinpath(*rel.parts)

    async def process_async(self, data: bytes, *, keep_original: bool = False,
                            small: bytes | None = None) -> StoredPhoto:
        """small: the platform's own smaller copy of the same photo (about thumb_side px), when
        it made one: the thumbnail and the hash then come from it, and `data` is not decoded."""
        if self.processes > 0:
            spec = (self.media_dir, self.max_pixels, self.max_bytes, self.long_side, self.thumb_side,
                    self.shared, self.memory_mib, self.decode_mib)
            return await workers.run(self.processes, _process_in_worker, spec, data, keep_original,
                                     small)
        # At most one decode per core and per share of the memory budget at a time: a burst of
        # albums must not hold dozens of full-size bitmaps in memory at once, nor starve the event
        # loop's own thread. The writes wait on the disk, not the CPU, so they run outside that limit.
        async with _decode_slots(self.slots):
            photo, writes = await asyncio.to_thread(self._prepare, data, keep_original, small)
        await asyncio.to_thread(self._write_all, writes)
        return photo

    def process(self, data: bytes, *, keep_original: bool = False,
                small: bytes | None = None) -> StoredPhoto:
        photo, writes = self._prepare(data, keep_original, small)
        self._write_all(writes)
        return photo

    async def prepare_async(self, data: bytes, *, keep_original: bool = False,
                            small: bytes | None = None) -> tuple[StoredPhoto, bytes | None]:
        """As process_async, but the thumbnail's file is left to the caller: its bytes come back
        (None when the file is there already), to be noted with the turn's commit and written
        after the receipt (write_thumbs). Only the photo itself is on disk when this returns."""
        if self.processes > 0:
            spec = (self.media_dir, self.max_pixels, self.max_bytes, self.long_side, self.thumb_side,
                    self.shared, self.memory_mib, self.decode_mib)
            return await workers.run(self.processes, _prepare_in_worker, spec, data, keep_original,
                                     small)
        async with _decode_slots(self.slots):
            photo, writes = await asyncio.to_thread(self._prepare, data, keep_original, small)
        rest, thumb = _thumb_apart(photo, writes)
        await asyncio.to_thread(self._write_all, rest)
        return photo, thumb

    def prepare(self, data: bytes, *, keep_original: bool = False,
                small: bytes | None = None) -> tuple[StoredPhoto, bytes | None]:
        photo, writes = self._prepare(data, keep_original, small)
        rest, thumb = _thumb_apart(photo, writes)
        self._write_all(rest)
        return photo, thumb

    def write_thumbs(self, thumbs: list[tuple[str, bytes]]) -> None:
        """Thumbnails prepare() left to write, each on disk (fsync) when this returns."""
        for relative, content in thumbs:
            if not relative.endswith(".thumb.jpg"):
                raise ValueError("not a thumbnail's path")
            self._write(relative, content)

    def _write_all(self, writes: list[tuple[str, bytes]]) -> None:
        for relative, content in writes:
            self._write(relative, content)

    def _prepare(self, data: bytes, keep_original: bool,
                 small: bytes | None = None) -> tuple[StoredPhoto, list[tuple[str, bytes]]]:
        """Everything but the disk: the photo's record and the files still to be written."""
        if len(data) > self.max_bytes:
            raise PhotoRejected("too_large")
        sha = hashlib.sha256(data).hexdigest()
        writes: list[tuple[str, bytes]] = []
        with open_image(data) as img:
            fmt = img.format or ""
            if fmt not in EXTENSIONS:
                raise PhotoRejected("unsupported")
            width, height = img.size
            if width <= 0 or height <= 0:
                raise PhotoRejected("corrupt")
            if width * height > self.max_pixels:
                raise PhotoRejected("too_many_pixels")
            if decode_cost(img, data, self.long_side) > self.decode_bytes:
                raise PhotoRejected("too_large_to_decode")
            taken_at, lat, lon, orientation = read_exif(img)
            base = f"{sha[:2]}/{sha}"
            normalized, thumb = f"{base}.jpg", f"{base}.thumb.jpg"
            # Same bytes, same output: when both files are there, only their headers are read.
            done = self._stored(normalized, thumb)
            if done is None:
                done = self._render(img, fmt, orientation, normalized, thumb, data, writes, small)
        original = f"{base}.orig.{EXTENSIONS[fmt]}" if keep_original else None
        if original is not None:
            writes.append((original, data))
        out_w, out_h, phash = done
        photo = StoredPhoto(sha256=sha, normalized=normalized, thumb=thumb, original=original,
                            width=out_w, height=out_h, taken_at=taken_at, lat=lat, lon=lon,
                            phash=phash)
        return photo, writes

    def _stored(self, normalized: str, thumb: str) -> tuple[int, int, str | None] | None:
        norm_path, thumb_path = self.path(normalized), self.path(thumb)
        if not (norm_path.is_file() and thumb_path.is_file()):
            return None
        try:
            with Image.open(norm_path) as n:
                size = n.size
            phash = _thumb_hash(thumb_path.read_bytes())
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
        return (fmt in JPEG_FORMATS and planned == img.size and orientation in (0, 1)
                and img.mode in ("RGB", "L") and set(img.info) <= _HARMLESS_JPEG_INFO)

    def _render_thumb_only(self, img: ImageFile.ImageFile, data: bytes, normalized: str,
                           thumb: str, writes: list[tuple[str, bytes]]) -> tuple[int, int, str | None]:
        # The bytes already are a normalized JPEG: only the thumbnail is made, decoded by
        # libjpeg at reduced scale. Truncated data still fails the decode, as on the full path.
        width, height = img.size
        target = fit(img.size, self.thumb_side)
        img.draft("RGB", target)
        load(img)
        small = img.convert("RGB")
        small.info = {}
        phash = self._save(small, None, thumb, normalized, data, writes)
        return width, height, phash

    def _save(self, frame: Image.Image, icc: bytes | None, thumb: str, normalized: str,
              norm_bytes: bytes, writes: list[tuple[str, bytes]]) -> str | None:
        """Plan the thumbnail (made from `frame`) and the normalized bytes; return the hash."""
        small = frame
        thumb_size = fit(frame.size, self.thumb_side)
        if thumb_size != frame.size:
            small = frame.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
        thumb_bytes = jpeg(small, icc)
        writes += [(thumb, thumb_bytes), (normalized, norm_bytes)]
        return _thumb_hash(thumb_bytes)

    def _thumb_from_small(self, img: ImageFile.ImageFile, small: bytes, data: bytes, normalized: str,
                          thumb: str, writes: list[tuple[str, bytes]]) -> tuple[int, int, str | None] | None:
        """The platform's own small size as the thumbnail, the photo kept as it came: nothing of
        the large one is decoded. None when the small copy is not what it claims to be (not a
        JPEG, another shape, damaged): the caller then makes the thumbnail itself."""
        if len(small) > len(data) or len(small) > _SMALL_MAX_BYTES:
            return None
        try:
            with Image.open(io.BytesIO(small)) as little:
                if not _same_picture_smaller(img.size, little.size, self.thumb_side):
                    return None
                if (little.format in JPEG_FORMATS and fit(little.size, self.thumb_side) == little.size
                        and little.mode in ("RGB", "L") and set(little.info) <= _HARMLESS_JPEG_INFO):
                    thumb_bytes = trimmed(small)
                    if thumb_bytes is None:
                        return None
                    # Decoded once (by the hash) before it is kept: a damaged one is not stored.
                    phash = _thumb_hash(thumb_bytes)
                    writes += [(thumb, thumb_bytes), (normalized, data)]
                else:
                    # Larger than a thumbnail (a platform with other sizes): made from it, still
                    # far smaller than the photo.
                    little.draft("RGB", fit(little.size, self.thumb_side))
                    little.load()
                    frame = resizable(little)
                    frame.info = {}
                    phash = self._save(flatten(frame), None, thumb, normalized, data, writes)
        except MemoryError:
            raise
        except Exception:
            return None
        return img.size[0], img.size[1], phash

    def _render(self, img: ImageFile.ImageFile, fmt: str, orientation: int, normalized: str,
                thumb: str, data: bytes, writes: list[tuple[str, bytes]],
                small: bytes | None = None) -> tuple[int, int, str | None]:
        # Sizes are planned in the stored (pre-rotation) frame: the long side doesn't change
        # under rotation, and rotating the small result is cheaper than rotating the source.
        planned = fit(img.size, self.long_side)
        if self._already_normal(img, fmt, orientation, planned):
            # Kept without re-encoding, but only its image: nothing that rode along is served.
            kept = trimmed(data)
            if kept is not None and small is not None:
                planned_writes: list[tuple[str, bytes]] = []
                done = self._thumb_from_small(img, small, kept, normalized, thumb, planned_writes)
                if done is not None:
                    writes += planned_writes
                    return done
            if kept is not None:
                return self._render_thumb_only(img, kept, normalized, thumb, writes)
        if planned != img.size and fmt in JPEG_FORMATS:
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale; a result between half the long side and
            # the long side is kept as it is: the cap is "at most", and skipping the resize of a
            # larger decode saves both its memory and its time.
            img.draft("RGB", draft_size(img.size, dct_scale(img.size, self.long_side)))
        load(img)
        icc = img.info.get("icc_profile")
        frame = resizable(img)
        # Pillow carries `info` through resize and transpose, and its JPEG writer copies a
        # comment from there; a camera's comment (or anything else in it) stays behind here.
        frame.info = {}
        # Planned again from what was decoded: the DCT-scaled size, or for HEIF the size after
        # libheif applied the container's rotation and crop.
        target = fit(frame.size, self.long_side)
        if frame.size != target:
            frame = frame.resize(target, RESAMPLE)
        if orientation in ORIENT:  # pillow_heif reports 1 for HEIF: libheif already turned it
            frame = frame.transpose(ORIENT[orientation])
        frame = flatten(frame)
        phash = self._save(frame, icc, thumb, normalized, jpeg(frame, icc), writes)
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
        private.make_dirs(target.parent, self.dir_mode)
        private.replace_file(target, data, self.file_mode, durable=True)


# The stores a helper process has built, by their settings: built once, not per photo.
_worker_stores: dict[tuple[Any, ...], PhotoStore] = {}


def _thumb_apart(photo: StoredPhoto, writes: list[tuple[str, bytes]]
                 ) -> tuple[list[tuple[str, bytes]], bytes | None]:
    rest = [(relative, content) for relative, content in writes if relative != photo.thumb]
    thumb = next((content for relative, content in writes if relative == photo.thumb), None)
    return rest, thumb


def _prepare_in_worker(spec: tuple[Any, ...], data: bytes, keep_original: bool,
                       small: bytes | None) -> tuple[StoredPhoto, bytes | None]:
    """PhotoStore(*spec).prepare(data), run in a helper process."""
    return _worker_store(spec).prepare(data, keep_original=keep_original, small=small)


def _worker_store(spec: tuple[Any, ...]) -> PhotoStore:
    store = _worker_stores.get(spec)
    if store is None:
        media_dir, max_pixels, max_bytes, long_side, thumb_side, shared, memory, decode = spec
        store = _worker_stores[spec] = PhotoStore(media_dir, max_pixels=max_pixels,
                                                  max_bytes=max_bytes, long_side=long_side,
                                                  thumb_side=thumb_side, shared=shared,
                                                  memory_mib=memory, decode_mib=decode)
    return store


def _process_in_worker(spec: tuple[Any, ...], data: bytes, keep_original: bool,
                       small: bytes | None) -> StoredPhoto:
    """PhotoStore(*spec).process(data), run in a helper process (storage/photos/workers.py)."""
    return _worker_store(spec).process(data, keep_original=keep_original, small=small)
