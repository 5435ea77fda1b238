"""How much memory a decode takes, decided from the header before any pixel is decoded.

The pixel cap alone is no memory cap: what a decode peaks at depends on the format far more than
on the pixel count. Measured with Pillow 13.0, libwebp 1.6, pillow-heif 1.8 (growth of the peak
RSS of one PhotoStore.process on flat-colour images, MiB):

    lossless or lossy WebP 16383x3660 (60 MP)   918   16 B/px: libwebp's canvas and previous
    WebP 4000x3000                              186   frame, the bytes handed to Pillow, its image
    PNG RGBA 10000x6000                         514   8 B/px: the image, its premultiplied copy
    PNG P 10000x6000                            343   5 B/px: 1 decoded, 4 as RGB
    PNG RGB 10000x6000                          286   4 B/px: Pillow keeps RGB in 4 bytes
    PNG RGB 4000x3000                            81
    PNG L 10000x6000                             71
    HEIF 8064x6048 (48 MP)                      340   7 B/px: libheif's planes, then Pillow's
    HEIF 4032x3024                               88
    JPEG progressive 4:4:4 10000x6000           358   6 B/px: libjpeg holds every DCT coefficient
    JPEG progressive 4:2:0 10000x6000           186   3 B/px  (2 bytes each) of a multi-scan file
    JPEG baseline 10000x6000                     36   decoded at 1/4 scale, never whole

B/px is per source pixel, on top of the resize to the long side: its first pass (target width x
source height) and its result, 4 bytes a pixel each (49 + 10 MB for 10000x6000 to 2048 px).
"""

from __future__ import annotations

from PIL import Image, ImageFile

from storage.photos.decode import JPEG_FORMATS
from storage.photos.render import fit

MIB = 1024 * 1024
# One decode may use this much. It takes the photos phones make whole, sent as files too: a 24 MP
# HEIC (~200 MiB), a 12 MP WebP (~195 MiB), a 12 MP PNG screenshot (~105 MiB), a 50 MP
# progressive JPEG (~150 MiB); it refuses a 48 MP HEIC, a WebP over ~15 MP and an RGB PNG over
# ~50 MP, which phones only make when asked and chats deliver as ~2 MP JPEGs when sent as photos.
DECODE_MIB = 256
DEFAULT_MEMORY_MIB = 512

# Bytes per source pixel for a decoded image of each Pillow mode and what render.resizable
# converts it to: e.g. P is 1 decoded + 4 as RGB; RGBA and LA 4 + 4 premultiplied for the resize.
_MODE_COST = {"1": 2, "L": 1, "P": 5, "LA": 8, "PA": 12, "RGB": 4, "RGBA": 8, "I": 9, "F": 9}
_OTHER_MODE_COST = 8  # CMYK, YCbCr, LAB, HSV: decoded in 4 bytes, converted to RGB
_I16_COST = 11        # 2 decoded, 4 as I, 4 scaled, 1 as L
# What a format's decoder holds besides Pillow's own image, per pixel (see the table above).
_FORMAT_EXTRA = {"WEBP": 12, "HEIF": 3}


def decode_slots(memory_mib: int, decode_mib: int = DECODE_MIB) -> tuple[int, int]:
    """(decodes at once, bytes one decode may take) for a memory budget of `memory_mib`."""
    each = min(decode_mib, memory_mib)
    return max(1, memory_mib // each), each * MIB


def dct_scale(size: tuple[int, int], side: int) -> int:
    """The libjpeg scale denominator (1, 2, 4 or 8) for a JPEG going to `side` px: the largest
    that keeps the long side at least side/2. The result then lies between side/2 and side and is
    used as it is, with no resize; only a source over 8 * side still needs one."""
    long = max(size)
    if long <= side:
        return 1
    for denominator in (2, 4):
        if -(-long // denominator) <= side:
            return denominator
    return 8


def draft_size(size: tuple[int, int], denominator: int) -> tuple[int, int]:
    """What to ask Image.draft for so Pillow picks exactly `denominator`: it takes the largest
    scale that still covers the request in both directions."""
    return max(1, size[0] // denominator), max(1, size[1] // denominator)


def decode_cost(img: ImageFile.ImageFile, data: bytes, side: int) -> int:
    """Bytes the decode and resize of `img` (opened, not loaded) to `side` px peak at."""
    width, height = img.size
    fmt = img.format or ""
    if fmt in JPEG_FORMATS:
        denominator = dct_scale(img.size, side)
        scaled = (-(-width // denominator), -(-height // denominator))
        return (_jpeg_coefficients(img, data) + scaled[0] * scaled[1] * _mode_cost(img)
                + _resize_cost(scaled, side))
    return width * height * (_mode_cost(img) + _FORMAT_EXTRA.get(fmt, 0)) + _resize_cost(img.size, side)


def _resize_cost(size: tuple[int, int], side: int) -> int:
    target = fit(size, side)
    if target == size:
        return 0
    first_pass = max(target[0] * size[1], size[0] * target[1])  # whichever way Pillow goes first
    return (first_pass + target[0] * target[1]) * 4


def _mode_cost(img: Image.Image) -> int:
    mode = img.mode
    if mode.startswith("I;16"):
        return _I16_COST
    if mode == "P" and "transparency" in img.info:
        return _MODE_COST["RGBA"] + 1
    return _MODE_COST.get(mode, _OTHER_MODE_COST)


def _jpeg_coefficients(img: ImageFile.ImageFile, data: bytes) -> int:
    """A multi-scan JPEG (progressive, or sequential with one component per scan) is decoded
    with every DCT coefficient of the whole image in memory, whatever the output scale."""
    layers: list[tuple[int, int, int, int]] = getattr(img, "layer", [])
    if not layers:
        return 0
    if not img.info.get("progressive") and not _first_scan_partial(data, len(layers)):
        return 0
    h_max = max(h for _, h, _, _ in layers) or 1
    v_max = max(v for _, _, v, _ in layers) or 1
    # libjpeg's whole-image arrays: 64 coefficients of 2 bytes per block, padded to whole MCUs.
    mcus_wide = -(-img.size[0] // (8 * h_max))
    mcus_high = -(-img.size[1] // (8 * v_max))
    return sum(mcus_wide * h * mcus_high * v for _, h, v, _ in layers) * 64 * 2


def _first_scan_partial(data: bytes, components: int) -> bool:
    pos = 2
    while pos + 4 < len(data):
        if data[pos] != 0xFF:
            return True  # not where a marker should be: the decoder's problem, costed at worst
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xDA:
            return data[pos + 4] < components
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
    return False
