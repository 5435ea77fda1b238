"""/sua: an officer puts a wrongly reported house right, and every figure follows."""

from __future__ import annotations

from storage import audit
from tests.images import jpeg
from tests.test_officers_export import summary
from tests.world import World


async def test_a_house_handed_over_by_mistake_is_put_back_and_the_reporter_told(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 bàn giao")    # it is only being built
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/tiendo")
    assert "đã bàn giao 1" in hai.text

    await hai.say("/sua MH-001")
    assert "Hiện tại: Bàn giao" in hai.text
    assert [c.label for c in hai.last[-1].choices] == [
        "Chưa khởi công", "Khởi công / đang thi công", "Hoàn thành", "Thôi, không sửa"]
    await hai.press("Khởi công / đang thi công")
    assert "Bàn giao → Khởi công / đang thi công" in hai.text and "lý do" in hai.text
    replies = await hai.say("Kiểm tra thực tế ngày 20/8: mới xây tường")

    assert "✅ Đã sửa nhà MH-001: Bàn giao → Khởi công / đang thi công" in replies[0].text
    [told] = [r for r in replies if r.to == ("test", "10")]
    assert "Cán bộ Trần Văn Hải đã sửa bước nhà MH-001" in told.text
    assert "mới xây tường" in told.text
    assert (await world.house("MH-001")).stage == 1
    await hai.say("/tiendo")
    assert "đang thi công 1" in hai.text and "đã bàn giao 0" in hai.text
    [entry] = [e for e in await audit.entries(world.app.db, "house", (await world.house("MH-001")).id)
               if e["action"] == "house.correct"]
    assert entry["detail"]["from"] == 3 and entry["detail"]["to"] == 1
    # The house card tells the story; the volunteer can report the real stage again.
    await hai.say("/nha MH-001")
    assert "sửa Bàn giao → Khởi công / đang thi công (Kiểm tra thực tế" in hai.text
    await lan.photos(jpeg(3), jpeg(4), caption="MH-001 hoàn thành")
    assert "Đã nhận báo cáo" in lan.text
    assert (await world.house("MH-001")).stage == 2


async def test_the_workbook_sent_upward_counts_the_correction(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-002 hoàn thành")
    hai = await world.person("50", "MTU", role="officer")
    before = summary((await hai.say("/xuat"))[0].document)
    assert before["MTU"]["Hoàn thành"] == 1
    await hai.say("/sua MH-002")
    await hai.press("Chưa khởi công")
    await hai.say("Báo cáo nhầm nhà")
    after = summary((await hai.say("/xuat"))[0].document)
    assert after["MTU"]["Hoàn thành"] == 0 and after["MTU"]["Đã khởi công"] == 0
    assert after["MTU01"]["Chưa khởi công"] == 4


async def test_stopping_typing_and_a_house_that_moved_meanwhile(world: World) -> None:
    lan = await world.person("10", "MTU01")
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/sua")
    assert "/sua MH-001" in hai.text
    await hai.say("/sua AL-001")                       # another district's house: not found
    assert "Không tìm thấy nhà nào khớp “AL-001” trong Huyện Mỹ Tú" in hai.text
    await hai.say("/sua MH-003")
    await hai.say("khởi công đi")                      # typed, not chosen: asked again
    assert "Chọn bước đúng" in hai.text
    await hai.press("Thôi, không sửa")
    assert "Không sửa nhà MH-003" in hai.text

    await hai.say("/sua MH-003")
    await hai.press("Hoàn thành")
    await lan.photos(jpeg(5), caption="MH-003 khởi công")   # a report lands in between
    replies = await hai.say("Đã nghiệm thu")
    assert "vừa được cập nhật" in replies[0].text
    assert (await world.house("MH-003")).stage == 1
    await hai.say("/sua MH-003")
    await hai.say("/huy")
    assert "Đã dừng" in hai.text and (await world.house("MH-003")).stage == 1


async def test_a_volunteer_cannot_correct(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/sua MH-001")
    assert "dành cho cán bộ" in lan.text
