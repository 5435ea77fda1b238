"""Files known to the emulated server: uploads by the bot and media sent by played users."""

from __future__ import annotations

import hashlib
import io
import itertools
import mimetypes
from dataclasses import dataclass
from typing import Any

from PIL import Image

from tests.emulators.tgemu.params import ApiError, Upload

MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile refuses anything larger, as the cloud API does
THUMB_SIDE = 90
# The sizes Telegram makes of every photo below the photo itself ("s", "m", "x").
SMALLER_SIDES = (THUMB_SIDE, 320, 800)
# Telegram re-encodes photos to at most this side and drops their metadata (EXIF included).
PHOTO_MAX_SIDE = 1280


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._serial = itertools.count(1)
        # Every size of a photo maps to the whole PhotoSize array, to re-send it by file_id.
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def add(self, data: bytes, folder: str, *, variant: str = "", file_name: str | None = None,
            mime_type: str | None = None) -> StoredFile:
        n = next(self._serial)
        digest = hashlib.sha256(data).hexdigest()
        ext = ".jpg" if folder == "photos" else ""
        if file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        # Same bytes give the same file_unique_id (as Telegram's dedup does), never the same
        # file_id: code keyed on file_id must not rely on it being stable.
        prefix = "AgAC" if folder == "photos" else "BQAC"
        stored = StoredFile(
            file_id=f"{prefix}Emu{n:06d}{digest[:24]}",
            file_unique_id=f"AQAD{variant}{digest[:12]}",
            data=data,
            file_path=f"{folder}/file_{n}{ext}",
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def photo_sizes(self, data: bytes, *, recompress: bool = False) -> list[dict[str, Any]]:
        """A PhotoSize array, smallest first, as Telegram makes it: real JPEGs of at most 90, 320
        and 800 px (each only when the photo is larger), then the photo itself.

        With ``recompress`` the photo is re-encoded like Telegram does (JPEG, no EXIF, at most
        1280px); otherwise the exact bytes are kept so tests can compare them.
        """
        try:
            with Image.open(io.BytesIO(data)) as img:
                if not recompress:
                    # Only the smaller sizes are made: let libjpeg decode at the smallest scale
                    # that still covers the largest of them (benchmarks send hundreds of photos).
                    img.draft("RGB", _covering(img.size, SMALLER_SIDES[-1]))
                img.load()
                full = img.convert("RGB") if recompress or img.mode not in ("RGB", "L") else img
                if recompress:
                    full.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                    data = _jpeg(full, quality=87)
                width, height = full.size if recompress else Image.open(io.BytesIO(data)).size
                smaller = []
                # Largest first, each made from the one before: one resize of the full picture.
                source = full.convert("RGB")
                for side, variant in reversed(list(zip(SMALLER_SIDES, "smx", strict=True))):
                    if side == THUMB_SIDE or max(width, height) > side:
                        source = source.copy()
                        source.thumbnail((side, side), Image.Resampling.LANCZOS)
                        smaller.append((variant, source))
        except (OSError, ValueError, Image.DecompressionBombError):
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from None
        sizes = []
        for variant, picture in reversed(smaller):
            stored = self.add(_jpeg(picture, quality=80 if variant == "s" else 87), "photos",
                              variant=variant, mime_type="image/jpeg")
            sizes.append(_photo_size(stored, *picture.size))
        large = self.add(data, "photos", variant="y", mime_type="image/jpeg")
        sizes.append(_photo_size(large, width, height))
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def photo_set(self, file_id: str) -> list[dict[str, Any]] | None:
        return self._photo_sets.get(file_id)

    def document(self, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        return document_object(self.add(data, "documents", file_name=file_name,
                                         mime_type=mime_type))

    def resolve(self, ref: Upload | str | None, what: str) -> StoredFile | Upload:
        """An upload as is, or the stored file a file_id names; URLs are not fetched."""
        if ref is None:
            raise ApiError(400, f"Bad Request: there is no {what} in the request")
        if isinstance(ref, Upload):
            return ref
        if ref.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        stored = self.get(ref)
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored


def _covering(size: tuple[int, int], side: int) -> tuple[int, int]:
    """What to ask Image.draft for so the decode still covers `side` px on the long side."""
    scale = min(1.0, side / max(size))
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def _jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def document_object(stored: StoredFile) -> dict[str, Any]:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name, "mime_type": stored.mime_type,
            "file_size": stored.file_size}


def _photo_size(stored: StoredFile, width: int, height: int) -> dict[str, Any]:
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size, "width": width, "height": height}
