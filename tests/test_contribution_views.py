"""What contributions add to /tiendo, /nha, /khenthuong, the workbook and the commendation reminder."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import openpyxl

from handlers.settings import CampaignSettings, Deadline, SupportSettings
from storage import contributions, houses, units
from storage.contributions import Sums
from storage.db import Database
from tests.images import jpeg
from tests.world import START, Person, World, build_world, configure, set_stage

COMPLETE = Deadline("Hoàn thành trước 31/8", date(2026, 8, 31), 2, "", ("officers",), (7,), time(8))


async def give(officer: Person, target: str, *steps: str) -> None:
    await officer.say(f"/donggop {target}")
    for step in steps:
        await officer.say(step)
    assert "✅ Đã ghi đóng góp" in officer.text, officer.text


async def mobilised(world: World) -> tuple[Person, Person, Person]:
    """Money from the state and a business, a private person's gift, materials, workdays."""
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    binh = await world.person("11", "MTU01", name="Lê Văn Bình")
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await give(hai, "MH-001", "1", "30tr", "1", "Ngân sách huyện", "1", "1")
    await give(hai, "MH-001", "1", "10tr", "2", "Công an huyện Kế Sách", "1", "1")
    await give(hai, "MH-001", "3", "20 tấm tôn", "2.500.000", "3", "1", "1")
    await give(hai, "MH-002", "1", "2tr", "2", "Bà Năm", "2", "1")
    await lan.say("/ngaycong MH-001 3")
    await lan.say("/ngaycong MH-002 4")
    await binh.say("/ngaycong MH-001 2")
    return lan, binh, hai


async def test_tiendo_adds_money_and_workdays_by_source_type(world: World) -> None:
    _, _, hai = await mobilised(world)
    await hai.say("/tiendo")
    assert ("💰 Huy động: 42.000.000 đ tiền · 2.500.000 đ vật liệu · 9 ngày công — "
            "Ngân sách nhà nước: 30.000.000 đ tiền; Xã hội hóa: 12.000.000 đ tiền; "
            "Cộng đồng: 2.500.000 đ vật liệu · 9 ngày công") in hai.text
    tinh = await world.person("70", "ST", role="officer")
    await tinh.say("/tiendo")                           # the province counts its districts'
    assert "💰 Huy động: 42.000.000 đ tiền · 2.500.000 đ vật liệu · 9 ngày công" in tinh.text
    await tinh.say("/tiendo KSA")
    assert "chưa ghi nhận đóng góp nào" in tinh.text


async def test_nha_lists_contributions_against_the_standard_support(world: World) -> None:
    _, _, hai = await mobilised(world)
    await hai.say("/nha MH-001")
    text = hai.text
    # MH-001 is a new build: 60 million; 30 + 10 million and 2,5 million of roofing recorded.
    assert ("💰 Hỗ trợ chuẩn 60.000.000 đ · đã ghi nhận 40.000.000 đ tiền · 2.500.000 đ vật liệu · "
            "5 ngày công · còn thiếu 17.500.000 đ") in text
    assert "#2 · 20/08/2026 · Tiền 10.000.000 đ · Xã hội hóa – Công an huyện Kế Sách" in text
    assert "#3 · 20/08/2026 · Vật liệu 2.500.000 đ (20 tấm tôn) · Cộng đồng" in text
    assert "5 · 20/08/2026 · 3 ngày công · Cộng đồng – Nguyễn Thị Lan" in text
    await hai.say("/nha MH-002")                         # a repair: 30 million
    assert "Hỗ trợ chuẩn 30.000.000 đ" in hai.text and "còn thiếu 28.000.000 đ" in hai.text
    assert "Bà Năm" in hai.text                          # the officer of the area sees the person
    configure(world, support=SupportSettings(new_build=80_000_000, repair=40_000_000,
                                             by_category={"near_poor": (70_000_000, 35_000_000)}))
    await hai.say("/nha MH-002")
    assert "Hỗ trợ chuẩn 35.000.000 đ" in hai.text


