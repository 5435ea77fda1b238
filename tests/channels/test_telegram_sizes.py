"""A Telegram photo comes with Telegram's own sizes: its ~320 px size is the stored thumbnail and
the source of the hash, its largest is kept byte for byte, and nothing of the largest is decoded."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, JpegImagePlugin

from bot.channels.contract import small_size
from storage.photos import PhotoStore, same_scene
from tests.channels.telegram_world import running_bot
from tests.emulators.tgemu.files import FileStore
from tests.images import scene


def telegram_photo(seed: int) -> bytes:
    """What Telegram keeps of a photo: a JPEG of at most 1280 px."""
    buf = io.BytesIO()
    scene(seed, (1280, 960)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


@pytest.fixture
def decoded() -> Iterator[list[tuple[int, int, int]]]:
    """Every JPEG Pillow decodes in this process: its size as decoded and its DCT scale (a 1280 px
    photo decoded at 1/4 scale is 320 px too, but it is a decode of the photo)."""
    seen: list[tuple[int, int, int]] = []
    real = JpegImagePlugin.JpegImageFile.load

    def load(self: JpegImagePlugin.JpegImageFile) -> object:
        if self.tile:  # not loaded yet: this call decodes
            seen.append((*self.size, (getattr(self, "decoderconfig", ()) or (1,))[0]))
        return real(self)

    JpegImagePlugin.JpegImageFile.load = load  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        JpegImagePlugin.JpegImageFile.load = real  # type: ignore[method-assign]


def test_the_emulator_serves_telegram_sizes() -> None:
    sizes = FileStore().photo_sizes(telegram_photo(1))
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 68), (320, 240), (800, 600), (1280, 960)]
    # The size taken as the thumbnail's source is the 320 px one, never the largest.
    assert small_size([(s["width"], s["height"]) for s in sizes]) == 1
    assert small_size([(1280, 960)]) is None
    assert small_size([(90, 68), (200, 150)]) is None  # a small photo: its thumbnail is made here


async def test_album_thumbnails_are_telegrams_320px_size_and_nothing_large_is_decoded(
        tmp_path: Path, decoded: list[tuple[int, int, int]]) -> None:
    async with running_bot(tmp_path) as bot:
        # In threads of this process, so the decodes are seen (helper processes do the same work).
        bot.app.ctx.photos = PhotoStore(tmp_path / "media", processes=0)
        lan = bot.emu.user(1001, "Lan")
        await bot.join(lan, "MTU01")
        uploads = [lan.upload_photo(telegram_photo(seed)) for seed in (1, 2)]
        decoded.clear()
        lan.send_album(uploads, "MH-001 hoàn thành")
        receipt = await lan.next_message()
        assert "Đã nhận báo cáo" in (receipt.text or "")
        seen = list(decoded)
        await bot.restart()  # a clean stop finishes what the turn left for after its receipt
        rows = await bot.app.db.fetchall(
            "SELECT normalized, thumb, width, height, scene FROM photos ORDER BY position")
        store = bot.app.ctx.photos
        # The scene hash is in `scene` since migration 013 (the phash column is no longer written).
        for (normalized, thumb, width, height, scene), sizes in zip(rows, uploads, strict=True):
            small = bot.emu.files.get(sizes[1]["file_id"])
            large = bot.emu.files.get(sizes[-1]["file_id"])
            assert small is not None and large is not None
            assert store.path(thumb).read_bytes() == small.data        # Telegram's, as it came
            assert store.path(normalized).read_bytes() == large.data   # the photo, byte for byte
            assert (width, height) == (1280, 960)
            with Image.open(store.path(thumb)) as t:
                assert t.size == (320, 240)
            assert scene == PhotoStore(tmp_path / "again").process(large.data, small=small.data).phash
    # Only the 320 px sizes were decoded (for the hash): no decode of a 1280 px photo, whole or scaled.
    assert seen and all(one == (320, 240, 1) for one in seen), seen


def test_a_photo_sent_by_both_routes_hashes_alike(tmp_path: Path) -> None:
    """The same picture as a Telegram photo (thumbnail: Telegram's 320 px size) and as a Zalo photo
    or a document (thumbnail made here from the 1280 px photo) is found as the same picture."""
    for seed in range(8):
        data = telegram_photo(seed)
        sizes = FileStore()
        array = sizes.photo_sizes(data)
        small = sizes.get(array[1]["file_id"])
        assert small is not None
        telegram = PhotoStore(tmp_path / f"tg{seed}").process(data, small=small.data)
        zalo = PhotoStore(tmp_path / f"zalo{seed}").process(data)
        document = PhotoStore(tmp_path / f"doc{seed}").process(data, keep_original=True)
        assert same_scene(telegram.phash, zalo.phash), seed
        assert same_scene(telegram.phash, document.phash), seed
        # ...and a different picture is not.
        other = PhotoStore(tmp_path / f"other{seed}").process(telegram_photo(seed + 100))
        assert not same_scene(telegram.phash, other.phash), seed


def test_a_small_size_that_is_not_the_same_picture_is_not_used(tmp_path: Path) -> None:
    """A small copy of another shape, a damaged one or no image at all: the thumbnail is made from
    the photo instead, as for Zalo, and the photo is stored all the same."""
    data = telegram_photo(3)
    local = PhotoStore(tmp_path / "local").process(data)
    square = io.BytesIO()
    scene(4, (320, 320)).save(square, "JPEG")
    small = FileStore()
    good = small.get(small.photo_sizes(data)[1]["file_id"])
    assert good is not None
    for n, bad in enumerate((square.getvalue(), good.data[: len(good.data) // 2], b"not a picture")):
        store = PhotoStore(tmp_path / f"bad{n}")
        photo = store.process(data, small=bad)
        assert photo.phash == local.phash
        assert store.path(photo.thumb).read_bytes() == PhotoStore(tmp_path / "local").path(
            local.thumb).read_bytes()


def test_a_larger_small_size_makes_the_thumbnail_without_the_photo(
        tmp_path: Path, decoded: list[tuple[int, int, int]]) -> None:
    """A platform whose smallest fitting size is larger than a thumbnail (800 px here): the
    thumbnail is made from that size, and the photo itself is still not decoded."""
    data = telegram_photo(5)
    files = FileStore()
    x = files.get(files.photo_sizes(data)[2]["file_id"])
    assert x is not None
    decoded.clear()
    store = PhotoStore(tmp_path / "x")
    photo = store.process(data, small=x.data)
    # The 800 px size at half scale, then the stored thumbnail for its hash; never the photo.
    assert decoded == [(400, 300, 2), (320, 240, 1)]
    with Image.open(store.path(photo.thumb)) as t:
        assert t.size == (320, 240)
    assert store.path(photo.normalized).read_bytes() == data
    local = PhotoStore(tmp_path / "local").process(data)
    assert same_scene(photo.phash, local.phash)
