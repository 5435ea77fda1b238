"""End to end on the Telegram emulator: a volunteer's /ngaycong, an officer's /donggop with its
numbered choices, and both rows in the workbook's "Đóng góp" sheet the officer gets from /xuat."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest

from tests.channels.telegram_world import Bot, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path) as b:
        yield b


async def test_from_ngaycong_to_the_workbook_sheet(bot: Bot) -> None:
    lan = bot.emu.user(1001, first_name="Lan")
    hai = bot.emu.user(2002, first_name="Hải")
    await bot.join(lan, "MTU01")
    await bot.join(hai, "MTU", role="officer")

    lan.send_text("/ngaycong MH-001 3")
    done = await lan.next_message()
    assert "✅ Đã ghi 3 ngày công tại nhà MH-001" in (done.text or "") and "Số phiếu: 1" in (done.text or "")
    lan.send_text("/ngaycong MH-001 ５")                  # a full-width digit: refused, nothing stored
    assert "không phải số ngày công" in ((await lan.next_message()).text or "")
    assert "/ngaycong MÃ_NHÀ SỐ_NGÀY" in ((await lan.next_message()).text or "")

    hai.send_text("/donggop MH-001")
    kinds = await hai.next_message()
    assert [text for text, _ in kinds.buttons()] == ["Tiền", "Ngày công", "Vật liệu", "Hủy"]
    hai.click("Tiền")
    assert "Số tiền?" in ((await hai.next_message()).text or "")
    hai.send_text("5tr")
    await hai.next_message()
    hai.click("Xã hội hóa")
    await hai.next_message()
    hai.send_text("Doanh nghiệp X")
    await hai.next_message()
    hai.click("Tổ chức, cơ quan, doanh nghiệp")
    summary = await hai.next_message()
    assert "5.000.000 đ" in (summary.text or "")
    hai.click("Lưu")
    receipt = await hai.next_message()
    assert "✅ Đã ghi đóng góp số 2" in (receipt.text or "")

    hai.send_text("/xuat")
    message = await hai.next_message()
    while message.kind != "document":
        message = await hai.next_message(timeout=20)
    assert message.file_bytes is not None
    book = openpyxl.load_workbook(io.BytesIO(message.file_bytes))
    rows = list(book["Đóng góp"].iter_rows(values_only=True))
    given = [r for r in rows if r and r[0] == "MH-001"]
    assert [r[:6] for r in given] == [("MH-001", "MTU01", "Ngày công", 3, "ngày công", None),
                                      ("MH-001", "MTU01", "Tiền", None, "đồng", 5_000_000)]
    assert given[0][6] == "Lan" and given[1][6] == "Doanh nghiệp X"
    assert await bot.count("contributions") == 2
