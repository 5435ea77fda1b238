"""/ngaycong and /donggop: every way a contribution gets in, every bad input refused with nothing
stored, corrections kept in the audit log, and who may see what."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import asyncpg
import pytest

from bot.housekeeping import sweep_photos
from storage import audit
from tests.images import jpeg
from tests.test_housekeeping import age_on_disk, photo_files
from tests.world import World


async def count(world: World) -> int:
    return int(await world.app.db.scalar("SELECT count(*) FROM contributions"))


async def sums(world: World) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await world.app.db.fetchall(
        "SELECT u.code, s.source_type, s.money, s.materials, s.workdays FROM contribution_sums s "
        "JOIN units u ON u.id = s.unit_id WHERE s.entries > 0 ORDER BY 1, 2")]


async def test_a_volunteer_logs_workdays_in_one_message_and_sees_only_their_own(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    binh = await world.person("11", "MTU01", name="Lê Văn Bình")
    await binh.say("/ngaycong MH-002 5")

    await lan.say("/ngaycong MH-001 3")

    assert "✅ Đã ghi 3 ngày công tại nhà MH-001 – Nguyễn Văn An, ngày 20/08/2026" in lan.text
    assert "Số phiếu: 2" in lan.text and "Tổng ngày công bạn đã góp: 3." in lan.text  # not Bình's 5
    await lan.say("/ngaycong MH-003 2 18/8")
    assert "ngày 18/08/2026" in lan.text and "Tổng ngày công bạn đã góp: 5." in lan.text
    assert await sums(world) == [("MTU01", "community", 0, 0, 10)]
    [entry] = await audit.entries(world.app.db, "contribution", 2)
    assert entry["action"] == "contribution.add" and entry["detail"]["workdays"] == 3


async def test_the_workdays_dialog_offers_recent_houses_and_0_cancels(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/ngaycong")
    assert "Bạn đã góp tổng 0 ngày công" in lan.text
    assert [c.label for c in lan.last[-1].choices] == ["Hủy"]
    await lan.say("0")
    assert "Đã hủy" in lan.text and await count(world) == 0

    await lan.say("/ngaycong")
    await lan.say("mh-004")
    assert "Nhà MH-004 – Lâm Văn Đức: bạn góp bao nhiêu ngày công" in lan.text
    await lan.say("ba ngày")
    assert "không phải số ngày công" in lan.text and await count(world) == 0
    await lan.say("4")
    assert "✅ Đã ghi 4 ngày công tại nhà MH-004" in lan.text and await count(world) == 1


async def test_every_bad_workday_entry_is_refused_and_nothing_stored(world: World) -> None:
    lan = await world.person("10", "MTU01")
    cases = {
        "/ngaycong AL-001 2": "Không có nhà “AL-001” trong đơn vị của bạn",   # another district's
        "/ngaycong XX-999 2": "Không có nhà “XX-999” trong đơn vị của bạn",
        "/ngaycong MH-001 0": "phải lớn hơn 0",
        "/ngaycong MH-001 -3": "phải lớn hơn 0",
        "/ngaycong MH-001 ba": "không phải số ngày công",
        "/ngaycong MH-001 ５": "không phải số ngày công",
        "/ngaycong MH-001 1,5": "không phải số ngày công",
        "/ngaycong MH-001 99999": "quá nhiều",
        "/ngaycong MH-001 2 25/12": "chưa đến",                     # in the future
        "/ngaycong MH-001 2 01/01/2024": "trước khi đợt vận động bắt đầu (13/04/2024)",
        "/ngaycong MH-001 2 31/2": "không phải một ngày",
        "/ngaycong MH-001 25/8": "/ngaycong MÃ_NHÀ SỐ_NGÀY",
    }
    for typed, answer in cases.items():
        await lan.say(typed)
        assert answer in lan.text, (typed, lan.text)
    assert await count(world) == 0


async def test_an_officer_records_money_with_a_summary_and_a_numbered_receipt(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/donggop")
    await hai.say("MH-001")
    assert [c.label for c in hai.last[-1].choices] == ["Tiền", "Ngày công", "Vật liệu", "Hủy"]
    await hai.say("1")
    for typed, answer in (("5tr5", "có thể hiểu nhiều cách"), ("năm triệu", "không phải số tiền"),
                          ("0đ", "phải lớn hơn 0"), ("-5tr", "phải lớn hơn 0"),
                          ("５tr", "không phải số tiền")):
        await hai.say(typed)
        assert answer in hai.text and "Số tiền?" in hai.text, typed
    await hai.say("5,5 triệu")
    await hai.say("2")                                   # Xã hội hóa
    await hai.say("Công an huyện Kế Sách")
    await hai.say("1")                                   # an organisation
    assert "• Số lượng: 5.500.000 đ" in hai.text and "• Nguồn: Xã hội hóa – Công an huyện Kế Sách" in hai.text
    assert [c.label for c in hai.last[-1].choices] == ["Lưu", "Đổi ngày", "Hủy"]
    assert await count(world) == 0                      # nothing before it is saved
    await hai.say("1")
    assert "✅ Đã ghi đóng góp số 1: 5.500.000 đ cho MH-001 – Nguyễn Văn An" in hai.text
    assert "/donggop sua 1" in hai.text
    assert await sums(world) == [("MTU01", "social", 5_500_000, 0, 0)]


async def test_materials_and_a_unit_and_another_date(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/donggop MTU01")
    await hai.say("3")
    await hai.say("50 bao xi măng")
    await hai.say("4tr")
    await hai.say("3")                                   # Cộng đồng
    await hai.say("1")                                   # no name
    await hai.say("2")                                   # change the date
    await hai.say("01/01/2030")
    assert "chưa đến" in hai.text
    await hai.say("15/8")
    assert "• Ngày: 15/08/2026" in hai.text and "Vật liệu (50 bao xi măng)" in hai.text
    await hai.say("1")
    assert "✅ Đã ghi đóng góp số 1: 4.000.000 đ cho MTU01 – Xã Mỹ Hương" in hai.text
    row = await world.app.db.fetchone("SELECT kind, house_id, quantity, description, day FROM contributions")
    assert tuple(row) == ("materials", None, "50 bao", "xi măng", "2026-08-15")


async def test_plain_digits_are_amounts_and_workdays_too(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/donggop MH-003")
    for step in ("1", "5000000", "1", "1", "1"):
        await hai.say(step)
    assert "✅ Đã ghi đóng góp số 1: 5.000.000 đ cho MH-003" in hai.text
    await hai.say("/donggop MH-003")
    for step in ("2", "12", "3", "Hội Cựu chiến binh xã", "1", "1"):
        await hai.say(step)
    assert "✅ Đã ghi đóng góp số 2: 12 ngày công cho MH-003" in hai.text
    await hai.say("/donggop MH-003")
    for step in ("1", "5tr", "2", "7"):                # 7 is no choice at "who gave it"
        await hai.say(step)
    assert "Ai đóng góp?" in hai.text and await count(world) == 2


async def test_over_ten_billion_asks_first(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/donggop MH-002")
    await hai.say("1")
    await hai.say("15 tỷ")
    assert "15.000.000.000 đ trong một lần ghi là rất lớn" in hai.text
    assert [c.label for c in hai.last[-1].choices] == ["Đúng, số này", "Nhập lại số tiền", "Hủy"]
    await hai.say("2")                                   # type it again: a slip of three zeros
    await hai.say("15tr")
    assert "Nguồn đóng góp thuộc loại nào" in hai.text
    await hai.say("1")
    await hai.say("Ngân sách huyện")
    await hai.say("1")
    await hai.say("1")
    assert "15.000.000 đ" in hai.text and await count(world) == 1

    await hai.say("/donggop MH-002")
    await hai.say("1")
    await hai.say("12 tỷ")
    await hai.say("1")                                   # yes, this amount
    await hai.say("1")
    await hai.say("Tỉnh")
    await hai.say("1")
    await hai.say("1")
    assert "12.000.000.000 đ" in hai.text and await count(world) == 2


async def test_a_correction_keeps_the_old_amount_in_the_audit_log(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/donggop MH-001")
    for step in ("1", "50tr", "2", "Bà Năm", "2", "1"):
        await hai.say(step)
    await hai.say("/donggop sua 1")
    assert "Đang sửa: #1 · 20/08/2026 · Tiền 50.000.000 đ · Xã hội hóa – Bà Năm" in hai.text
    await hai.say("5tr5")
    assert "có thể hiểu nhiều cách" in hai.text
    await hai.say("5tr")
    assert "✅ Đã sửa đóng góp số 1: 50.000.000 đ → 5.000.000 đ" in hai.text
    assert await count(world) == 1 and await sums(world) == [("MTU01", "social", 5_000_000, 0, 0)]
    log = await audit.entries(world.app.db, "contribution", 1)
    fix = [e for e in log if e["action"] == "contribution.correct"]
    assert fix[0]["detail"]["from"]["value"] == 50_000_000 and fix[0]["detail"]["to"]["value"] == 5_000_000
    await hai.say("/donggop sua")
    assert "/donggop sua SỐ" in hai.text
    await hai.say("/donggop sua ١")
    assert "/donggop sua SỐ" in hai.text


async def test_nothing_is_deleted(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/ngaycong MH-001 3")
    refused = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
    with pytest.raises(refused, match="never deleted"):   # the database itself refuses
        await world.app.db.execute("DELETE FROM contributions")
    assert await count(world) == 1


async def test_scope_volunteers_strangers_and_other_areas(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/donggop MH-001")
    assert "dành cho cán bộ" in lan.text
    mtu = await world.person("50", "MTU", role="officer")
    await mtu.say("/donggop MH-001")
    for step in ("1", "10tr", "2", "Ông Tư", "2", "1"):
        await mtu.say(step)
    ksa = await world.person("60", "KSA", role="officer")
    await ksa.say("/donggop MH-001")                    # another district's house
    assert "Không có nhà hay đơn vị “MH-001” trong Huyện Kế Sách" in ksa.text
    await ksa.say("0")
    await ksa.say("/donggop MTU01")
    assert "Không có nhà hay đơn vị “MTU01”" in ksa.text
    await ksa.say("0")
    await ksa.say("/donggop sua 1")                      # Ông Tư's amount is not theirs to see
    assert "Không có đóng góp số 1 trong địa bàn của bạn" in ksa.text and "Ông Tư" not in ksa.text
    await ksa.say("/tiendo")
    assert "chưa ghi nhận đóng góp nào" in ksa.text
    await ksa.say("/nha MH-001")
    assert "Ông Tư" not in ksa.text
    stranger = world.stranger()
    await stranger.say("/ngaycong MH-001 3")
    assert await count(world) == 1


async def test_a_redelivered_message_is_not_a_second_contribution(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/ngaycong MH-001 3", update_key="tg:1001")
    await lan.say("/ngaycong MH-001 3", update_key="tg:1001")   # the platform sent it again
    assert await count(world) == 1


async def test_in_english_with_the_english_names(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/language en")
    await lan.say("/workdays MH-001 2")
    assert "✅ Logged 2 workdays at house MH-001" in lan.text and "Your workdays in all: 2." in lan.text
    await lan.say("/contribute MH-001")
    assert "officers" in lan.text and await count(world) == 1
    await lan.say("/workdays MH-001 2 31/12")
    assert "has not come yet" in lan.text and await count(world) == 1


async def test_a_receipt_photo_at_the_summary_is_kept_with_the_contribution(world: World) -> None:
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/donggop")
    for answer in ("MH-001", "1", "5tr", "1"):          # money, 5 million, state budget
        await hai.say(answer)
    await hai.say("1")                                   # no name: the summary
    assert "Có ảnh biên nhận, bàn giao? Gửi một ảnh lúc này" in hai.text
    await hai.photos(jpeg(40))
    assert "• Ảnh: đã đính kèm" in hai.text
    assert [c.label for c in hai.last[-1].choices] == ["Lưu", "Đổi ngày", "Hủy"]
    kept = photo_files(world)
    assert len(kept) == 2                                # the copy and its thumbnail
    await hai.say("1")
    assert "✅ Đã ghi đóng góp số 1" in hai.text
    photo = await world.app.db.scalar("SELECT photo FROM contributions WHERE id = 1")
    assert photo is not None and {name.split(".")[0] for name in kept} == {photo}
    # Weeks later the sweep of photos no report kept leaves the receipt's photo alone.
    age_on_disk(world, hours=24 * 30)
    world.clock.advance(timedelta(days=30))
    assert await sweep_photos(world.app.ctx) == 0
    assert photo_files(world) == kept
