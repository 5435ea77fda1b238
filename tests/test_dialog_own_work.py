"""Captions in any order, the part found kept, the volunteer's own reports, one warning per report."""

from __future__ import annotations

import pytest

from handlers.settings import ReviewSettings
from storage import reports
from tests.images import jpeg
from tests.world import World, configure


@pytest.mark.parametrize("caption", ["MH-003 hoàn thành", "hoan thanh MH-003", "mh-003 xong",
                                     "Nhà mh-003, đã xong."])
async def test_a_caption_is_read_in_any_order_and_spelling(world: World, caption: str) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption=caption)
    assert "Đã nhận báo cáo số 1" in lan.text
    assert (await world.house("MH-003")).stage == 2


async def test_only_the_stage_found_keeps_it_and_asks_only_the_house(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="hoàn thành rồi")
    assert "bước “Hoàn thành”" in lan.text and "nhà nào" in lan.text
    await lan.say("MH-003")  # no stage question: the report is complete
    assert "Đã nhận báo cáo số 1" in lan.text and "bước nào" not in lan.text


async def test_only_the_house_found_keeps_it_and_asks_only_the_stage(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), caption="MH-003 hôm nay")
    assert "Nhà MH-003" in lan.text and "Nhà đã đến bước nào" in lan.text
    await lan.press("s:1")
    assert "Đã nhận 1 ảnh" in lan.text


async def test_recent_houses_are_offered_and_a_waiting_report_is_named(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-003 hoàn thành")
    assert "duyệt" in lan.text
    await lan.say("/baocao")
    assert "nhà bạn báo cáo gần đây" in lan.text
    await lan.say("1")  # the house offered, typed by its number
    assert "báo cáo số 1 (Hoàn thành" in lan.text and "đang chờ cán bộ duyệt" in lan.text
    assert "Nhà đã đến bước nào" in lan.text


async def test_mine_lists_the_state_of_each_report_with_the_reason(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.say("/cuatoi")
    assert "chưa gửi báo cáo nào" in lan.text
    await lan.photos(jpeg(1), jpeg(2), caption="MH-003 hoàn thành")
    await lan.photos(jpeg(3), jpeg(4), caption="MH-001 hoàn thành")
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("↩️ Trả lại")
    await hai.say("Ảnh mờ, chụp lại mặt tiền")
    await lan.say("/cuatoi")
    assert "Số 2: nhà MH-001, Hoàn thành, 2 ảnh" in lan.text and "⏳ chờ duyệt" in lan.text
    assert "Số 1: nhà MH-003" in lan.text and "bị trả lại: Ảnh mờ, chụp lại mặt tiền" in lan.text
    await lan.say("/mine")
    assert "returned" in lan.text or "trả lại" in lan.text


async def test_one_warning_per_report_naming_what_it_matched(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.photos(jpeg(2), jpeg(1), jpeg(3), caption="MH-002 hoàn thành")
    assert lan.text.count("Lưu ý") == 1
    assert "ảnh số 1, 2 trùng với ảnh đã dùng trong báo cáo số 1 (nhà MH-001)" in lan.text
    assert "cán bộ phụ trách sẽ kiểm tra" in lan.text
    second = await reports.get(world.app.db, 2)
    assert second and second.review_state == "pending"


async def test_house_card_shows_each_reports_note_and_map_link(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-003")
    await lan.press("s:2")
    await lan.photos(jpeg(1), jpeg(2))
    await lan.press("Xong")
    await lan.location(9.60012, 105.97)
    await lan.say("Đã lợp mái, chờ cửa")
    await lan.press("Gửi báo cáo")
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/nha MH-003")
    assert "Ghi chú: Đã lợp mái, chờ cửa" in hai.text
    assert "https://maps.google.com/?q=9.60012,105.97000" in hai.text


async def test_the_eleventh_photo_is_answered(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-003")
    await lan.press("s:2")
    await lan.photos(*(jpeg(i) for i in range(1, 11)))
    await lan.photos(jpeg(11))
    assert "tối đa 10 ảnh" in lan.text and "1 ảnh" in lan.text


async def test_officer_help_starts_with_the_officer_commands(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/trogiup")
    assert hai.text.startswith("Lệnh của cán bộ phụ trách:\n/")
    assert hai.text.index("/duyet") < hai.text.index("Hướng dẫn báo cáo")
    lan = await world.person("10", "MTU01")
    await lan.say("/trogiup")
    assert lan.text.startswith("Hướng dẫn báo cáo") and "/duyet" not in lan.text
