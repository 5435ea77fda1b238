"""Opening and decoding what senders send, every failure turned into a reason they are shown."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterator

from PIL import Image, ImageFile

from storage.photos.records import PhotoRejected

try:
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - HEIC is optional; without it such files are "unsupported"
    HEIF_AVAILABLE = False
else:
    register_heif_opener()
    HEIF_AVAILABLE = True

# Pillow format name -> extension for the kept original. MPO is what Pillow calls the many phone
# JPEGs that carry a second (depth/preview) picture; it is a JPEG for every purpose here.
EXTENSIONS: dict[str, str] = {
    "JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "HEIF": "heic",
}
JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                          b"mif1", b"msf1"})

# Pillow's own bomb guard is process-global. It is raised to the largest limit any store asked
# for, so it never refuses what a store accepts; each store enforces its own limit itself.
_pillow_limit_lock = threading.Lock()
_pillow_limit = 0


def allow_pixels(max_pixels: int) -> None:
    global _pillow_limit
    with _pillow_limit_lock:
        _pillow_limit = max(_pillow_limit, max_pixels)
        Image.MAX_IMAGE_PIXELS = _pillow_limit


@contextlib.contextmanager
def _refused_as(reason: Callable[[], str]) -> Iterator[None]:
    try:
        yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("too_many_pixels") from exc
    except MemoryError:
        raise
    except Exception as exc:
        # Decoders signal bad data with OSError, SyntaxError, ValueError, struct.error,
        # EOFError, zlib.error...: all of them mean the same thing to the sender.
        raise PhotoRejected(reason()) from exc


def load(img: ImageFile.ImageFile) -> None:
    with _refused_as(lambda: "corrupt"):
        img.load()


def open_image(data: bytes) -> ImageFile.ImageFile:
    with _refused_as(lambda: _unopenable(data)):
        return Image.open(io.BytesIO(data))


def _unopenable(data: bytes) -> str:
    kind = _sniff(data)
    if kind == "HEIF" and not HEIF_AVAILABLE:
        return "unsupported"
    # A known signature that Pillow then chokes on is a broken photo, not some other file.
    return "corrupt" if kind else "not_image"


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
