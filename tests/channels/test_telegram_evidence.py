"""Evidence checks end to end: photos sent as documents keep their EXIF through the real
python-telegram-bot Application and the Bot API emulator; the receipt, the review card and the
export say why a report waits."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import houses, reports, units
from storage.export import export_reports
from tests.channels.telegram_world import Bot, running_bot
from tests.emulators.tgemu import SimUser
from tests.emulators.tgemu.records import Sent
from tests.images import dms, jpeg, jpeg_with_exif
from tests.world import TZ


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path) as b:
        db = b.app.db
        unit = await units.by_code(db, "MTU01")
        assert unit is not None
        async with db.transaction():
            await houses.upsert(db, "MH-001", unit.id, "Nguyễn Văn An", "poor", "new", "Ấp 1", 9.6, 105.97)
        yield b


async def card(officer: SimUser, pictures: int) -> tuple[Sent, list[Sent]]:
    """The review card (the message with the buttons) and the pictures sent after it."""
    shown = await officer.next_message()
    assert shown.reply_markup, shown.plain
    return shown, [await officer.next_message() for _ in range(pictures)]


async def exported_warning(bot: Bot, tmp: Path) -> list[str]:
    out = tmp / "bao_cao.csv"
    await export_reports(bot.app.db, out, "csv", TZ)
    with out.open(encoding="utf-8-sig") as f:
        return [row["Cảnh báo"] for row in csv.DictReader(f)]


async def test_a_photo_taken_far_away_and_long_ago_waits_and_says_why(bot: Bot, tmp_path: Path) -> None:
    lan, hai = bot.emu.user(1001, first_name="Lan"), bot.emu.user(2002, first_name="Hải")
    await bot.join(lan, "MTU01")
    await bot.join(hai, "MTU", role="officer")
    phone = jpeg_with_exif(1, taken="2026:07:01 08:00:00", lat=("N", dms(9.65)), lon=("E", dms(105.97)))
    lan.send_document(phone, "IMG_0001.JPG", "image/jpeg", caption="MH-001 khởi công")

    receipt = await lan.next_message()
    text = receipt.text or ""
    assert "Đã nhận báo cáo số 1" in text
    assert ("Cán bộ phụ trách sẽ kiểm tra báo cáo này vì: ảnh 1 chụp cách nhà 5,6 km; ảnh 1 chụp ngày "
            "01/07/2026, trước báo cáo hơn 14 ngày") in text
    assert lan.unread() == []  # told once
    report = await reports.get(bot.app.db, 1)
    assert report and report.review_state == "pending" and (await bot.world.house("MH-001")).stage == 0

    hai.send_text("/duyet")
    shown, pictures = await card(hai, 1)
    assert "⚠️ ảnh 1 chụp cách nhà 5,6 km" in (shown.plain or "")
    assert "⚠️ ảnh 1 chụp ngày 01/07/2026, trước báo cáo hơn 14 ngày" in (shown.plain or "")
    assert "https://maps.google.com/?q=9.600000,105.970000" in (shown.plain or "")
    assert pictures[0].method == "sendPhoto"  # the photo itself, to judge
    assert await exported_warning(bot, tmp_path) == [
        "Ảnh 1 chụp cách nhà 5,6 km; Ảnh 1 chụp ngày 01/07/2026, đã lâu trước báo cáo"]


async def test_one_photo_for_two_stages_is_shown_beside_its_first_use(bot: Bot, tmp_path: Path) -> None:
    lan, hai = bot.emu.user(1001, first_name="Lan"), bot.emu.user(2002, first_name="Hải")
    await bot.join(lan, "MTU01")
    await bot.join(hai, "MTU", role="officer")
    lan.send_photo(jpeg(4), caption="MH-002 khởi công")
    assert "Đã nhận báo cáo số 1" in ((await lan.next_message()).text or "")
    lan.send_album([jpeg(4), jpeg(5)], caption="MH-002 hoàn thành")
    receipt = (await lan.next_message()).text or ""
    assert "Đã nhận báo cáo số 2" in receipt
    assert "trùng với ảnh đã dùng trong báo cáo số 1 (nhà MH-002)" in receipt
    assert (await bot.world.house("MH-002")).stage == 1

    hai.send_text("/duyet")
    shown, pictures = await card(hai, 3)
    plain = shown.plain or ""
    assert "Ảnh số 1 trùng với ảnh trong báo cáo số 1 của nhà MH-002" in plain
    # Sent as photos: Telegram keeps no EXIF, which is noted, not held against the report.
    assert "ℹ️ ảnh không có thông tin thời gian chụp" in plain
    # the joined picture, then the report's two photos, as one album
    assert [p.method for p in pictures] == ["sendMediaGroup"] * 3
    assert (await exported_warning(bot, tmp_path))[1].startswith("Ảnh 1 trùng ảnh của báo cáo số 1")