async def test_khenthuong_shows_on_time_share_mobilised_and_suggested_people(world: World) -> None:
    lan, binh, hai = await mobilised(world)
    configure(world, campaign=CampaignSettings(deadlines=(COMPLETE,)))
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.photos(jpeg(3), jpeg(4), caption="MH-002 hoàn thành")
    await binh.photos(jpeg(5), caption="MH-003 khởi công")
    await set_stage(world, "MH-003", 2, START + timedelta(days=15))   # 04/9: after the deadline
    world.clock.set(START + timedelta(days=20))
    await hai.say("/khenthuong")
    text = hai.text
    assert "1. Xã Mỹ Hương: chỉ tiêu 25 → 2 tập thể, 1 cá nhân" in text
    assert "   đúng hạn 8,0% · 42.000.000 đ tiền · 2.500.000 đ vật liệu · 9 ngày công" in text
    assert "chỉ là gợi ý, Hội đồng thi đua – khen thưởng quyết định" in text
    assert "• Nhiều ngày công nhất: Nguyễn Thị Lan (Xã Mỹ Hương) 7; Lê Văn Bình (Xã Mỹ Hương) 2" in text
    assert ("• Nhiều báo cáo được nhận nhất: Nguyễn Thị Lan (Xã Mỹ Hương) 2; Lê Văn Bình (Xã Mỹ Hương) 1"
            in text)


def sheet(path: Path, name: str) -> list[tuple[object, ...]]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


async def test_the_workbook_has_the_contributions_and_the_commendation_figures(world: World) -> None:
    _, _, hai = await mobilised(world)
    configure(world, campaign=CampaignSettings(deadlines=(COMPLETE,)))
    [reply] = await hai.say("/xuat")
    assert reply.document is not None
    rows = sheet(reply.document, "Đóng góp")
    header = rows.index(next(r for r in rows if r and r[0] == "Mã nhà"))
    body = [r for r in rows[header + 1:] if any(r)]
    assert len(body) == 7
    assert body[1][:9] == ("MH-001", "MTU01", "Tiền", None, "đồng", 10_000_000, "Công an huyện Kế Sách",
                           "Xã hội hóa", "20/08/2026")
    assert body[2][:6] == ("MH-001", "MTU01", "Vật liệu", "20 tấm", None, 2_500_000)
    assert body[3][:3] == ("MH-002", "MTU01", "Tiền") and body[3][13] == "x"   # a private person
    assert body[4][:5] == ("MH-001", "MTU01", "Ngày công", 3, "ngày công")
    awards = sheet(reply.document, "Khen thưởng")
    units = {r[0]: r for r in awards if r and r[0] in ("MTU", "MTU01")}
    assert units["MTU01"][2:5] == (25, 2, 1) and units["MTU01"][7:] == (42_000_000, 2_500_000, 9)
    assert units["MTU"][7:] == (42_000_000, 2_500_000, 9)
    people = awards[awards.index(next(r for r in awards if r and r[0] == "Người")) + 1:]
    assert people[0][:4] == ("Nguyễn Thị Lan", "Xã Mỹ Hương", 7, 0)
    assert "Gợi ý" in str(people[0][4])
    # Another district's officer: none of these rows, nobody's name.
    ksa = await world.person("60", "KSA", role="officer")
    [other] = await ksa.say("/xuat")
    assert other.document is not None
    theirs = sheet(other.document, "Đóng góp")
    assert not any("Bà Năm" in str(r) or "MH-001" in str(r) for r in theirs)
    assert not any("Nguyễn Thị Lan" in str(r) for r in sheet(other.document, "Khen thưởng"))


