"""Evidence checks through the handlers: place, time and reuse flag a report and say why, to the
volunteer, on the review card and in the export; missing or bad values are noted, never refused."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from handlers.evidence import distance_text, metres
from handlers.settings import ReviewSettings
from storage import audit, houses, reports, units
from storage.export import export_reports
from tests.images import dms, jpeg, jpeg_with_exif, scene
from tests.world import TZ, Person, World, configure

HOUSE = (9.6, 105.97)          # MH-001's coordinates
FAR = (9.63777, 105.97)        # 4.2 km north of it
NEAR = (9.603, 105.97)         # 330 m


async def with_coordinates(world: World) -> None:
    db = world.app.db
    unit = await units.by_code(db, "MTU01")
    assert unit is not None
    async with db.transaction():
        await houses.upsert(db, "MH-001", unit.id, "Nguyễn Văn An", "poor", "new", "Ấp 1", *HOUSE)


async def report_with_location(lan: Person, code: str, stage: str, where: tuple[float, float],
                               *photos: bytes) -> None:
    """The dialog: house, stage, photos, the location shared, sent."""
    await lan.say(f"/baocao {code}")
    await lan.press(stage)
    await lan.photos(*photos, as_document=True)
    await lan.press("Xong")
    await lan.location(*where)
    await lan.press("next")
    await lan.press("Gửi báo cáo")


def gps(lat: float, lon: float) -> dict[str, tuple[str, tuple[float, ...]]]:
    return {"lat": ("N", dms(lat)), "lon": ("E", dms(lon))}


async def card(world: World) -> str:
    hai = await world.person("50", "MTU", role="officer", name="Trần Văn Hải")
    await hai.say("/duyet")
    return hai.text


async def exported(world: World, tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "bao_cao.csv"
    await export_reports(world.app.db, out, "csv", TZ)
    with out.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_distances_read_as_vietnamese_write_them() -> None:
    assert distance_text(metres(*HOUSE, *FAR)) == "4,2 km"
    assert distance_text(metres(*HOUSE, *NEAR)) == "330 m"
    assert distance_text(45) == "45 m" and distance_text(123_456) == "123 km"


async def test_a_location_far_from_the_house_waits_for_review_and_says_how_far(world: World,
                                                                               tmp_path: Path) -> None:
    await with_coordinates(world)
    lan = await world.person("10", "MTU01")
    await report_with_location(lan, "MH-001", "Hoàn thành", FAR, jpeg(1), jpeg(2))

    assert "✅ Đã nhận báo cáo số 1" in lan.text
    assert "Cán bộ phụ trách sẽ kiểm tra báo cáo này vì: vị trí gửi cách nhà 4,2 km" in lan.text
    report = await reports.get(world.app.db, 1)
    assert report and report.review_state == "pending" and report.flag == "far_location:4200"
    assert (await world.house("MH-001")).stage == 0  # a flagged report moves nothing until approved

    text = await card(world)
    assert "⚠️ vị trí gửi cách nhà 4,2 km" in text
    assert "Vị trí nhà (tọa độ của nhà): https://maps.google.com/?q=9.600000,105.970000" in text
    assert "Vị trí gửi: https://maps.google.com/?q=9.637770,105.970000" in text
    (row,) = await exported(world, tmp_path)
    assert row["Cảnh báo"].startswith("Vị trí gửi cách nhà 4,2 km")


async def test_a_location_near_the_house_counts_at_once(world: World) -> None:
    await with_coordinates(world)
    lan = await world.person("10", "MTU01")
    await report_with_location(lan, "MH-001", "Hoàn thành", NEAR, jpeg(1), jpeg(2))
    report = await reports.get(world.app.db, 1)
    assert report and report.review_state == "accepted" and report.flag is None
    assert "kiểm tra" not in lan.text and (await world.house("MH-001")).stage == 2


@pytest.mark.parametrize(("exif", "reason", "column"), [
    (dict(taken="2026:08:19 16:00:00", **gps(10.6, 105.97)), "ảnh 1 chụp cách nhà 111 km",
     "Ảnh 1 chụp cách nhà 111 km"),
    (dict(taken="2026:07:01 08:00:00"), "ảnh 1 chụp ngày 01/07/2026, trước báo cáo hơn 14 ngày",
     "Ảnh 1 chụp ngày 01/07/2026, đã lâu trước báo cáo"),
    (dict(taken="2026:08:25 08:00:00"), "ảnh 1 ghi ngày chụp 25/08/2026, sau thời điểm gửi",
     "Ảnh 1 ghi ngày chụp 25/08/2026, sau thời điểm gửi"),
    (dict(taken="2026:08:10 08:00:00"),
     "ảnh 1 chụp ngày 10/08/2026, trước khi chiến dịch bắt đầu (15/08/2026)",
     "Ảnh 1 chụp ngày 10/08/2026, trước khi chiến dịch bắt đầu"),
])
async def test_what_a_photo_says_of_its_place_and_time_is_checked(world: World, tmp_path: Path, exif: dict,
                                                                  reason: str, column: str) -> None:
    await with_coordinates(world)
    if "trước khi chiến dịch" in reason:
        configure(world, campaign=dataclasses.replace(world.app.settings.campaign, start=date(2026, 8, 15)))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg_with_exif(1, **exif), jpeg(2), caption="MH-001 hoàn thành", as_document=True)

    assert f"vì: {reason}" in lan.text, lan.text
    report = await reports.get(world.app.db, 1)
    assert report and report.review_state == "pending"
    assert f"⚠️ {reason}" in await card(world)
    (row,) = await exported(world, tmp_path)
    assert row["Cảnh báo"].startswith(column)


async def test_a_photo_taken_yesterday_near_the_house_is_no_reason(world: World) -> None:
    await with_coordinates(world)
    lan = await world.person("10", "MTU01")
    photo = jpeg_with_exif(1, taken="2026:08:19 16:00:00", **gps(*NEAR))
    await lan.photos(photo, jpeg(2), caption="MH-001 hoàn thành", as_document=True)
    report = await reports.get(world.app.db, 1)
    assert report and report.review_state == "accepted" and report.flag is None


async def test_the_same_photo_for_started_then_completed_is_flagged(world: World, tmp_path: Path) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(5), caption="MH-001 khởi công")
    assert (await reports.get(world.app.db, 1)).review_state == "accepted"  # type: ignore[union-attr]
    # The same scene sent again, recompressed by the phone: not the same bytes, the same picture.
    await lan.photos(jpeg(5, quality=60), jpeg(6), caption="MH-001 hoàn thành")

    assert "ảnh số 1 trùng với ảnh đã dùng trong báo cáo số 1 (nhà MH-001)" in lan.text
    report = await reports.get(world.app.db, 2)
    assert report and report.review_state == "pending" and report.flag == "duplicate_photo:1:report=1"
    assert (await world.house("MH-001")).stage == 1
    assert "Ảnh số 1 trùng với ảnh trong báo cáo số 1 của nhà MH-001" in await card(world)
    rows = await exported(world, tmp_path)
    assert rows[1]["Cảnh báo"].startswith("Ảnh 1 trùng ảnh của báo cáo số 1")


async def test_a_near_identical_photo_of_another_house_is_flagged(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(7), jpeg(8), caption="MH-001 hoàn thành")
    smaller = io.BytesIO()
    scene(7).resize((640, 480)).save(smaller, "JPEG", quality=70)  # as a messenger passes it on
    await lan.photos(jpeg(9), smaller.getvalue(), caption="MH-002 hoàn thành")
    report = await reports.get(world.app.db, 2)
    assert report and report.flag == "duplicate_photo:2:report=1" and report.review_state == "pending"


async def test_photos_with_no_metadata_are_no_violation_but_the_card_says_so(world: World,
                                                                            tmp_path: Path) -> None:
    await with_coordinates(world)
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 hoàn thành")  # what Telegram's photos are
    report = await reports.get(world.app.db, 1)
    assert report and report.flag is None and "vì:" not in lan.text
    text = await card(world)
    assert "ℹ️ ảnh không có thông tin thời gian chụp" in text and "ℹ️ ảnh không có thông tin vị trí" in text
    assert "⚠️" not in text
    (row,) = await exported(world, tmp_path)
    assert row["Cảnh báo"] == ""  # most photos have no EXIF: no warning column full of it


@pytest.mark.parametrize(("where", "said"), [((95.0, 105.97), "95.0,105.97"), ((9.6, 200.0), "9.6,200.0"),
                                             ((0.0, 0.0), "0.0,0.0")])
async def test_a_location_that_is_no_place_is_ignored_and_the_card_says_why(
        world: World, tmp_path: Path, where: tuple[float, float], said: str) -> None:
    await with_coordinates(world)
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await report_with_location(lan, "MH-001", "Hoàn thành", where, jpeg(1), jpeg(2))
    assert "✅ Đã nhận báo cáo số 1" in lan.text
    report = await reports.get(world.app.db, 1)
    assert report and report.flag is None and report.lat is None and report.lon is None
    assert f"ℹ️ vị trí gửi không hợp lệ ({said}), đã bỏ qua" in await card(world)
    (row,) = await exported(world, tmp_path)
    assert row["Cảnh báo"] == f"Ghi nhận: vị trí gửi không hợp lệ ({said}), đã bỏ qua"


@pytest.mark.parametrize(("exif", "said"), [
    (dict(taken="1900:01:01 00:00:00"), "ℹ️ ảnh 1 ghi ngày chụp không hợp lệ (01/01/1900), đã bỏ qua"),
    (dict(taken="2099:12:31 10:00:00"), "ℹ️ ảnh 1 ghi ngày chụp không hợp lệ (31/12/2099), đã bỏ qua"),
    # a GPS tag whose reference is no compass point, and one with minutes past 60
    (dict(lat=("X", (9.0, 36.0, 0.0)), lon=("E", (105.0, 58.0, 0.0))), "ℹ️ ảnh không có thông tin vị trí"),
    (dict(lat=("N", (9.0, 75.0, 0.0)), lon=("E", (105.0, 58.0, 0.0))), "ℹ️ ảnh không có thông tin vị trí"),
])
async def test_impossible_photo_metadata_is_ignored_and_noted(world: World, exif: dict, said: str) -> None:
    await with_coordinates(world)
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg_with_exif(1, **exif), jpeg(2), caption="MH-001 hoàn thành", as_document=True)
    report = await reports.get(world.app.db, 1)
    assert report and report.flag is None
    assert said in await card(world)


async def test_a_house_with_no_coordinates_takes_its_first_counted_report_as_reference(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await report_with_location(lan, "MH-002", "Khởi công / đang thi công", (9.7, 105.9), jpeg(1))
    assert (await reports.get(world.app.db, 1)).review_state == "accepted"  # type: ignore[union-attr]
    (entry,) = [e for e in await audit.entries(world.app.db, "house", (await world.house("MH-002")).id)
                if e["action"] == "house.reference"]
    assert entry["detail"] == {"report_id": 1, "lat": 9.7, "lon": 105.9}

    await report_with_location(lan, "MH-002", "Hoàn thành", (9.718, 105.9), jpeg(2), jpeg(3))
    assert "vì: vị trí gửi cách nhà 2,0 km" in lan.text
    text = await card(world)
    assert "Vị trí nhà (theo báo cáo số 1): https://maps.google.com/?q=9.700000,105.900000" in text
    hai = await world.person("51", "MTU", role="officer")
    await hai.say("/nha MH-002")
    assert "Vị trí nhà (theo báo cáo số 1): https://maps.google.com/?q=9.700000,105.900000" in hai.text


async def test_review_none_counts_a_flagged_report_but_keeps_its_reason(world: World) -> None:
    await with_coordinates(world)
    configure(world, review=ReviewSettings(required="none"))
    lan = await world.person("10", "MTU01")
    await report_with_location(lan, "MH-001", "Hoàn thành", FAR, jpeg(1), jpeg(2))
    report = await reports.get(world.app.db, 1)
    assert report and report.review_state == "accepted" and report.flag == "far_location:4200"
    assert (await world.house("MH-001")).stage == 2


async def test_tiendo_says_how_many_wait_and_how_many_are_flagged(world: World) -> None:
    await with_coordinates(world)
    configure(world, review=ReviewSettings(required="all"))
    lan = await world.person("10", "MTU01")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-002 hoàn thành")           # waits, no flag
    world.clock.set(world.clock.now() + timedelta(hours=1))
    await report_with_location(lan, "MH-001", "Hoàn thành", FAR, jpeg(3), jpeg(4))  # flagged
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/tiendo")
    assert "Chờ duyệt: 2 báo cáo, 1 có cảnh báo; cũ nhất: số 1 lúc 09:00 20/08/2026 (/duyet)." in hai.text
