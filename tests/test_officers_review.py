"""/duyet: reports held back by the photo checks, or all of them when review is required."""

from __future__ import annotations

from PIL import Image

from handlers.settings import ReviewSettings
from handlers.types import Reply
from storage import audit, reports
from tests.images import jpeg
from tests.world import World, configure


def sent_to(replies: list[Reply], user_id: str) -> list[str]:
    return [r.text for r in replies if r.to == ("test", user_id)]


async def flagged(world: World) -> None:
    """Report 1 on MH-001 is accepted; report 2 on MH-002 reuses one of its photos and waits."""
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.photos(jpeg(3), jpeg(1), caption="MH-002 hoàn thành")


async def test_approving_a_flagged_report_moves_the_house_and_tells_the_volunteer(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")

    shown = await hai.say("/duyet")

    text = hai.text
    assert "Báo cáo số 2 chờ duyệt (còn 1)" in text and "Nhà MH-002 – Nguyễn Văn Anh" in text
    assert "Hoàn thành (nhà đang ở: Chưa khởi công)" in text and "Nguyễn Thị Lan" in text
    assert "Ảnh số 2 trùng với ảnh trong báo cáo số 1 của nhà MH-001" in text
    # The copy beside the earlier photo first, one joined picture, then the report's own two.
    assert len(shown[0].images) == 3 and all(p.is_file() for p in shown[0].images)
    with Image.open(shown[0].images[0]) as joined:
        assert joined.width > 2 * joined.height - 40
    keys = [c.key for c in shown[0].choices]
    assert keys == ["rv:ok:2", "rv:back:2", "rv:next:2", "rv:stop"]
    assert all(len(k.encode()) <= 64 for k in keys)

    replies = await hai.press("✅ Duyệt")

    assert "Đã duyệt báo cáo số 2: nhà MH-002, Hoàn thành" in hai.text
    assert "Không có báo cáo nào chờ duyệt" in hai.text
    told = sent_to(replies, "10")
    assert told == ["✅ Báo cáo số 2 (nhà MH-002, Hoàn thành) đã được cán bộ duyệt. Cảm ơn bạn!"]
    assert (await world.house("MH-002")).stage == 2
    report = await reports.get(world.app.db, 2)
    assert report and report.review_state == "approved"
    (entry,) = [e for e in await audit.entries(world.app.db, "report", 2) if e["action"] == "report.approve"]
    assert entry["actor_id"] == 2 and entry["detail"]["stage"] == 2


async def test_returning_asks_a_reason_and_the_volunteer_gets_it_at_once(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("↩️ Trả lại")
    assert "Gõ lý do trả lại báo cáo số 2" in hai.text

    replies = await hai.say("Ảnh số 2 là nhà ông An, không phải nhà này")

    assert "Đã trả lại báo cáo số 2 (nhà MH-002)" in hai.text
    (told,) = sent_to(replies, "10")
    assert "Báo cáo số 2 (nhà MH-002, Hoàn thành) chưa được duyệt" in told
    assert "Lý do: Ảnh số 2 là nhà ông An, không phải nhà này" in told and "/baocao MH-002" in told
    assert (await world.house("MH-002")).stage == 0
    (entry,) = [e for e in await audit.entries(world.app.db, "report", 2) if e["action"] == "report.return"]
    assert entry["detail"]["reason"].startswith("Ảnh số 2")
    await hai.say("/nha MH-002")
    assert "trả lại (lý do: Ảnh số 2 là nhà ông An" in hai.text


async def test_a_volunteer_in_english_is_told_in_english(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/language en")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 completed")
    await lan.photos(jpeg(3), jpeg(1), caption="MH-002 completed")
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("↩️ Trả lại")
    replies = await hai.say("Ảnh mờ")
    (told,) = sent_to(replies, "10")
    assert told.startswith("↩️ Report no. 2 (house MH-002, Completed) was returned. Reason: Ảnh mờ")


async def test_back_from_the_reason_and_a_reason_too_long(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("↩️ Trả lại")
    await hai.say("x" * 600)
    assert "Quá dài: tối đa 500 ký tự, bạn đã gửi 600." in hai.text
    await hai.press("Quay lại báo cáo")
    assert "Báo cáo số 2 chờ duyệt" in hai.text
    assert (await reports.get(world.app.db, 2)).review_state == "pending"  # type: ignore[union-attr]


async def test_review_required_holds_every_report_until_approved(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.photos(jpeg(3), caption="MH-003 khởi công")
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo")
    assert "Chưa khởi công 5 ·" in hai.text  # nothing counts yet

    await hai.say("/duyet")
    assert "Báo cáo số 1 chờ duyệt (còn 2)" in hai.text
    await hai.press("⏭ Để sau")
    assert "Báo cáo số 2 chờ duyệt (còn 2)" in hai.text
    await hai.press("✅ Duyệt")
    assert "Đã xem hết. Còn 1 báo cáo chờ duyệt (đã để sau)" in hai.text
    await hai.say("/duyet")
    assert "Báo cáo số 1 chờ duyệt (còn 1)" in hai.text
    await hai.press("Dừng duyệt")
    assert "Đã dừng duyệt. Còn 1 báo cáo chờ duyệt" in hai.text

    await hai.say("/tiendo")
    assert "Chưa khởi công 4 · đang thi công 1 · hoàn thành 0" in hai.text
    assert (await world.house("MH-001")).stage == 0


async def test_skipping_every_report_ends_the_round(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    await hai.press("⏭ Để sau")
    assert "Đã xem hết. Còn 1 báo cáo chờ duyệt (đã để sau)" in hai.text
    await hai.say("xin chào")
    assert "/baocao" in hai.text  # the dialog is over


async def test_typed_text_or_an_old_button_shows_the_report_again(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/duyet")
    old = list(hai.last)
    await hai.say("duyệt giúp")
    assert "Hãy chọn: Duyệt, Trả lại" in hai.text and "Báo cáo số 2 chờ duyệt" in hai.text
    await hai.say("1")  # the first button, typed: approve
    assert "Đã duyệt báo cáo số 2" in hai.text
    hai.last = old
    await hai.press("↩️ Trả lại")  # on the earlier message, after the decision
    assert (await reports.get(world.app.db, 2)).review_state == "approved"  # type: ignore[union-attr]


async def test_two_officers_on_one_report(world: World) -> None:
    await flagged(world)
    district = await world.person("50", "MTU", role="officer")
    province = await world.person("60", "ST", role="officer")
    await district.say("/duyet")
    await province.say("/duyet")
    await district.press("✅ Duyệt")
    await province.press("↩️ Trả lại")
    replies = await province.say("Không rõ")
    assert "không còn chờ duyệt" in province.text
    assert sent_to(replies, "10") == []
    assert (await reports.get(world.app.db, 2)).review_state == "approved"  # type: ignore[union-attr]


async def test_an_officer_does_not_approve_their_own_report(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    hai = await world.person("50", "MTU01", role="officer")
    await hai.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await hai.say("/duyet")
    assert "Không có báo cáo nào chờ duyệt" in hai.text
    boss = await world.person("60", "MTU", role="officer")
    await boss.say("/duyet")
    await boss.press("✅ Duyệt")
    assert (await world.house("MH-001")).stage == 2


async def test_an_officer_elsewhere_does_not_see_the_report(world: World) -> None:
    await flagged(world)
    other = await world.person("50", "KSA", role="officer")
    await other.say("/duyet")
    assert "Không có báo cáo nào chờ duyệt trong Huyện Kế Sách" in other.text


async def test_huy_while_reviewing_stops_the_review_in_its_own_words(world: World) -> None:
    await flagged(world)
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/duyet")
    await hai.say("/huy")
    assert "Đã dừng" in hai.text and "báo cáo đang soạn" not in hai.text
    report = await reports.get(world.app.db, 2)
    assert report and report.review_state == "pending"  # nothing was decided
    await hai.say("/huy")
    assert "Không có báo cáo nào đang soạn" in hai.text