async def test_sums_follow_a_unit_moved_in_the_tree_and_a_house_moved_to_another_unit(world: World) -> None:
    await mobilised(world)
    tinh = await world.person("70", "ST", role="officer")
    async with world.app.db.transaction():
        await units.upsert(world.app.db, "MTU01", "Xã Mỹ Hương", "KSA", 25)   # a corrected units file
    await tinh.say("/tiendo KSA")
    assert "💰 Huy động: 42.000.000 đ tiền · 2.500.000 đ vật liệu · 9 ngày công" in tinh.text
    await tinh.say("/tiendo MTU")
    assert "chưa ghi nhận đóng góp nào" in tinh.text
    al = await world.house("AL-001")
    mh = await world.house("MH-002")
    async with world.app.db.transaction():   # MH-002 listed in An Lạc Tây by a corrected houses file
        await houses.upsert(world.app.db, "MH-002", al.unit_id, mh.household_head, mh.category,
                            mh.support_type, None, None, None)
    await tinh.say("/tiendo KSA01")
    assert "💰 Huy động: 2.000.000 đ tiền · 4 ngày công" in tinh.text


async def test_only_accepted_reports_count_for_the_suggestions(tmp_path: Path) -> None:
    world = await build_world(tmp_path / "review", review_required=True)
    try:
        lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
        hai = await world.person("50", "MTU", role="officer")
        await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
        await lan.photos(jpeg(3), jpeg(4), caption="MH-002 hoàn thành")
        await hai.say("/khenthuong")
        assert "Nhiều báo cáo được nhận nhất" not in hai.text      # both wait for review
        await hai.say("/duyet")
        await hai.press("✅ Duyệt")
        await hai.say("/khenthuong")
        assert "• Nhiều báo cáo được nhận nhất: Nguyễn Thị Lan (Xã Mỹ Hương) 1" in hai.text
        await hai.say("/duyet")
        await hai.press("↩️ Trả lại")
        await hai.say("Ảnh mờ")
        await hai.say("/khenthuong")
        assert "• Nhiều báo cáo được nhận nhất: Nguyễn Thị Lan (Xã Mỹ Hương) 1" in hai.text
    finally:
        await world.app.close()


async def test_area_sums_of_a_root_are_its_own_tree_alone_when_other_roots_exist(db: Database) -> None:
    """A root's sums are read without a range test per row only while it is the one root: with a
    second tree beside it, each root still sums its own tree alone, on both databases."""
    async with db.transaction():
        await units.upsert(db, "VN", "Cả nước", None, None)
        await units.upsert(db, "T1", "Tỉnh Một", "VN", None)
        await units.upsert(db, "X1", "Xã Một", "T1", None)
        ids = {u: (await units.by_code(db, u)).id for u in ("VN", "T1", "X1")}  # type: ignore[union-attr]
        for unit_id, source, amount in ((ids["X1"], "state", 5_000_000), (ids["T1"], "social", 7_000_000),
                                        (ids["VN"], "state", 1_000_000)):
            await contributions.add(db, contributions.New("money", unit_id, None, source, "2026-08-01",
                                                          value=amount), None, "2026-08-01T02:00:00+00:00")
    country = await units.by_code(db, "VN")
    assert country is not None
    alone = await contributions.area_sums(db, country)
    assert alone == {"state": Sums(money=6_000_000), "social": Sums(money=7_000_000)}

    async with db.transaction():
        await units.upsert(db, "OTHER", "Cây khác", None, None)
        other = await units.by_code(db, "OTHER")
        assert other is not None
        await contributions.add(db, contributions.New("money", other.id, None, "state", "2026-08-01",
                                                      value=9_000_000), None, "2026-08-01T02:00:00+00:00")
    assert await contributions.area_sums(db, country) == alone
    assert await contributions.area_sums(db, other) == {"state": Sums(money=9_000_000)}
    province = await units.by_code(db, "T1")
    assert province is not None
    assert await contributions.area_sums(db, province) == {"state": Sums(money=5_000_000),
                                                           "social": Sums(money=7_000_000)}
