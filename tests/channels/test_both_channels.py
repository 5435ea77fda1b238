"""One description of the volunteer's report and the officer's questions, played on Telegram, on Zalo,
and with the two people on different channels of one bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.channels.scenario import (
    Choose,
    Expect,
    ExpectList,
    ExpectPicture,
    Join,
    Photos,
    Say,
    Side,
    Step,
    TelegramSide,
    ZaloSide,
    play,
)
from tests.channels.telegram_world import running_bot
from tests.channels.zalo_world import TOKEN as ZALO_TOKEN
from tests.channels.zalo_world import attach_zalo
from tests.emulators.zaloemu import ZaloEmulator

REPORT_AND_PROGRESS: list[Step] = [
    Join("lan", "MTU01"),
    Say("lan", "/baocao nguyen van an"),
    Expect("lan", "Có 2 nhà"),
    Choose("lan", "MH-001 – Nguyễn Văn An"),
    Expect("lan", "Nhà đã đến bước nào"),
    Choose("lan", "Hoàn thành"),
    Expect("lan", "cần ít nhất 2 ảnh"),
    Photos("lan", (1, 2)),
    Expect("lan", "Đã nhận 2 ảnh"),
    Choose("lan", "Xong"),
    Expect("lan", "ghi chú ngắn"),
    Choose("lan", "Bỏ qua"),
    Expect("lan", "Kiểm tra báo cáo", "Ảnh: 2"),
    Choose("lan", "Gửi báo cáo"),
    Expect("lan", "Đã nhận báo cáo số 1", "MH-001"),
    Photos("lan", (3, 4), caption="MH-003 hoàn thành"),
    Expect("lan", "Đã nhận báo cáo số 2", "2 ảnh"),
    Join("binh", "MTU", role="officer"),
    Say("binh", "/tiendo"),
    Expect("binh", "Tiến độ", "Huyện Mỹ Tú"),
    ExpectPicture("binh", "png"),
    Say("binh", "/nha MH-001"),
    Expect("binh", "MH-001", "Nguyễn Văn An"),
    ExpectPicture("binh", "jpeg"),
]

# With review required: the volunteer's report waits, the officer approves it, the volunteer is told.
REVIEWED: list[Step] = [
    Join("lan", "MTU01"),
    Join("binh", "MTU", role="officer"),
    Photos("lan", (5, 6), caption="MH-002 hoàn thành"),
    Expect("lan", "Đã nhận báo cáo số 1", "duyệt"),
    Say("binh", "/duyet"),
    Expect("binh", "MH-002"),
    Choose("binh", "✅ Duyệt"),
    Expect("binh", "Đã duyệt báo cáo số 1"),
    Expect("lan", "Báo cáo số 1", "đã được cán bộ duyệt"),
]


STAGES = ("Khởi công / đang thi công", "Hoàn thành", "Bàn giao", "Hủy")

# One numbering on both channels: "Hủy" is 0 and last, a question asked again keeps its numbers, a
# number on no list shows the list again, and typed numbers work on Telegram as on Zalo.
NUMBERS: list[Step] = [
    Join("lan", "MTU01"),
    Say("lan", "/baocao MH-001"),
    ExpectList("lan", "Nhà đã đến bước nào", STAGES),
    Say("lan", "7"),
    ExpectList("lan", "Chưa rõ bước nào", STAGES),
    Say("lan", "2"),
    ExpectList("lan", "“Hoàn thành” cần ít nhất 2 ảnh", ("Xong", "Hủy")),
    Say("lan", "5"),
    ExpectList("lan", "Đang chờ ảnh nhà MH-001", ("Xong", "Hủy")),
    Choose("lan", "Hủy"),
    Expect("lan", "Đã hủy"),
    Say("lan", "/baocao MH-001"),
    ExpectList("lan", "Nhà đã đến bước nào", STAGES),
    Say("lan", "3"),
    Expect("lan", "“Bàn giao” cần ít nhất 2 ảnh"),
    Say("lan", "0"),
    Expect("lan", "Đã hủy"),
    # The caption in any order, without accents: the report is made in one message.
    Photos("lan", (7, 8), caption="hoan thanh MH-003"),
    Expect("lan", "Đã nhận báo cáo số 1", "MH-003", "2 ảnh"),
]


@asynccontextmanager
async def both_channels(tmp: Path, review_required: bool = False) -> AsyncIterator[dict[str, Side]]:
    """One bot (one database, one core) on both channels at once, each against its emulator."""
    async with running_bot(tmp) as tg, ZaloEmulator(token=ZALO_TOKEN) as emu:
        if review_required:
            from dataclasses import replace

            from handlers.settings import ReviewSettings

            settings = replace(tg.app.settings, review=ReviewSettings(required="all"))
            tg.app.settings = tg.app.ctx.settings = settings
        zalo = await attach_zalo(tg.world, emu, tmp)
        try:
            yield {"telegram": TelegramSide(tg), "zalo": ZaloSide(zalo)}
        finally:
            await zalo.channel.stop()


@pytest.mark.parametrize(("lan", "binh"), [
    ("telegram", "telegram"), ("zalo", "zalo"), ("zalo", "telegram"),
])
async def test_the_report_and_progress_scenario(tmp_path: Path, lan: str, binh: str) -> None:
    async with both_channels(tmp_path) as sides:
        await play(REPORT_AND_PROGRESS, {"lan": sides[lan], "binh": sides[binh]})


@pytest.mark.parametrize(("lan", "binh"), [("zalo", "telegram"), ("telegram", "zalo"), ("zalo", "zalo")])
async def test_a_review_decision_reaches_the_volunteer_on_their_channel(tmp_path: Path, lan: str,
                                                                        binh: str) -> None:
    async with both_channels(tmp_path, review_required=True) as sides:
        await play(REVIEWED, {"lan": sides[lan], "binh": sides[binh]})


@pytest.mark.parametrize("lan", ["telegram", "zalo"])
async def test_numbers_and_captions_read_alike_on_both_channels(tmp_path: Path, lan: str) -> None:
    async with both_channels(tmp_path) as sides:
        await play(NUMBERS, {"lan": sides[lan]})
