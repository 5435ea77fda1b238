"""/moi on Telegram end to end: the link names the bot as getMe told it, and the picture arrives."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from storage import bot_info
from tests.channels.telegram_world import Bot, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path) as b:
        yield b


async def test_an_officer_invites_and_the_picture_arrives(bot: Bot) -> None:
    assert bot.app.settings.telegram.bot_username == ""  # learnt at start, not configured
    assert await bot_info.get(bot.app.db, bot_info.TELEGRAM_USERNAME) == "chungtay_test_bot"
    minh = bot.emu.user(2002, first_name="Minh")
    await bot.join(minh, "MTU", role="officer")
    minh.send_text("/moi MTU01")
    assert "vai trò" in ((await minh.next_message()).text or "")
    minh.click("tình nguyện viên")
    assert "Mã cá nhân" in ((await minh.next_message()).text or "")
    minh.click("Mã cá nhân")
    text = (await minh.next_message()).text or ""
    found = re.search(r"https://t\.me/chungtay_test_bot\?start=([A-Z0-9]{8})", text)
    assert found is not None, text
    picture = await minh.next_message()
    assert picture.method == "sendPhoto" and picture.file_bytes is not None
    assert Image.open(io.BytesIO(picture.file_bytes)).format == "PNG"

    lan = bot.emu.user(1001, first_name="Lan")
    lan.send_text(f"/start {found[1]}")
    assert "Bạn đã tham gia" in ((await lan.next_message()).text or "")
