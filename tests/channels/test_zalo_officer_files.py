"""An officer's invites and files on Zalo, end to end: /moi's picture reaches them as a signed link
Zalo fetched, a newcomer joins with the code typed, and /xuat anh's ZIP is a download link."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from storage import bot_info, invites
from tests.channels.zalo_world import ZaloBot, running_zalo_bot
from tests.emulators.zaloemu import ZaloUser
from tests.emulators.zaloemu.records import Sent
from tests.images import jpeg


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[ZaloBot]:
    async with running_zalo_bot(tmp_path) as b:
        yield b


async def personal_code(bot: ZaloBot, minh: ZaloUser) -> tuple[str, str]:
    """Minh, an officer of MTU, makes a personal volunteer code for MTU01: (code, the text he got)."""
    minh.send_text("/moi MTU01")
    role = await minh.next_message()
    assert "vai trò" in role.text and "1. tình nguyện viên" in role.text
    minh.choose("tình nguyện viên")
    assert "Mã cá nhân" in (await minh.next_message()).text
    minh.choose("Mã cá nhân")
    text = (await minh.next_message()).text
    found = re.search(r"Mã mời ([A-Z0-9]{8})", text)
    assert found is not None, text
    assert f"/start {found[1]}" in text
    return found[1], text


def assert_card(picture: Sent, *, qr: bool) -> None:
    """The card as Zalo fetched it: taller than wide with the QR code above the text, a strip without."""
    assert picture.is_photo and picture.photo_type == "png"
    url = picture.photo_url or ""
    assert "/media/m/" in url and "/invites/invite-" in url  # our signed link, fetched by Zalo
    assert picture.photo_bytes is not None
    with Image.open(io.BytesIO(picture.photo_bytes)) as image:
        assert image.format == "PNG" and (image.height > image.width) == qr


async def test_an_officer_on_zalo_invites_with_the_qr_picture_and_a_newcomer_joins(bot: ZaloBot) -> None:
    # A bot on both channels: the Telegram channel learnt its name at start, the QR holds the link.
    async with bot.app.db.transaction():
        await bot_info.put(bot.app.db, bot_info.TELEGRAM_USERNAME, "chungtay_test_bot", bot.app.ctx.stamp())
    minh = bot.emu.user(display_name="Minh")
    await bot.join(minh, "MTU", role="officer")
    code, text = await personal_code(bot, minh)
    assert f"https://t.me/chungtay_test_bot?start={code}" in text
    assert_card(await minh.next_message(), qr=True)

    hoa = bot.emu.user(display_name="Hoa")
    hoa.send_text(f"/start {code}")
    joined = await hoa.next_message()
    assert "Bạn đã tham gia" in joined.text
    used = await invites.find(bot.app.db, code)
    assert used is not None and used.uses == 1


async def test_a_bot_on_zalo_alone_still_sends_the_card_with_the_code(bot: ZaloBot) -> None:
    minh = bot.emu.user(display_name="Minh")
    await bot.join(minh, "MTU", role="officer")
    code, text = await personal_code(bot, minh)
    assert "https://t.me/" not in text
    assert_card(await minh.next_message(), qr=False)
    lan = bot.emu.user(display_name="Lan")
    lan.send_text(f"/start {code}")
    assert "Bạn đã tham gia" in (await lan.next_message()).text


async def test_the_zip_with_photos_is_a_download_link_on_zalo(bot: ZaloBot) -> None:
    lan = bot.emu.user(display_name="Lan")
    await bot.join(lan, "MTU01")
    lan.send_photos([jpeg(1), jpeg(2)], caption="MH-003 hoàn thành")
    assert "2 ảnh" in (await lan.next_message()).text
    binh = bot.emu.user(display_name="Bình")
    await bot.join(binh, "MTU", role="officer")
    binh.send_text("/xuat anh")
    texts = [(await binh.next_message()).text for _ in range(2)]  # the figures, then the link
    assert any("2 ảnh" in t for t in texts), texts
    link_line = next(t for t in texts if "Tải tệp" in t)
    assert ".zip" in link_line
    url = link_line.split("tại: ", 1)[1].split("\n", 1)[0]
    async with httpx.AsyncClient() as client:
        got = await client.get(url)
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/zip"
    assert "attachment" in got.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as packed:
        names = packed.namelist()
    assert sum(n.endswith(".xlsx") for n in names) == 1
    assert sum(n.lower().endswith(".jpg") for n in names) == 2, names
