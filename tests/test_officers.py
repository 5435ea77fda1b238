"""The officers' questions through the same core every channel uses: /tiendo, /nha, /chuabaocao.

The world (tests/world.py): Tỉnh Sóc Trăng (ST, quota 100) > Huyện Mỹ Tú (MTU, 40) > Xã Mỹ Hương
(MTU01, 25) with houses MH-001..004, and > Huyện Kế Sách (KSA, 60) > Xã An Lạc Tây (KSA01, 30)
with AL-001. The clock stands at 09:00 on 20/08/2026.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from handlers.officers.chart import FONT, Bar, Chart, chart_file, font_file
from handlers.settings import CampaignSettings, Deadline
from handlers.types import AFTER_COMMIT
from storage import reports
from tests.images import jpeg
from tests.world import START, World, add_houses, add_units, build_world, configure, set_stage

HANDOVER = Deadline("Bàn giao trước Quốc khánh", date(2026, 9, 2), 3, "", ("officers",), (7,), time(8))
PAPERWORK = Deadline("Nộp hồ sơ khen thưởng", date(2026, 8, 25), None, "", ("officers",), (7,), time(8))


@pytest.fixture
async def world(tmp_path: Path, database: str | Path) -> AsyncIterator[World]:
    w = await build_world(tmp_path, database=database if isinstance(database, str) else None)
    configure(w, campaign=CampaignSettings(deadlines=(PAPERWORK, HANDOVER)))
    yield w
    await w.app.close()


def numbers(text: str, label: str) -> str:
    found = re.search(re.escape(label) + r" ([\d.]+)", text)
    assert found, f"{label!r} not in {text!r}"
    return found.group(1)


# --- who may ask -------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/tiendo", "/status", "/nha MH-001", "/chuabaocao", "/duyet", "/xuat",
                                     "/khenthuong"])
async def test_a_volunteer_is_told_these_are_for_officers(world: World, command: str) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say(command)
    assert lan.text == "Lệnh này dành cho cán bộ phụ trách."


async def test_a_stranger_learns_nothing(world: World) -> None:
    stranger = world.stranger()
    await stranger.say("/tiendo ST")
    assert "chưa được đăng ký" in stranger.text and "Sóc Trăng" not in stranger.text


# --- /tiendo -----------------------------------------------------------------------------------

async def test_status_of_the_province_counts_stages_shares_and_the_next_house_deadline(world: World) -> None:
    await set_stage(world, "MH-001", 3, START - timedelta(days=2))
    await set_stage(world, "MH-002", 2, START - timedelta(days=1))
    await set_stage(world, "MH-003", 1, START - timedelta(days=20))
    hai = await world.person("50", "ST", role="officer", name="Hải")

    await hai.say("/tiendo")

    text = hai.text
    assert "Tỉnh Sóc Trăng (ST)" in text and "20/08/2026" in text
    assert "Chỉ tiêu: 100 nhà · đã lập danh sách: 5 nhà" in text
    assert "Chưa khởi công 2 · đang thi công 1 · hoàn thành 1 · đã bàn giao 1" in text
    assert "đã khởi công 3 · hoàn thành 2 (2,0% chỉ tiêu) · bàn giao 1 (1,0% chỉ tiêu)" in text
    # The paperwork deadline on 25/8 comes first but says nothing about houses.
    assert "“Bàn giao trước Quốc khánh”: 02/09/2026, còn 13 ngày" in text
    # 99 houses in 13 days is 7.6 a day; one handed over in the last 7 days is 0.1 a day.
    assert "Cần bàn giao thêm 99 nhà: 7,6 nhà/ngày. 7 ngày qua: 0,1 nhà/ngày ⚠️" in text
    assert text.index("Huyện Kế Sách: 0/60") < text.index("Huyện Mỹ Tú: 1/40")  # the laggard first
    assert len(text) < 4096


async def test_status_comes_with_a_chart_drawn_after_the_commit(world: World) -> None:
    hai = await world.person("50", "ST", role="officer")
    replies = await hai.say("/tiendo")
    assert len(replies) == 1 and AFTER_COMMIT not in replies[0].meta
    (png,) = replies[0].images
    assert png.parent == world.app.ctx.photos.path("charts") and png.suffix == ".png"
    with Image.open(png) as img:
        assert img.format == "PNG" and img.width >= 800
    again = await hai.say("/status")
    assert again[0].images == (png,)  # same figures, same picture: not drawn twice
    await set_stage(world, "AL-001", 2)
    changed = await hai.say("/tiendo")
    assert changed[0].images[0] != png


async def test_a_unit_by_name_typed_without_diacritics(world: World) -> None:
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo ke sach")
    assert "Tỉnh Sóc Trăng › Huyện Kế Sách (KSA)" in hai.text
    await hai.say("/tiendo mtu01")
    assert "Xã Mỹ Hương (MTU01)" in hai.text
    await hai.say("/tiendo huyen")
    assert "Có nhiều đơn vị khớp" in hai.text and "KSA – Huyện Kế Sách" in hai.text
    assert "MTU – Huyện Mỹ Tú" in hai.text


async def test_quotas_that_do_not_add_up_are_pointed_out(world: World) -> None:
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo MTU")
    assert "⚠️ Chỉ tiêu giao 40 nhà, nhưng chỉ tiêu các đơn vị cấp dưới cộng lại 25 nhà." in hai.text
    await hai.say("/tiendo ST")
    assert "cộng lại" not in hai.text  # 40 + 60 = 100


async def test_uneven_tree_empty_unit_and_a_unit_without_quota(world: World) -> None:
    await add_units(world, ("TPST", "Thành phố Sóc Trăng", "ST", 20),
                    ("CLD", "Huyện Cù Lao Dung", "ST", None))
    await add_houses(world, "TPST", "TP-001", "TP-002")
    await add_houses(world, "ST", "ST-001")  # filed on the province itself
    await set_stage(world, "TP-001", 3)
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo")
    text = hai.text
    assert "đã lập danh sách: 8 nhà" in text
    assert "Trong đó 1 nhà thuộc trực tiếp Tỉnh Sóc Trăng" in text
    assert "Thành phố Sóc Trăng: 1/20 (5,0%)" in text
    assert "Huyện Cù Lao Dung: chưa giao chỉ tiêu (0 nhà trong danh sách)" in text
    assert text.index("Huyện Cù Lao Dung") > text.index("Thành phố Sóc Trăng")  # no quota: last
    assert "cộng lại 120 nhà" in text


async def test_a_deadline_already_passed(world: World) -> None:
    await set_stage(world, "MH-001", 3)
    world.clock.set(START + timedelta(days=20))  # 09/09/2026
    hai = await world.person("50", "MTU01", role="officer")
    await hai.say("/tiendo")
    assert "Hạn “Bàn giao trước Quốc khánh” (02/09/2026) đã qua 7 ngày." in hai.text
    assert "Còn 24 nhà chưa bàn giao so với chỉ tiêu." in hai.text


async def test_the_deadline_day_and_a_quota_met(world: World) -> None:
    await add_units(world, ("MTU01", "Xã Mỹ Hương", "MTU", 2))
    await set_stage(world, "MH-001", 3)
    await set_stage(world, "MH-002", 3)
    world.clock.set(START + timedelta(days=13))
    hai = await world.person("50", "MTU01", role="officer")
    await hai.say("/tiendo")
    assert "Hôm nay là hạn “Bàn giao trước Quốc khánh”" in hai.text
    assert "✅ Đã bàn giao đủ chỉ tiêu." in hai.text


async def test_without_deadlines_progress_is_still_told(world: World) -> None:
    configure(world, campaign=CampaignSettings())
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo")
    assert "Chưa có thời hạn nào" in hai.text and "Chỉ tiêu: 100 nhà" in hai.text


async def test_a_province_of_a_hundred_and_twenty_communes_fits_one_message(world: World) -> None:
    rows = [(f"X{i:03d}", f"Xã Đông Hưng Thuận Số {i}", "KSA", 10 + i % 7) for i in range(120)]
    await add_units(world, *rows)
    for i in range(0, 120, 3):
        await add_houses(world, f"X{i:03d}", f"X{i:03d}-1")
        await set_stage(world, f"X{i:03d}-1", 3)
    hai = await world.person("50", "KSA", role="officer")
    replies = await hai.say("/tiendo")
    text = replies[0].text
    assert len(text) <= 4096 and len(replies) == 1
    assert "121 đơn vị" in text and "… và 111 đơn vị khác, đạt từ" in text
    with Image.open(replies[0].images[0]) as img:
        assert img.height < 2560  # the top 30 only: Telegram would shrink a taller picture to nothing


async def test_english_officer(world: World) -> None:
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/language en")
    await hai.say("/status")
    assert "Quota: 100 houses" in hai.text and "13 days left" in hai.text


# --- the chart's letters --------------------------------------------------------------------------

def test_the_chart_font_has_every_vietnamese_letter_needed() -> None:
    path = font_file()
    assert Path(path).name == "DejaVuSans.ttf"
    cmap = TTFont(path).getBestCmap()
    letters = "ệởữđĐẮằẳẵặếềểễỉịọốồổỗộớờỡợụủứừửựỳỵỷỹ"
    assert [ch for ch in letters if ord(ch) not in cmap] == []
    assert FONT.get_family() == ["DejaVu Sans"]


def test_the_chart_renders_names_with_diacritics(tmp_path: Path) -> None:
    chart = Chart("Tiến độ: Tỉnh Sóc Trăng", "Ngày 20/08/2026", (Bar("Xã Nhơn Mỹ ệ ở ữ đ", 10, 5, 3, 1),
                                                               Bar("Phường Đức", None, 0, 0, 0)),
                  ("Bàn giao", "Hoàn thành", "Đang thi công", "Chỉ tiêu"), "Tỷ lệ", "chưa giao chỉ tiêu")
    png = chart_file(tmp_path, chart, 0o600)
    with Image.open(png) as img:
        assert img.size[0] > 500 and img.size[1] > 200
        # Something was drawn in the bars' colours, not just a blank canvas.
        colours = {c for _, c in img.convert("RGB").getcolors(1 << 20) or []}
        assert (0x1B, 0x5E, 0x20) in colours


# --- /nha --------------------------------------------------------------------------------------

async def test_house_card_with_reports_in_order_and_the_latest_photos(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    await lan.photos(*(jpeg(i) for i in range(1, 7)), caption="MH-001 khởi công")
    world.clock.advance(timedelta(days=3))
    await lan.photos(*(jpeg(i) for i in range(11, 17)), caption="MH-001 hoàn thành")
    hai = await world.person("50", "MTU", role="officer")

    replies = await hai.say("/nha mh-001")

    text = hai.text
    assert "🏠 Nhà MH-001 – Nguyễn Văn An" in text
    assert "Tỉnh Sóc Trăng › Huyện Mỹ Tú › Xã Mỹ Hương" in text and "Hộ nghèo · Xây mới" in text
    assert "Hiện tại: Hoàn thành (từ 09:00 23/08/2026)" in text
    first, second = text.index("Số 1, 09:00 20/08/2026"), text.index("Số 2, 09:00 23/08/2026")
    assert first < second and "Nguyễn Thị Lan, 6 ảnh, đã nhận" in text
    images = replies[0].images
    assert len(images) == 10 and all(p.is_file() and p.suffix == ".jpg" for p in images)
    newest = [world.app.ctx.photos.path(p.normalized) for p in await reports.photos_of(world.app.db, 2)]
    assert list(images[:6]) == newest  # the latest report's photos first


async def test_house_by_household_name_and_a_house_with_no_reports(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/nha nguyen van")
    assert "Có 2 nhà khớp" in hai.text and "MH-001 – Nguyễn Văn An" in hai.text
    await hai.say("/nha lam van duc")
    assert "🏠 Nhà MH-004 – Lâm Văn Đức" in hai.text and "Chưa có báo cáo nào." in hai.text
    await hai.say("/nha")
    assert "/nha MH-001" in hai.text


# --- scope ---------------------------------------------------------------------------------------

async def test_a_district_officer_sees_nothing_of_another_district(world: World) -> None:
    lan = await world.person("10", "KSA01")
    await lan.photos(jpeg(1), jpeg(2), caption="AL-001 hoàn thành")
    hai = await world.person("50", "MTU", role="officer")
    for asked in ("/nha AL-001", "/nha thach thi sa", "/nha al-001"):
        await hai.say(asked)
        assert "Không tìm thấy nhà nào" in hai.text and "Thạch" not in hai.text
    for asked in ("/tiendo KSA", "/tiendo ke sach", "/tiendo KSA01", "/tiendo ST", "/xuat KSA",
                  "/khenthuong KSA"):
        await hai.say(asked)
        assert "Không tìm thấy đơn vị" in hai.text and "Kế Sách" not in hai.text
    await hai.say("/chuabaocao")
    assert "AL-001" not in hai.text and "Kế Sách" not in hai.text
    await hai.say("/duyet")
    assert "Không có báo cáo nào chờ duyệt trong Huyện Mỹ Tú" in hai.text


# --- /chuabaocao -----------------------------------------------------------------------------------

async def test_houses_gone_quiet_grouped_with_the_volunteer_last_seen(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    sa = await world.person("11", "KSA01", name="Thạch Sa")
    await lan.photos(jpeg(1), caption="MH-001 khởi công")
    await lan.photos(jpeg(2), jpeg(3), caption="MH-002 bàn giao")  # handed over: done, never quiet
    await sa.photos(jpeg(4), caption="AL-001 khởi công")
    world.clock.advance(timedelta(days=9))
    await lan.photos(jpeg(5), caption="MH-003 khởi công")  # fresh
    hai = await world.person("50", "ST", role="officer")

    await hai.say("/chuabaocao")

    text = hai.text
    assert text.startswith("🔕 3 nhà của Tỉnh Sóc Trăng chưa bàn giao và không có báo cáo 7 ngày qua")
    assert "▸ Huyện Mỹ Tú: 2 nhà (1 nhà chưa từng có báo cáo)" in text
    assert "MH-001 – Nguyễn Văn An: Khởi công / đang thi công, báo cáo cuối 20/08/2026 (9 ngày trước), " \
           "Nguyễn Thị Lan" in text
    assert "MH-004 – Lâm Văn Đức: Chưa khởi công, chưa có báo cáo nào" in text
    assert "▸ Huyện Kế Sách: 1 nhà" in text and "Thạch Sa" in text
    assert "MH-002" not in text and "MH-003" not in text

    await hai.say("/chuabaocao 10")
    assert "3 nhà" not in hai.text and "1 nhà của Tỉnh Sóc Trăng" in hai.text  # only MH-004 is that old
    await hai.say("/chuabaocao mot tuan")
    assert "/chuabaocao 14" in hai.text
    for typed in ("²", "٣", "9" * 40):  # not ASCII digits, or more than any number of days
        await hai.say(f"/chuabaocao {typed}")
        assert "/chuabaocao 14" in hai.text


async def test_the_rest_at_one_share_is_told_as_one_share(world: World) -> None:
    await add_units(world, *[(f"X{i:02d}", f"Xã Số {i}", "KSA", 10) for i in range(12)])
    hai = await world.person("50", "KSA", role="officer")
    await hai.say("/tiendo")
    # Thirteen communes (An Lạc Tây and twelve new), ten listed, three left over, none begun.
    assert "… và 3 đơn vị khác, đạt 0%." in hai.text and "đạt từ" not in hai.text
