"""The photo pipeline: what gets accepted, what is stored, what leaks, what is refused."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import resource
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pillow_heif
import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFilter

from storage.photos import (
    PhotoRejected,
    PhotoStore,
    StoredPhoto,
    index_keys,
    same_scene,
)
from storage.photos import workers as photo_workers
from storage.photos.hashing import scene_hash

needs_heif_encoder = pytest.mark.skipif(
    not pillow_heif.libheif_info().get("HEIF"), reason="this libheif build cannot write HEIC"
)

# --- images -----------------------------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """Photo-like: smooth light, hard-edged shapes, a little blur and sensor noise."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.merge("RGB", (
        Image.linear_gradient("L").rotate(rnd.randrange(360)).resize(size),
        Image.radial_gradient("L").resize(size),
        Image.linear_gradient("L").rotate(rnd.randrange(360)).resize(size),
    ))
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = rnd.randrange(w), rnd.randrange(h)
        box = (x0, y0, x0 + rnd.randrange(w // 10, w // 2), y0 + rnd.randrange(h // 10, h // 2))
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.rectangle(box, fill=colour)
        else:
            draw.ellipse(box, fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(2))
    return Image.blend(img, Image.effect_noise(size, 30).convert("RGB"), 0.1)


def encode(img: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def halves(size: tuple[int, int], left: str, right: str) -> Image.Image:
    img = Image.new("RGB", size, left)
    img.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return img


def with_metadata(*, orientation: int | None = None, original: str | None = None,
                  digitized: str | None = None, lat: tuple[str, tuple[float, ...]] | None = None,
                  lon: tuple[str, tuple[float, ...]] | None = None) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if digitized is not None:
        exif[ExifTags.Base.DateTime] = digitized
    if original is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = original
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if lat is not None:
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = lat
    if lon is not None:
        gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = lon
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bilevel_png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG; 20000x20000 of it is 400 MB once Pillow decodes it."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 1000) for _ in range(height // 1000))
    idat += packer.compress(row * (height % 1000)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header says it is width x height."""
    data = bytearray(encode(Image.new("RGB", (64, 48), "grey")))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "media")


def opened(store: PhotoStore, relative: str) -> Image.Image:
    img = Image.open(store.path(relative))
    img.load()
    return img


def rejection(store: PhotoStore, data: bytes) -> str:
    with pytest.raises(PhotoRejected) as caught:
        store.process(data)
    return caught.value.reason


def stored_files(store: PhotoStore) -> list[Path]:
    root = store.path("")
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- accepted formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt", ["JPEG", "PNG", "WEBP", pytest.param("HEIF", marks=needs_heif_encoder)]
)
def test_common_formats_become_a_normalized_jpeg_and_thumbnail(store: PhotoStore, fmt: str) -> None:
    data = encode(photo(1, (640, 480)), fmt)
    stored = store.process(data)
    assert stored.width == 640 and stored.height == 480
    normalized, thumb = opened(store, stored.normalized), opened(store, stored.thumb)
    assert normalized.format == thumb.format == "JPEG"
    assert normalized.size == (640, 480) and thumb.size == (320, 240)
    assert stored.original is None
    assert not Path(stored.normalized).is_absolute()
    assert store.path(stored.normalized).is_relative_to(store.path(""))
    # the scene hash of the thumbnail as stored, recomputed from the file alone
    with Image.open(store.path(stored.thumb)) as t:
        assert stored.phash is not None and stored.phash == scene_hash(t)


def test_transparency_becomes_white(store: PhotoStore) -> None:
    img = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    img.paste((200, 0, 0, 255), (0, 0, 200, 300))
    stored = store.process(encode(img, "PNG"))
    normalized = opened(store, stored.normalized)
    assert normalized.mode == "RGB"
    red, white = normalized.getpixel((50, 150)), normalized.getpixel((350, 150))
    assert isinstance(red, tuple) and isinstance(white, tuple)
    assert red[0] > 180 and red[1] < 40 and min(white) > 240


@pytest.mark.parametrize("img", [
    Image.new("P", (300, 200), 3),
    Image.new("LA", (300, 200), (90, 128)),
    Image.new("I;16", (300, 200), 40000),
    Image.new("1", (300, 200), 1),
], ids=lambda img: img.mode)
def test_unusual_png_modes_are_converted(store: PhotoStore, img: Image.Image) -> None:
    stored = store.process(encode(img, "PNG"))
    assert opened(store, stored.normalized).mode in ("RGB", "L")


def test_cmyk_jpeg_is_converted_to_rgb(store: PhotoStore) -> None:
    stored = store.process(encode(photo(2, (400, 300)).convert("CMYK")))
    assert opened(store, stored.normalized).mode == "RGB"


# --- geometry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", pytest.param("HEIF", marks=needs_heif_encoder)])
def test_exif_orientation_is_applied(store: PhotoStore, fmt: str) -> None:
    # Stored landscape, left half red; Orientation 6 says "turn 90° clockwise to view",
    # so the viewer sees a portrait picture with red on top. (Given EXIF as bytes, pillow_heif
    # turns it into the HEIF container's own rotation, as phones do; the result must match.)
    exif = with_metadata(orientation=6).tobytes()
    data = encode(halves((800, 600), "red", "blue"), fmt, exif=exif)
    stored = store.process(data)
    normalized = opened(store, stored.normalized)
    assert (stored.width, stored.height) == normalized.size == (600, 800)
    top, bottom = normalized.getpixel((300, 100)), normalized.getpixel((300, 700))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60
    assert opened(store, stored.thumb).size == (240, 320)


def test_long_side_is_capped_and_thumbnail_is_small(store: PhotoStore) -> None:
    # At most 2048: libjpeg's 1/4 scale gives 1250 px, kept as it is (1/2 would be 2500).
    stored = store.process(encode(halves((5000, 4000), "orange", "navy"), quality=80))
    assert (stored.width, stored.height) == opened(store, stored.normalized).size == (1250, 1000)
    assert opened(store, stored.thumb).size == (320, 256)


@pytest.mark.parametrize(("size", "kept"), [
    ((4000, 3000), (2000, 1500)),   # 1/2
    ((3000, 4000), (1500, 2000)),
    ((6000, 4000), (1500, 1000)),   # 1/4: 1/2 would still be over 2048
    ((2100, 1400), (1050, 700)),
    ((4096, 3072), (2048, 1536)),   # 1/2 lands on 2048 itself
    ((2048, 1536), (2048, 1536)),   # within the cap: not scaled at all
])
def test_a_jpeg_is_decoded_at_the_dct_scale_that_lands_within_the_cap(
    store: PhotoStore, size: tuple[int, int], kept: tuple[int, int]
) -> None:
    exif = with_metadata(orientation=1, original="2025:03:14 09:26:53")
    stored = store.process(encode(halves(size, "orange", "navy"), quality=80, exif=exif))
    assert (stored.width, stored.height) == opened(store, stored.normalized).size == kept


def test_portrait_png_is_capped_on_its_long_side(store: PhotoStore) -> None:
    stored = store.process(encode(Image.new("RGB", (1500, 3000), "green"), "PNG"))
    assert (stored.width, stored.height) == (1024, 2048)
    assert max(opened(store, stored.thumb).size) == 320


def test_small_images_are_not_upscaled(store: PhotoStore) -> None:
    stored = store.process(encode(photo(4, (200, 150))))
    assert (stored.width, stored.height) == (200, 150)
    assert opened(store, stored.thumb).size == (200, 150)


def test_store_settings_are_honoured(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path, long_side=500, thumb_side=100)
    stored = store.process(encode(photo(5, (1000, 800))))
    assert (stored.width, stored.height) == (500, 400)
    assert opened(store, stored.thumb).size == (100, 80)


# --- metadata -----------------------------------------------------------------------------------


def test_capture_time_and_gps_are_read(store: PhotoStore) -> None:
    exif = with_metadata(original="2025:03:14 09:26:53", digitized="2025:03:15 10:00:00",
                         lat=("N", (10.0, 2.0, 33.6)), lon=("E", (105.0, 58.0, 12.0)))
    stored = store.process(encode(photo(6, (640, 480)), exif=exif))
    assert stored.taken_at == "2025-03-14T09:26:53"
    assert stored.lat == pytest.approx(10.042667, abs=1e-6)
    assert stored.lon == pytest.approx(105.97, abs=1e-6)


def test_southern_and_western_coordinates_are_negative(store: PhotoStore) -> None:
    exif = with_metadata(lat=("S", (33.0, 52.0, 4.0)), lon=("W", (70.0, 30.0, 0.0)))
    stored = store.process(encode(photo(7, (320, 240)), "WEBP", exif=exif))
    assert stored.lat == pytest.approx(-33.867778, abs=1e-6)
    assert stored.lon == pytest.approx(-70.5, abs=1e-6)


def test_capture_time_falls_back_to_datetime(store: PhotoStore) -> None:
    exif = with_metadata(digitized="2024:12:31 23:59:59")
    stored = store.process(encode(photo(8, (320, 240)), exif=exif))
    assert stored.taken_at == "2024-12-31T23:59:59"


def test_missing_or_garbage_metadata_is_none(store: PhotoStore) -> None:
    assert store.process(encode(photo(9, (320, 240)))).taken_at is None
    exif = with_metadata(original="0000:00:00 00:00:00", lat=("N", (95.0, 0.0, 0.0)),
                         lon=("E", (105.0, 0.0, 0.0)))
    stored = store.process(encode(photo(10, (320, 240)), exif=exif))
    assert (stored.taken_at, stored.lat, stored.lon) == (None, None, None)
    no_fix = with_metadata(lat=("N", (0.0, 0.0, 0.0)), lon=("E", (0.0, 0.0, 0.0)))
    stored = store.process(encode(photo(11, (320, 240)), exif=no_fix))
    assert (stored.lat, stored.lon) == (None, None)


def test_shared_copies_carry_no_exif_or_gps(store: PhotoStore) -> None:
    exif = with_metadata(orientation=6, original="2025:03:14 09:26:53",
                         lat=("N", (10.0, 2.0, 33.6)), lon=("E", (105.0, 58.0, 12.0)))
    stored = store.process(encode(photo(12, (640, 480)), exif=exif), keep_original=True)
    assert stored.lat is not None
    for relative in (stored.normalized, stored.thumb):
        raw = store.path(relative).read_bytes()
        assert b"Exif" not in raw
        img = opened(store, relative)
        assert not img.getexif() and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    # Nor does anything else the camera wrote, such as a JPEG comment.
    commented = store.process(encode(photo(12, (640, 480)), comment=b"Lat 10.0427 Lon 105.97"))
    for relative in (commented.normalized, commented.thumb):
        assert b"105.97" not in store.path(relative).read_bytes()
    # ...while the original, kept on request, is exactly what was sent.
    assert stored.original is not None
    assert Image.open(store.path(stored.original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


# --- the store ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "ext"), [
    ("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"),
    pytest.param("HEIF", "heic", marks=needs_heif_encoder),
])
def test_original_is_kept_byte_for_byte_on_request(store: PhotoStore, fmt: str, ext: str) -> None:
    data = encode(photo(13, (320, 240)), fmt)
    stored = store.process(data, keep_original=True)
    assert stored.original is not None and stored.original.endswith(f".orig.{ext}")
    assert store.path(stored.original).read_bytes() == data


def test_files_are_named_by_content(store: PhotoStore) -> None:
    data = encode(photo(14, (320, 240)))
    stored = store.process(data)
    sha = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == sha
    assert stored.normalized == f"{sha[:2]}/{sha}.jpg"
    assert stored.thumb == f"{sha[:2]}/{sha}.thumb.jpg"
    # Nothing else is left behind: no temp files, no original unless asked for.
    assert stored_files(store) == sorted([store.path(stored.normalized), store.path(stored.thumb)])


def test_same_bytes_twice_give_the_same_result_without_rewriting(store: PhotoStore) -> None:
    data = encode(photo(15, (1200, 900)), exif=with_metadata(original="2025:01:02 03:04:05"))
    first = store.process(data)
    before = {p: (p.stat().st_ino, p.read_bytes()) for p in stored_files(store)}
    aged = time.time() - 86400
    for p in before:
        os.utime(p, (aged, aged))
    second = store.process(data)
    assert second == first
    assert {p: (p.stat().st_ino, p.read_bytes()) for p in stored_files(store)} == before
    # Not rewritten, but marked as used again, so the sweep of unused photos leaves them be.
    assert all(p.stat().st_mtime > aged + 3600 for p in before)
    # Asking for the original later adds just that file.
    third = store.process(data, keep_original=True)
    assert third.original is not None
    assert third.to_dict() == {**first.to_dict(), "original": third.original}


def test_a_second_store_on_the_same_dir_finds_the_same_photo(tmp_path: Path) -> None:
    data = encode(photo(16, (900, 700)))
    first = PhotoStore(tmp_path).process(data)
    assert PhotoStore(tmp_path).process(data) == first


def test_damaged_file_is_replaced(store: PhotoStore) -> None:
    data = encode(photo(17, (640, 480)))
    first = store.process(data)
    store.path(first.thumb).write_bytes(b"not a jpeg any more")
    assert store.process(data) == first
    assert opened(store, first.thumb).size == (320, 240)


def test_stored_photo_round_trips_through_json(store: PhotoStore) -> None:
    exif = with_metadata(original="2025:03:14 09:26:53", lat=("S", (1.0, 2.0, 3.0)),
                         lon=("W", (4.0, 5.0, 6.0)))
    stored = store.process(encode(photo(18, (320, 240)), exif=exif), keep_original=True)
    assert StoredPhoto.from_dict(json.loads(json.dumps(stored.to_dict()))) == stored
    assert stored.phash is not None
    bare = StoredPhoto("ab", "n", "t", None, 1, 2, None, None, None, None)
    assert StoredPhoto.from_dict(json.loads(json.dumps(bare.to_dict()))) == bare
    # A draft saved before scene hashes holds the old 64-bit number: the photo stays, unhashed.
    assert StoredPhoto.from_dict({**bare.to_dict(), "phash": -5}) == bare
    with pytest.raises((TypeError, KeyError)):
        StoredPhoto.from_dict({**bare.to_dict(), "width": "wide"})


def test_paths_cannot_escape_the_store(store: PhotoStore) -> None:
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    with pytest.raises(ValueError):
        store.path("/etc/passwd")


async def test_process_async_matches_process(store: PhotoStore) -> None:
    data = encode(photo(19, (800, 600)))
    stored = await store.process_async(data, keep_original=True)
    assert stored == store.process(data, keep_original=True)
    assert store.path(stored.normalized).is_file()
    with pytest.raises(PhotoRejected):
        await store.process_async(b"%PDF-1.7\n")


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_unsupported(store: PhotoStore, fmt: str) -> None:
    assert rejection(store, encode(photo(20, (64, 48)), fmt)) == "unsupported"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << >>\n%%EOF\n",
    "Báo cáo: nhà đã lợp mái xong.\n".encode() * 20,
    b"",
], ids=["pdf", "text", "empty"])
def test_non_images_are_refused(store: PhotoStore, data: bytes) -> None:
    assert rejection(store, data) == "not_image"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_images_are_corrupt_and_nothing_is_stored(store: PhotoStore, fmt: str) -> None:
    data = encode(photo(21, (800, 600)), fmt)
    assert rejection(store, data[: len(data) // 2]) == "corrupt"
    assert stored_files(store) == []


def test_progressive_jpeg_cut_in_half_is_corrupt(store: PhotoStore) -> None:
    data = encode(photo(22, (800, 600)), progressive=True)
    assert rejection(store, data[: len(data) // 2]) == "corrupt"


def test_broken_header_with_a_jpeg_signature_is_corrupt(store: PhotoStore) -> None:
    assert rejection(store, b"\xff\xd8\xff\xe0" + b"\x00" * 64) == "corrupt"


@pytest.mark.parametrize("make", [bilevel_png, jpeg_claiming], ids=["png", "jpeg-header"])
def test_decompression_bomb_is_refused_fast_and_small(
    store: PhotoStore, make: Callable[[int, int], bytes]
) -> None:
    data = make(20000, 20000)
    assert len(data) < 200_000
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    start = time.perf_counter()
    assert rejection(store, data) == "too_many_pixels"
    assert time.perf_counter() - start < 2
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 100
    assert stored_files(store) == []


def test_pixel_limit_is_per_store(tmp_path: Path) -> None:
    data = encode(photo(23, (800, 600)))
    assert rejection(PhotoStore(tmp_path / "a", max_pixels=400_000), data) == "too_many_pixels"
    # A strict store elsewhere in the process does not make a default one refuse.
    assert PhotoStore(tmp_path / "b").process(data).width == 800


def lossless_webp(width: int, height: int, argb: tuple[int, int, int, int] = (255, 200, 120, 40)) -> bytes:
    """A lossless WebP of one colour in ~34 bytes: five prefix codes of one symbol each, so every
    pixel takes no bits at all. libwebp and Pillow decode it to width x height like any other."""
    fields = [(0x2F, 8), (width - 1, 14), (height - 1, 14), (0, 1), (0, 3),  # header, no alpha
              (0, 1), (0, 1), (0, 1)]  # no transform, no colour cache, no meta prefix codes
    alpha, red, green, blue = argb
    for value in (green, red, blue, alpha, 0):  # the last is the distance code
        fields += [(1, 1), (0, 1), (1, 1), (value, 8)]  # simple code, one 8-bit symbol
    bits = used = 0
    for value, count in fields:
        bits |= value << used
        used += count
    body = bits.to_bytes((used + 7) // 8, "little")
    body += b"\0" * (len(body) % 2)
    chunk = b"VP8L" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def flat_png(width: int, height: int, colour: bytes, note: str = "") -> bytes:
    """An 8-bit RGB (3-byte colour) or RGBA (4-byte) PNG of one colour, made a band at a time."""
    row = b"\x00" + colour * width
    packer = zlib.compressobj(6)
    idat = b"".join(packer.compress(row * 200) for _ in range(height // 200))
    idat += packer.compress(row * (height % 200)) + packer.flush()
    colour_type = {3: 2, 4: 6}[len(colour)]
    text = png_chunk(b"tEXt", b"Comment\0" + note.encode()) if note else b""
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
            + text + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def test_the_lossless_webp_helper_makes_a_real_image() -> None:
    with Image.open(io.BytesIO(lossless_webp(64, 48))) as img:
        img.load()
        assert (img.format, img.size, img.getpixel((40, 30))) == ("WEBP", (64, 48), (200, 120, 40))


@pytest.mark.parametrize("make", [
    pytest.param(lambda: lossless_webp(16383, 3660), id="webp-16383x3660"),
    pytest.param(lambda: flat_png(10000, 6000, b"\x10\x80\x30"), id="png-rgb-60mp"),
    pytest.param(lambda: flat_png(10000, 6000, b"\x10\x80\x30\x80"), id="png-rgba-60mp"),
])
def test_a_decode_too_large_for_memory_is_refused_before_it_starts(
    store: PhotoStore, make: Callable[[], bytes]
) -> None:
    # Under the pixel cap, but a WebP this size took ~950 MB to decode, a 60 MP PNG 300-550 MB.
    data = make()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    start = time.perf_counter()
    assert rejection(store, data) == "too_large_to_decode"
    assert time.perf_counter() - start < 2
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024 < 50
    assert stored_files(store) == []


def test_the_per_decode_budget_is_the_stores_own(tmp_path: Path) -> None:
    data = lossless_webp(3000, 2000)  # ~6 MP at ~16 B/px: ~110 MiB with the resize
    assert rejection(PhotoStore(tmp_path / "a", decode_mib=64), data) == "too_large_to_decode"
    assert PhotoStore(tmp_path / "b").process(data).width == 2048
    # A budget for everything smaller than one decode's share is that one decode's limit.
    assert rejection(PhotoStore(tmp_path / "c", memory_mib=64), data) == "too_large_to_decode"


def test_a_progressive_jpeg_is_costed_by_its_coefficients_not_its_scaled_size(tmp_path: Path) -> None:
    # libjpeg keeps all of a multi-scan file's coefficients, 2 bytes each: 4:4:4 at 12 MP is
    # ~72 MB however small the output; the same picture baseline decodes at 1/2 scale in ~12 MB.
    img = Image.new("RGB", (4000, 3000), "teal")
    strict = PhotoStore(tmp_path, decode_mib=64)
    progressive = encode(img, progressive=True, subsampling=0)
    assert rejection(strict, progressive) == "too_large_to_decode"
    assert strict.process(encode(img, subsampling=0)).width == 2000
    assert strict.process(encode(img, progressive=True, subsampling=2)).width == 2000  # ~36 MB


def test_a_sequential_jpeg_scanned_one_component_at_a_time_is_costed_whole() -> None:
    from storage.photos.budget import decode_cost

    data = encode(Image.new("RGB", (4000, 3000), "teal"))  # baseline, 4:2:0, one interleaved scan
    sos = data.index(b"\xff\xda")
    one_at_a_time = data[:sos + 4] + b"\x01" + data[sos + 5:]  # the first scan: one component
    costs = []
    for variant in (data, one_at_a_time):
        with Image.open(io.BytesIO(variant)) as img:
            costs.append(decode_cost(img, variant, 2048))
    # 2000x1500 RGB at 4 bytes: 12 MB; with all coefficients of 12 MP at 4:2:0 another 36 MB.
    assert costs[0] == 2000 * 1500 * 4
    assert costs[1] == costs[0] + 4000 * 3008 * 3 // 2 * 2


@pytest.mark.parametrize(("processes", "memory", "helpers"), [
    (4, 512, 2), (4, 1024, 4), (2, 4096, 2), (4, 200, 1), (0, 4096, 0),
])
def test_the_memory_budget_sets_how_many_decodes_run_at_once(
    tmp_path: Path, processes: int, memory: int, helpers: int
) -> None:
    store = PhotoStore(tmp_path, processes=processes, memory_mib=memory)
    assert store.processes == helpers
    assert store.decode_bytes == min(256, memory) * 1024 * 1024
    # In threads: no more than the cores, and no more than the budget holds.
    threads = PhotoStore(tmp_path, memory_mib=memory)
    assert threads.slots == min(os.cpu_count() or 1, max(1, memory // 256))


def test_too_many_bytes_is_too_large(tmp_path: Path) -> None:
    data = encode(photo(24, (640, 480)))
    assert rejection(PhotoStore(tmp_path, max_bytes=len(data) - 1), data) == "too_large"
    assert PhotoStore(tmp_path, max_bytes=len(data)).process(data).width == 640


# --- near duplicates ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_reencoded_or_resized_copy_is_a_near_duplicate(store: PhotoStore, seed: int) -> None:
    img = photo(seed)
    original = store.process(encode(img, quality=92)).phash
    assert original is not None
    copies = [
        encode(img, quality=60),
        encode(img.resize((1200, 900), Image.Resampling.LANCZOS), quality=80),
        encode(img.resize((800, 600)), "WEBP", quality=70),
        # Telegram's own small size: another resampler and quality, hashed as it comes
        encode(img.resize((320, 240), Image.Resampling.BILINEAR), quality=75),
    ]
    for copy in copies:
        assert same_scene(original, store.process(copy).phash)
    other = store.process(encode(photo(seed + 100), quality=92)).phash
    assert not same_scene(original, other)


def test_rotated_copy_matches_the_exif_rotated_original(store: PhotoStore) -> None:
    img = photo(34)
    tagged = store.process(encode(img, exif=with_metadata(orientation=6))).phash
    turned = store.process(encode(img.transpose(Image.Transpose.ROTATE_270))).phash
    assert same_scene(tagged, turned)


@pytest.mark.parametrize("colour", [(200, 200, 200), (30, 90, 200)])
def test_plain_pictures_have_no_scene_hash_and_match_nothing(store: PhotoStore,
                                                             colour: tuple[int, int, int]) -> None:
    """A flat wall or a sky cannot be told from another one: no hash, never a near-duplicate."""
    flat = store.process(encode(Image.new("RGB", (1280, 960), colour))).phash
    sky = Image.linear_gradient("L").resize((1280, 960)).convert("RGB")
    assert flat is None and store.process(encode(sky)).phash is None
    assert not same_scene(flat, flat)


def test_a_copy_shares_an_index_key_with_its_original(store: PhotoStore) -> None:
    img = photo(35)
    original = store.process(encode(img, quality=92)).phash
    copy = store.process(encode(img, quality=55)).phash
    assert set(index_keys(original)) & set(index_keys(copy))
    assert index_keys(None) == () and index_keys("zz") == ()


def test_a_clean_small_jpeg_is_kept_as_it_is_and_one_with_metadata_is_rewritten(tmp_path: Path) -> None:
    from tests.images import scene

    store = PhotoStore(tmp_path)
    clean = io.BytesIO()
    scene(3, (1280, 960)).save(clean, "JPEG", quality=85)
    result = store.process(clean.getvalue())
    assert store.path(result.normalized).read_bytes() == clean.getvalue()
    assert (result.width, result.height) == (1280, 960)
    with Image.open(store.path(result.thumb)) as thumb:
        assert max(thumb.size) <= 320
    commented = io.BytesIO()
    scene(4, (1280, 960)).save(commented, "JPEG", quality=85, comment=b"Nguyen Van A, ap 3")
    rewritten = store.process(commented.getvalue())
    assert b"Nguyen Van A" not in store.path(rewritten.normalized).read_bytes()


def _with_segment(jpeg_bytes: bytes, marker: int, payload: bytes) -> bytes:
    """The JPEG with one more marker segment right after its start-of-image."""
    segment = struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


@pytest.mark.parametrize("progressive", [False, True])
def test_a_kept_jpeg_holds_only_the_image(tmp_path: Path, progressive: bool) -> None:
    """A small clean JPEG is kept without re-encoding, but whatever rides along (text in APP
    segments, a page or an archive after the end marker) is not what a link or reviewer gets."""
    from tests.images import scene

    store = PhotoStore(tmp_path)
    clean = io.BytesIO()
    scene(5, (1280, 960)).save(clean, "JPEG", quality=85, progressive=progressive)
    html = b"<html><script>alert(1)</script></html>"
    archive = b"PK\x03\x04" + b"\x00" * 26 + b"secret.txt"
    smuggled = _with_segment(_with_segment(clean.getvalue(), 0xE5, b"Nguyen Van A " + html), 0xEF,
                             b"ap 3, xa My Huong") + archive

    result = store.process(smuggled)

    kept = store.path(result.normalized).read_bytes()
    assert html not in kept and b"Nguyen Van A" not in kept and b"ap 3" not in kept
    assert b"PK\x03\x04" not in kept
    assert kept.startswith(b"\xff\xd8") and kept.endswith(b"\xff\xd9")
    # Still the same picture, not re-encoded: the trimmed file decodes to the very same pixels.
    with Image.open(io.BytesIO(kept)) as a, Image.open(clean) as b:
        assert a.tobytes() == b.tobytes()
    assert kept == clean.getvalue()


@pytest.mark.parametrize(("shared", "file_mode", "dir_mode"), [(False, 0o600, 0o700), (True, 0o644, 0o755)])
def test_photo_files_are_private_unless_the_folder_is_served_by_another_account(
        tmp_path: Path, shared: bool, file_mode: int, dir_mode: int) -> None:
    store = PhotoStore(tmp_path / "media", shared=shared)
    result = store.process(encode(photo(31, (900, 700))), keep_original=True)
    for name in (result.normalized, result.thumb, result.original or ""):
        assert store.path(name).stat().st_mode & 0o777 == file_mode
    assert store.path(result.normalized).parent.stat().st_mode & 0o777 == dir_mode
    assert store.media_dir.stat().st_mode & 0o777 == dir_mode


async def test_helper_processes_store_the_same_photo_and_refuse_the_same_bytes(tmp_path: Path) -> None:
    threads = PhotoStore(tmp_path / "threads")
    helpers = PhotoStore(tmp_path / "helpers", processes=2)
    data = encode(photo(23, (900, 700)))
    in_helper = await helpers.process_async(data, keep_original=True)
    assert in_helper == await threads.process_async(data, keep_original=True)
    # The helper wrote into this store's own folder, byte for byte what a thread writes.
    for name in (in_helper.normalized, in_helper.thumb, in_helper.original or ""):
        assert helpers.path(name).read_bytes() == threads.path(name).read_bytes()
    with pytest.raises(PhotoRejected) as refused:
        await helpers.process_async(b"%PDF-1.7\n")
    assert refused.value.reason == "not_image"


_ALBUM_IN_HELPERS = """
import asyncio, json, multiprocessing.forkserver as forkserver, os, sys
from pathlib import Path
from storage.photos import PhotoStore, workers

def peak_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

async def album():
    # As `chungtay run` builds it: the most helpers the default settings ask for, warmed first.
    store = PhotoStore(Path(sys.argv[1]), processes=4)
    workers.warm(store.processes)
    files = [path.read_bytes() for path in sorted(Path(sys.argv[2]).iterdir())]
    done = await asyncio.gather(*(store.process_async(data) for data in files),
                                return_exceptions=True)
    pids = [os.getpid(), *workers._pool_of(store.processes)._processes,
            forkserver._forkserver._forkserver_pid]
    print(json.dumps({"peaks": {pid: peak_kib(pid) for pid in pids},
                      "outcomes": [getattr(r, "reason", type(r).__name__) for r in done]}))

asyncio.run(album())
"""


def test_an_album_of_ten_huge_lossless_files_keeps_the_bot_and_its_helpers_under_1_gb(
    tmp_path: Path,
) -> None:
    """Sent as documents, ten such files took the bot and its helpers from ~0.5 GB to 3.8 GB."""
    import subprocess
    import sys

    album = tmp_path / "album"
    album.mkdir()
    rgb, rgba = flat_png(10000, 6000, b"\x20\x60\xa0"), flat_png(10000, 6000, b"\x20\x60\xa0\xff")
    for i in range(5):
        (album / f"{i}.webp").write_bytes(lossless_webp(16383, 3660, (255, 40 * i, 90, 200)))
        # Each file its own bytes, as a real album's are; a comment is enough to make them so.
        png = rgb if i % 2 else rgba
        at = png.index(b"IDAT") - 4
        (album / f"{i}.png").write_bytes(png[:at] + png_chunk(b"tEXt", b"n\0%d" % i) + png[at:])
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", _ALBUM_IN_HELPERS, str(tmp_path / "media"),
                           str(album)], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["outcomes"] == ["too_large_to_decode"] * 10
    total_mib = sum(report["peaks"].values()) / 1024
    assert total_mib < 1024, report["peaks"]


_WORKERS_THEN_WAIT = """
import multiprocessing.forkserver as forkserver, multiprocessing.resource_tracker as tracker, sys
from storage.photos import workers
workers.warm(2)
pids = [*workers._pool_of(2)._processes, forkserver._forkserver._forkserver_pid,
        tracker._resource_tracker._pid]
print(" ".join(str(p) for p in pids if p), flush=True)
sys.stdin.read()
"""


def test_photo_workers_end_when_the_bot_is_killed() -> None:
    """SIGKILL gives the pool no chance to stop its workers; they, the forkserver and the resource
    tracker must go anyway, not live on at ~90 MB a set."""
    import select
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    bot = subprocess.Popen([sys.executable, "-c", _WORKERS_THEN_WAIT], cwd=root, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert bot.stdout is not None
        pids = [int(p) for p in bot.stdout.readline().split()]
        assert len(pids) >= 3
        watched = [os.pidfd_open(pid) for pid in pids]
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait()
    try:
        for pid, handle in zip(pids, watched, strict=True):
            # A pidfd turns readable when its process ends; wait for that, at most 20 s each.
            ended, _, _ = select.select([handle], [], [], 20)
            assert ended, f"process {pid} outlived the bot"
    finally:
        for handle in watched:
            os.close(handle)


async def test_a_helper_process_that_dies_is_replaced(tmp_path: Path) -> None:
    store = PhotoStore(tmp_path, processes=2)
    first = await store.process_async(encode(photo(29, (640, 480))))
    pool = photo_workers._pool_of(2)
    for worker in list(pool._processes.values()):
        worker.kill()
        worker.join()
    second = await store.process_async(encode(photo(31, (640, 480))))
    assert store.path(second.normalized).is_file()
    assert first.sha256 != second.sha256
    assert photo_workers._pool_of(2) is not pool


def _niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])  # field 19 of proc(5)


async def test_photo_helpers_give_the_bot_the_cores_first(tmp_path: Path) -> None:
    """A busy helper must not hold a core the bot's event loop needs: the helpers decode at a
    lower priority than the process they work for, and still decode."""
    store = PhotoStore(tmp_path, processes=2)
    stored = await store.process_async(encode(photo(33, (640, 480))))
    assert store.path(stored.normalized).is_file()
    helpers = list(photo_workers._pool_of(2)._processes)
    assert helpers
    bot = _niceness(os.getpid())
    assert {_niceness(pid) for pid in helpers} == {min(19, bot + photo_workers.HELPER_NICENESS)}


def test_an_unused_photos_files_are_removed_only_when_untouched(store: PhotoStore) -> None:
    stored = store.process(encode(photo(16, (640, 480))), keep_original=True)
    files = stored_files(store)
    assert len(files) == 3
    assert store.remove_unused(stored.sha256, untouched_since=time.time() - 3600) == 0  # just written
    assert stored_files(store) == files
    assert store.remove_unused(stored.sha256, untouched_since=time.time() + 1) == 3
    assert stored_files(store) == []
    with pytest.raises(ValueError):
        store.remove_unused("../" + stored.sha256[3:], untouched_since=time.time())
