"""The volunteer's side, through the same core every channel uses, with a real SQLite file and JPEGs."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.app import App
from handlers.commands import CORE
from storage import audit, reports
from tests.images import jpeg, png
from tests.world import World


async def count(world: World, table: str) -> int:
    return int(await world.app.db.scalar(f"SELECT count(*) FROM {table}"))


# --- joining ----------------------------------------------------------------------------------

async def test_stranger_is_told_how_to_join_and_nothing_is_stored(world: World) -> None:
    stranger = world.stranger()
    await stranger.say("/baocao")
    assert "chưa được đăng ký" in stranger.text and "/start" in stranger.text
    await stranger.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    assert "chưa được đăng ký" in stranger.text
    assert await count(world, "users") == 0 and await count(world, "reports") == 0
    assert not (world.app.ctx.photos.path("").exists() and any(world.app.ctx.photos.path("").iterdir()))


async def test_stranger_in_english_gets_english(world: World) -> None:
    stranger = world.stranger(lang_hint="en-US")
    await stranger.say("hello")
    assert "invite code" in stranger.text


async def test_bad_and_reused_invite_codes_are_refused(world: World) -> None:
    stranger = world.stranger()
    await stranger.say("/start KHONGCO")
    assert "không đúng" in stranger.text
    code = await world.invite("MTU01", "volunteer")
    first = world.stranger("1")
    await first.say(f"/start {code}")
    assert "Xã Mỹ Hương" in first.text
    second = world.stranger("2")
    await second.say(f"/start {code}")
    assert "không đúng hoặc đã được dùng" in second.text
    assert await count(world, "users") == 1


async def test_joining_binds_unit_and_role(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    assert "tình nguyện viên" in lan.text and "Xã Mỹ Hương" in lan.text
    await lan.say("/start")
    assert "đã là tình nguyện viên" in lan.text
    entries = await audit.entries(world.app.db, "user", 1)
    assert entries and entries[0]["action"] == "user.join"


# --- the full dialog ----------------------------------------------------------------------------

async def test_full_report_by_name_without_diacritics(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao")
    assert "mã nhà" in lan.text
    await lan.say("nguyen van an")  # matches An and Anh
    assert "Có 2 nhà" in lan.text
    await lan.press("MH-001 – Nguyễn Văn An")
    assert "Nhà đã đến bước nào" in lan.text
    labels = [c.label for c in lan.last[0].choices]
    assert labels[:3] == ["Khởi công / đang thi công", "Hoàn thành", "Bàn giao"]
    await lan.press("Hoàn thành")
    assert "ít nhất 2 ảnh" in lan.text
    await lan.photos(jpeg(1))
    assert "Cần thêm 1" in lan.text
    await lan.press("Xong")
    assert "cần ít nhất 2 ảnh, mới có 1" in lan.text
    await lan.photos(jpeg(2), as_document=True, names=("IMG_0002.JPG",))
    await lan.press("Xong")
    assert "@location" in [c.key for c in lan.last[0].choices]
    await lan.location(9.61234, 105.97)
    assert "Đã nhận vị trí" in lan.text
    await lan.say("Mái đã lợp xong 🏠, chờ sơn")
    assert "Kiểm tra báo cáo" in lan.text and "Mái đã lợp xong 🏠" in lan.text
    assert "9.61234" in lan.text
    await lan.press("Gửi báo cáo")
    assert "✅ Đã nhận báo cáo số 1" in lan.text
    report = await reports.get(world.app.db, 1)
    assert report and report.stage == 2 and report.review_state == "accepted"
    assert report.lat == pytest.approx(9.61234) and report.note == "Mái đã lợp xong 🏠, chờ sơn"
    stored = await reports.photos_of(world.app.db, 1)
    assert len(stored) == 2
    assert stored[0].original is None and stored[1].original is not None  # the file is kept as sent
    assert world.app.ctx.photos.path(stored[1].original).read_bytes() == jpeg(2)
    assert (await world.house("MH-001")).stage == 2
    # The dialog is over: the next text is not taken as part of it.
    await lan.say("xin chào")
    assert "/baocao" in lan.text


@pytest.mark.parametrize("typed", ["²", "٣", "1" * 40, "１"])
async def test_digits_that_are_not_ascii_are_not_a_choice(world: World, typed: str) -> None:
    """'²' passes str.isdigit() and int() refuses it; '٣' and '１' int() reads as 3 and 1; forty
    digits are no position in a list. None of them is a typed choice, and none stops the dialog."""
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao tran thi binh")
    assert "Nhà đã đến bước nào" in lan.text

    await lan.say(typed)

    assert "Chưa rõ bước nào" in lan.text  # nothing chosen; the choices still stand
    await lan.say("1")
    assert "ít nhất 1 ảnh" in lan.text


async def test_an_album_sent_again_is_not_a_second_report(world: World) -> None:
    """After a stall the phone sends the album again: same photos, same house, same stage."""
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    assert "✅ Đã nhận báo cáo số 1" in lan.text
    world.clock.advance(timedelta(hours=3))

    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")

    assert "đã nhận trong báo cáo số 1" in lan.text and "số 2" not in lan.text
    assert await count(world, "reports") == 1
    # Once more, with one new photo among the old: that one joins the report already made.
    await lan.photos(jpeg(1), jpeg(3), caption="MH-001 hoàn thành")
    assert "đã nhận trong báo cáo số 1" in lan.text and "Đã thêm 1 ảnh" in lan.text
    assert await count(world, "reports") == 1 and len(await reports.photos_of(world.app.db, 1)) == 3
    # The same photos for the next stage, or a day later, are a report of their own (the photo
    # checks decide about those).
    world.clock.advance(timedelta(days=1))
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    assert "✅ Đã nhận báo cáo số 2" in lan.text


async def test_typed_choices_work_like_buttons(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao tran thi binh")  # one match: straight to the stage
    assert "MH-003" in lan.text
    await lan.say("1")  # the first choice, typed
    assert "ít nhất 1 ảnh" in lan.text
    await lan.photos(jpeg(5))
    await lan.say("xong")
    await lan.say("bo qua")
    await lan.say("gui bao cao")
    assert "Đã nhận báo cáo số 1" in lan.text
    assert (await world.house("MH-003")).stage == 1


async def test_quick_caption_path_files_in_one_message(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="mh-003 Hoàn thành")
    assert "Đã nhận báo cáo số 1" in lan.text and "2 ảnh" in lan.text
    assert (await world.house("MH-003")).stage == 2


async def test_quick_path_with_too_few_photos_asks_for_more(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), caption="MH-003 bàn giao")
    assert "Cần thêm 1" in lan.text and await count(world, "reports") == 0
    await lan.photos(jpeg(2))
    await lan.press("Xong")
    await lan.press("Bỏ qua")
    await lan.press("Gửi báo cáo")
    assert (await world.house("MH-003")).stage == 3


async def test_photos_first_then_house(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2))
    assert "Ảnh này của nhà nào" in lan.text
    await lan.say("MH-004")
    await lan.press("Hoàn thành")
    assert "Đã nhận 2 ảnh" in lan.text
    await lan.press("Xong")
    await lan.press("Bỏ qua")
    await lan.press("Gửi báo cáo")
    assert "2 ảnh" in lan.text and (await world.house("MH-004")).stage == 2


# --- refusals -----------------------------------------------------------------------------------

async def test_house_of_another_unit_is_refused_without_revealing_it(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao AL-001")
    assert "không thuộc Xã Mỹ Hương" in lan.text and "Thạch" not in lan.text
    await lan.photos(jpeg(1), jpeg(2), caption="AL-001 hoàn thành")
    assert "không thuộc" in lan.text
    await lan.say("/baocao thach thi sa")  # a name outside the unit finds nothing
    assert "Không tìm thấy" in lan.text
    assert await count(world, "reports") == 0


async def test_backward_stage_is_refused_with_the_reason(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.say("/baocao MH-001")
    assert [c.key for c in lan.last[0].choices][:2] == ["s:2", "s:3"]  # only forward is offered
    await lan.say("khởi công")
    assert "không báo cáo lùi" in lan.text
    await lan.photos(jpeg(3), caption="MH-001 khởi công")
    assert "không báo cáo lùi" in lan.text
    assert await count(world, "reports") == 1 and (await world.house("MH-001")).stage == 2


async def test_skipping_forward_is_allowed(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-002 bàn giao")
    assert "Đã nhận báo cáo" in lan.text and (await world.house("MH-002")).stage == 3


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.4 not a photo at all", "giay-to.pdf", "không phải là ảnh"),
        (jpeg(7)[:4000], "cut.jpg", "bị hỏng"),
    ],
)
async def test_bad_files_are_refused_and_change_nothing(world: World, data: bytes, name: str,
                                                        expected: str) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(data, as_document=True, names=(name,))
    assert expected in lan.text and name in lan.text
    await lan.press("Xong")
    assert "mới có 0" in lan.text
    assert await count(world, "photos") == 0


async def test_a_huge_image_is_refused(world: World) -> None:
    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, "PNG")  # tiny file, 400 megapixels
    lan = await world.person("10", "MTU01")
    await lan.photos(buf.getvalue(), as_document=True, names=("bom.png",))
    assert "quá lớn" in lan.text
    assert await count(world, "reports") == 0


async def test_text_where_a_photo_is_expected(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.say("ảnh đây")
    assert "Đang chờ ảnh nhà MH-001" in lan.text
    assert {c.label for c in lan.last[0].choices} == {"Xong", "Hủy"}


async def test_long_text_with_emoji_is_refused_politely(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1), png(2))
    await lan.press("Xong")
    await lan.say("🏠 nhà đẹp " * 150)  # 1499 characters once the last space goes: over the note limit
    assert lan.text == "Quá dài: tối đa 1000 ký tự, bạn đã gửi 1499. Hãy viết ngắn lại."
    await lan.say("🏠 nhà đẹp " * 500)  # 5000 characters: over any message
    assert lan.text == "Quá dài: tối đa 4096 ký tự, bạn đã gửi 5000. Hãy viết ngắn lại."
    await lan.say("Ghi chú ngắn 🙏")
    await lan.press("Gửi báo cáo")
    report = await reports.get(world.app.db, 1)
    assert report and report.note == "Ghi chú ngắn 🙏"


async def test_cancel_drops_the_draft(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/huy")
    assert "Không có báo cáo nào" in lan.text
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1), jpeg(2))
    await lan.say("/huy")  # photos are work: asked once
    assert "Bỏ báo cáo nhà MH-001 với 2 ảnh?" in lan.text
    await lan.say("/huy")  # twice in a row: dropped at once
    assert "Đã hủy" in lan.text
    await lan.say("xong")
    assert "/baocao" in lan.text and await count(world, "reports") == 0


async def test_an_old_button_does_not_act(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.say("/baocao MH-002")
    stage_buttons = list(lan.last)
    await lan.press("Hoàn thành")
    lan.last = stage_buttons
    await lan.press("Bàn giao")  # pressed on the older question
    assert "Đang chờ ảnh nhà MH-002" in lan.text
    assert (await world.house("MH-002")).stage == 0


# --- nothing lost, nothing doubled ---------------------------------------------------------------

async def test_restart_mid_dialog_resumes_where_the_person_was(world: World, tmp_path: Path) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1))
    await world.app.close()
    world.app = await App.open(world.app.settings, clock=world.clock,
                               database=world.target(tmp_path), media_dir=tmp_path / "media")
    await lan.photos(jpeg(2))
    assert "Đã nhận 2 ảnh" in lan.text
    await lan.press("Xong")
    await lan.press("Bỏ qua")
    await lan.press("Gửi báo cáo")
    assert "2 ảnh" in lan.text and (await world.house("MH-001")).stage == 2


async def test_a_redelivered_message_is_not_a_second_report(world: World) -> None:
    lan = await world.person("10", "MTU01")
    first = await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành", update_key="u:77")
    assert "Đã nhận báo cáo số 1" in first[0].text
    again = await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành", update_key="u:77")
    assert again == []
    assert await count(world, "reports") == 1 and await count(world, "photos") == 2


async def test_same_photo_on_two_houses_is_held_for_review(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    await lan.photos(jpeg(3), jpeg(1), caption="MH-002 hoàn thành")
    assert "ảnh số 2 trùng với ảnh đã dùng trong báo cáo số 1" in lan.text
    assert "duyệt" in lan.text
    second = await reports.get(world.app.db, 2)
    assert second and second.review_state == "pending" and "report=1" in (second.flag or "")
    assert (await world.house("MH-002")).stage == 0  # held back until an officer decides


async def test_a_near_identical_copy_is_caught_too(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")
    copy = io.BytesIO()  # the same scene, smaller and re-encoded, as a messaging app would send it
    Image.open(io.BytesIO(jpeg(1))).resize((640, 480)).save(copy, "JPEG", quality=60)
    recompressed = copy.getvalue()
    await lan.photos(recompressed, jpeg(4), caption="MH-002 hoàn thành")
    assert "trùng" in lan.text


async def test_english_speaker(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/language en")
    assert "English" in lan.text
    await lan.say("/report MH-001")
    assert "Which stage" in lan.text
    await lan.press("Completed")
    assert "at least 2" in lan.text


async def test_zalo_users_are_not_asked_for_what_zalo_cannot_send(world: World) -> None:
    tg = await world.person("10", "MTU01", name="Lan", channel="telegram")
    zl = await world.person("a1b2", "MTU01", name="Lan", channel="zalo")
    for person in (tg, zl):
        await person.say("/trogiup")
    assert "vị trí" in tg.text and "vị trí" not in zl.text
    for person in (tg, zl):
        await person.say("/baocao MH-003")
        await person.press("s:1")
        await person.photos(jpeg(1 if person is tg else 2))
        await person.press("Xong")
    assert "📎 → Vị trí" in tg.text
    assert "📎" not in zl.text and "ghi chú" in zl.text and "Bỏ qua" in zl.text
    for person in (tg, zl):
        assert "bấm" not in person.text


async def test_help_lists_the_other_commands_each_may_use(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Lan", channel="zalo")
    await lan.say("/trogiup")
    assert "/nhacnho – " in lan.text and "/lienket – " in lan.text
    assert "/tiendo" not in lan.text and "/sua" not in lan.text      # officers' only
    hai = await world.person("50", "MTU", role="officer", channel="zalo")
    await hai.say("/trogiup")
    assert "/tiendo – Tiến độ đơn vị (cán bộ)" in hai.text and "/sua – " in hai.text
    await hai.say("/language en")
    await hai.say("/help")
    assert "/status – Progress of an area (officers)" in hai.text and "/correct – " in hai.text
    assert len(hai.text) < 4096



@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_help_names_each_of_the_volunteers_own_commands(world: World, channel: str) -> None:
    lan = await world.person("10", "MTU01", name="Lan", channel=channel)
    vietnamese = (await lan.say("/trogiup"))[0].text
    assert "/cuatoi: xem các báo cáo bạn đã gửi" in vietnamese
    await lan.say("/language en")
    english = (await lan.say("/help"))[0].text
    assert "/mine: the reports you sent" in english
    # The help explains these in its own words rather than listing them: none may be left out but
    # the help itself, which the reader has just opened.
    for command in CORE:
        if command.menu and command.names[0] != "trogiup":
            assert f"/{command.names[0]}" in vietnamese and f"/{command.names[-1]}" in english
