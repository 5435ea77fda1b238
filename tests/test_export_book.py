"""The workbook officers print: print settings, the official order of units, why a report was
returned and what its evidence warns of, photo links, and /xuat anh's ZIP of workbook and photos."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from handlers.officers import export as export_handler
from storage import houses, reports, review, units, users
from storage.db import Database
from storage.export import export_workbook
from storage.importer import import_units
from tests.channels.telegram_world import Bot, running_bot
from tests.images import jpeg
from tests.test_export import TZ, campaign, unit
from tests.test_import import write_csv
from tests.test_officers_export import HEADER_ROW, PHOTOS, ROOT, progress_made
from tests.world import World

MADE = datetime(2026, 9, 3, 9, 0, tzinfo=TZ)


def link_target(cell: Any) -> str:
    """A relative file link as Excel stores it (backslashes), read the way a path is."""
    assert cell.hyperlink is not None
    return str(cell.hyperlink.target).replace("\\", "/")


async def test_every_sheet_prints_landscape_one_page_wide_with_headers_and_page_numbers(
        world: World) -> None:
    await progress_made(world)
    hai = await world.person("50", "MTU", role="officer")
    (reply,) = await hai.say("/xuat")
    assert reply.document is not None
    book = openpyxl.load_workbook(reply.document)
    for sheet in book.worksheets:
        # A note under the title lines puts the header a row lower on these two.
        header_row = HEADER_ROW if sheet.title in ("Tổng hợp", "Khen thưởng") else HEADER_ROW - 1
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == f"${header_row}:${header_row}"
        assert sheet.cell(header_row, 1).value in ("Mã đơn vị", "Mã nhà", "Số báo cáo")
        assert sheet.oddHeader.left.text == "Chung tay xóa nhà tạm, nhà dột nát"
        assert sheet.oddHeader.right.text == "Huyện Mỹ Tú · 20/08/2026 09:00"
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


async def test_units_follow_the_imported_list_not_their_names(db: Database, tmp_path: Path) -> None:
    # The province's own order: the city first, then the districts as the province lists them.
    rows = [["Mã", "Tên đơn vị", "Mã đơn vị cha", "Chỉ tiêu"],
            ["ST", "Tỉnh Sóc Trăng", "", "100"],
            ["TP", "Thành phố Sóc Trăng", "ST", "20"],
            ["MTU", "Huyện Mỹ Tú", "ST", "40"],
            ["MTU02", "Xã Mỹ Phước", "MTU", ""],
            ["MTU01", "Xã Mỹ Hương", "MTU", ""],
            ["KS", "Huyện Kế Sách", "ST", "40"]]
    await import_units(db, write_csv(tmp_path / "units.csv", rows), at="2026-08-20T02:00:00+00:00")
    async with db.transaction():  # a unit added by hand, not in any list, comes after its siblings
        await units.upsert(db, "AA", "Huyện A", "ST", None)
    out = tmp_path / "book.xlsx"

    await export_workbook(db, out, TZ, await unit(db, "ST"), "Chung tay", MADE)

    summary = list(openpyxl.load_workbook(out)["Tổng hợp"].iter_rows(values_only=True))[HEADER_ROW:]
    assert [r[0] for r in summary] == ["ST", "TP", "MTU", "MTU02", "MTU01", "KS", "AA"]


async def test_a_reimport_keeps_the_new_order(db: Database, tmp_path: Path) -> None:
    head = ["Mã", "Tên đơn vị", "Mã đơn vị cha", "Chỉ tiêu"]
    first = [head, ["ST", "Tỉnh Sóc Trăng", "", ""], ["B", "Huyện B", "ST", ""], ["A", "Huyện A", "ST", ""]]
    await import_units(db, write_csv(tmp_path / "u1.csv", first), at="2026-08-20T02:00:00+00:00")
    again = [head, ["ST", "Tỉnh Sóc Trăng", "", ""], ["A", "Huyện A", "ST", ""], ["B", "Huyện B", "ST", ""]]
    await import_units(db, write_csv(tmp_path / "u2.csv", again), at="2026-08-21T02:00:00+00:00")
    order = await units.import_order(db, await unit(db, "ST"))
    assert order[(await unit(db, "A")).id] < order[(await unit(db, "B")).id]


async def test_the_reason_a_report_was_returned_and_its_evidence_warnings(db: Database,
                                                                          tmp_path: Path) -> None:
    await campaign(db)
    async with db.transaction():
        lan = await users.find(db, "telegram", "1")
        assert lan is not None
        mh = await unit(db, "MTU01")
        house = await houses.upsert(db, "MH-009", mh.id, "Đỗ Văn Chín", "poor", "new", None, None, None)
        flagged = await reports.create(
            db, house_id=house, reporter_id=lan.id, stage=1, note=None, lat=None, lon=None,
            received_at="2026-09-02T03:00:00+00:00", claimed_at=None, review_state="pending",
            flag="duplicate_photo:2:report=1", photos=[],
        )
        await review.decide(db, flagged, "returned", lan.id, "2026-09-02T04:00:00+00:00",
                            "Ảnh chụp nhà khác")
    out = tmp_path / "book.xlsx"

    await export_workbook(db, out, TZ, mh, "Chung tay", MADE)

    rows = list(openpyxl.load_workbook(out)["Báo cáo"].iter_rows(values_only=True))
    header, body = rows[HEADER_ROW - 2], rows[HEADER_ROW - 1:]
    line = dict(zip(header, next(r for r in body if r[1] == "MH-009"), strict=True))
    assert line["Trạng thái duyệt"] == "Trả lại"
    assert line["Lý do trả lại"] == "Ảnh chụp nhà khác"
    assert line["Cảnh báo"] == "Ảnh 2 trùng ảnh của báo cáo số 1"
    accepted = dict(zip(header, next(r for r in body if r[1] == "MH-001"), strict=True))
    assert accepted["Lý do trả lại"] is None and accepted["Cảnh báo"] is None


async def test_photo_links_are_what_the_caller_makes(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    out = tmp_path / "book.xlsx"
    made: list[tuple[str, str]] = []

    def signed(house_code: str, name: str) -> str:
        made.append((house_code, name))
        return f"https://bot.example/media/m/1/sig/{name}"

    await export_workbook(db, out, TZ, await unit(db, "MTU01"), "Chung tay", MADE, photo_link=signed)

    cell = openpyxl.load_workbook(out)["Báo cáo"].cell(HEADER_ROW, PHOTOS + 1)
    assert cell.value == "photos/MH-001/1.jpg\nphotos/MH-001/2.jpg"
    assert cell.hyperlink.target == "https://bot.example/media/m/1/sig/a/1.jpg"
    assert ("MH-001", "a/1.jpg") in made
    # The second photo has its own link, in the column after 'Ảnh'.
    second = openpyxl.load_workbook(out)["Báo cáo"].cell(HEADER_ROW, PHOTOS + 2)
    assert second.value == "Ảnh 2"
    assert second.hyperlink.target == "https://bot.example/media/m/1/sig/a/2.jpg"
    assert ("MH-001", "a/2.jpg") in made


def unpacked(data: bytes) -> tuple[zipfile.ZipFile, openpyxl.Workbook]:
    packed = zipfile.ZipFile(io.BytesIO(data))
    (book_name,) = [n for n in packed.namelist() if n.endswith(".xlsx")]
    return packed, openpyxl.load_workbook(io.BytesIO(packed.read(book_name)))


def links_point_into(packed: zipfile.ZipFile, book: openpyxl.Workbook) -> tuple[int, int]:
    """Every link of the reports' photo cells names a file of the ZIP, each of a report's photos
    linked in turn from 'Ảnh', 'Ảnh 2'…; returns how many reports have photos, and how many links."""
    sheet = book["Báo cáo"]
    names = set(packed.namelist())
    reports = links = 0
    for first, *more in sheet.iter_rows(min_row=HEADER_ROW, min_col=PHOTOS + 1):
        if first.value:
            shown = str(first.value).split("\n")
            assert all(n in names for n in shown)
            targets = [link_target(c) for c in (first, *more) if c.hyperlink is not None]
            assert targets == shown
            reports += 1
            links += len(targets)
    return reports, links


async def test_xuat_anh_sends_the_workbook_and_photos_in_one_zip(world: World) -> None:
    await progress_made(world)
    hai = await world.person("50", "MTU", role="officer")

    (reply,) = await hai.say("/xuat anh")

    assert reply.document is not None and reply.document_name == "tien-do-anh-mtu-20260820-0900.zip"
    assert "3 báo cáo, 5 ảnh" in reply.text
    packed, book = unpacked(reply.document.read_bytes())
    photos = [n for n in packed.namelist() if n.startswith("photos/")]
    assert len(photos) == 5 and {n.split("/")[1] for n in photos} == {"MH-001", "MH-002", "MH-003"}
    assert links_point_into(packed, book) == (3, 5)
    assert not any(n.startswith("photos/AL-") for n in packed.namelist())  # another district's house


async def test_a_zip_over_the_upload_limit_is_not_sent_and_the_officer_learns_its_size(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    await progress_made(world)
    monkeypatch.setattr(export_handler, "UPLOAD_LIMIT", 20_000)
    hai = await world.person("50", "ST", role="officer")

    (reply,) = await hai.say("/export photos")

    assert reply.document is None
    assert "quá mức 0,02 MB" in reply.text
    assert "chungtay export --unit ST --with-photos --out tien-do-anh-st-20260820-0900.zip" in reply.text
    assert not list(world.app.ctx.photos.path("exports").glob("*.zip*"))
    # A unit small enough still goes.
    monkeypatch.setattr(export_handler, "UPLOAD_LIMIT", 50_000_000)
    (reply,) = await hai.say("/xuat anh KSA")
    assert reply.document is not None and "2 ảnh" in reply.text


async def test_the_command_line_writes_the_zip_with_photos(world: World, tmp_path: Path) -> None:
    await progress_made(world)
    config = tmp_path / "config.toml"
    config.write_text('[campaign]\nlanguage = "en"\n'
                      f'[storage]\ndatabase = "{world.database}"\nmedia_dir = "media"\n', encoding="utf-8")
    out = tmp_path / "mytu.zip"
    base = [sys.executable, "-m", "bot.cli", "--config", str(config), "export"]

    done = subprocess.run([*base, "--unit", "MTU", "--with-photos", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)

    assert done.returncode == 0, done.stderr
    assert "2 units, 4 houses, 3 reports, 5 photos" in done.stdout
    packed, book = unpacked(out.read_bytes())
    assert links_point_into(packed, book) == (3, 5)
    refused = subprocess.run([*base, "--with-photos", "--out", str(tmp_path / "all.zip")],
                             capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 2 and "--unit" in refused.stderr


@pytest.fixture
async def bot(tmp_path: Path) -> Any:
    async with running_bot(tmp_path) as b:
        yield b


async def test_xuat_anh_on_telegram_uploads_the_zip(bot: Bot) -> None:
    lan, minh = bot.emu.user(1001, first_name="Lan"), bot.emu.user(2002, first_name="Minh")
    await bot.join(lan, "MTU01")
    await bot.join(minh, "MTU", role="officer")
    lan.send_photo(jpeg(1), caption="MH-001 khởi công")
    await lan.next_message()

    minh.send_text("/xuat anh")

    said = [await minh.next_message(timeout=30)]
    while not any(m.kind == "document" for m in said) or len(said) < 2:
        said.append(await minh.next_message(timeout=30))
    assert any("1 báo cáo, 1 ảnh" in (m.text or m.caption or "") for m in said)
    sent = next(m for m in said if m.kind == "document")
    assert sent.kind == "document" and sent.file_name is not None and sent.file_name.endswith(".zip")
    assert sent.file_bytes is not None
    packed, book = unpacked(sent.file_bytes)
    assert links_point_into(packed, book) == (1, 1)
