from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from storage import houses, reports, units, users
from storage.db import Database
from storage.export import EXPORT_COLUMNS, export_reports, export_workbook
from storage.models import Unit
from storage.photos import StoredPhoto

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AT = "2026-08-20T02:00:00+00:00"
MY_HUONG = "Tỉnh Sóc Trăng › Huyện Mỹ Tú › Xã Mỹ Hương"


def photo(name: str, n: int) -> StoredPhoto:
    return StoredPhoto(sha256=f"{n:064x}", normalized=f"{name}.jpg", thumb=f"{name}_t.jpg",
                       original=None, width=1600, height=1200, taken_at=None, lat=None, lon=None,
                       phash=None)


async def campaign(db: Database) -> None:
    """ST > MTU > MTU01 with houses H1, H2; ST > KS with H3; three reports, the last in KS."""
    async with db.transaction():
        await units.upsert(db, "ST", "Tỉnh Sóc Trăng", None, 1200)
        await units.upsert(db, "MTU", "Huyện Mỹ Tú", "ST", 40)
        mh = await units.upsert(db, "MTU01", "Xã Mỹ Hương", "MTU", None)
        ks = await units.upsert(db, "KS", "Huyện Kế Sách", "ST", 320)
        h1 = await houses.upsert(db, "MH-001", mh, "Nguyễn Văn Đức", "poor", "new", None, None, None)
        h2 = await houses.upsert(db, "MH-002", mh, "Trần Thị Bình", "merit", "repair", None, None, None)
        h3 = await houses.upsert(db, "KS-001", ks, "Lê Văn Ấn", "poor", "new", None, None, None)
        lan = await users.create(db, "telegram", "1", "Nguyễn Thị Lan", "volunteer", mh, "vi", AT)
        await reports.create(
            db, house_id=h1, reporter_id=lan.id, stage=1, note="Đã đổ móng", lat=9.6, lon=105.97,
            received_at="2026-09-01T17:30:00+00:00", claimed_at="2026-09-02T00:10:00",
            review_state="accepted", flag=None, photos=[photo("a/1", 1), photo("a/2", 2)],
        )
        await reports.create(
            db, house_id=h2, reporter_id=lan.id, stage=2, note="=HYPERLINK(\"http://x\")", lat=None,
            lon=None, received_at="2026-09-02T01:00:00+00:00", claimed_at=None,
            review_state="pending", flag="duplicate", photos=[photo("b/1", 3)],
        )
        await reports.create(
            db, house_id=h3, reporter_id=lan.id, stage=3, note=None, lat=None, lon=None,
            received_at="2026-09-02T02:00:00+00:00", claimed_at=None, review_state="returned",
            flag=None, photos=[],
        )


async def unit(db: Database, code: str) -> Unit:
    found = await units.by_code(db, code)
    assert found is not None
    return found


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


async def test_csv_has_a_bom_vietnamese_headers_and_one_row_per_report(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    out = tmp_path / "bao-cao.csv"

    assert await export_reports(db, out, "csv", TZ) == 3

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    header, first, second, third = read_csv(out)
    assert header == EXPORT_COLUMNS
    assert first == [
        "1", "MH-001", "Nguyễn Văn Đức", MY_HUONG, "MTU01", "Khởi công / đang thi công", "Nguyễn Thị Lan",
        # 17:30 UTC on 1/9 is half past midnight on 2/9 in Vietnam.
        "02/09/2026 00:30", "02/09/2026 00:10", "9.6", "105.97", "Đã nhận", "", "", "Đã đổ móng",
        "a/1.jpg; a/2.jpg",
    ]
    assert second[5:9] == ["Hoàn thành", "Nguyễn Thị Lan", "02/09/2026 08:00", ""]
    assert second[9:12] == ["", "", "Chờ duyệt"]
    assert third[3] == "Tỉnh Sóc Trăng › Huyện Kế Sách"
    assert (third[5], third[11], third[14], third[15]) == ("Bàn giao", "Trả lại", "", "")
    assert second[13] == "duplicate"  # a warning the export does not know is shown as stored


async def test_csv_does_not_let_a_note_become_a_formula(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    out = tmp_path / "r.csv"
    await export_reports(db, out, "csv", TZ)
    assert read_csv(out)[2][14] == "'=HYPERLINK(\"http://x\")"


async def test_xlsx_bold_frozen_header_numbers_and_times(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    out = tmp_path / "bao-cao.xlsx"

    assert await export_reports(db, out, "xlsx", TZ) == 3

    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    first = rows[1]
    assert first[0] == 1 and isinstance(first[0], int)
    assert (first[9], first[10]) == (9.6, 105.97)
    assert first[7] == datetime(2026, 9, 2, 0, 30)
    assert sheet.cell(row=2, column=8).number_format == "dd/mm/yyyy hh:mm"
    assert first[8] == datetime(2026, 9, 2, 0, 10)
    assert (first[2], first[3], first[11]) == ("Nguyễn Văn Đức", MY_HUONG, "Đã nhận")
    assert first[15] == "a/1.jpg; a/2.jpg"
    # Stored as text: the cell shows the note, Excel does not run it.
    note = sheet.cell(row=3, column=15)
    assert note.value == "=HYPERLINK(\"http://x\")" and note.data_type == "s"
    assert rows[3][5] == "Bàn giao"


async def test_within_limits_the_export_to_a_subtree(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    out = tmp_path / "mytu.csv"

    assert await export_reports(db, out, "csv", TZ, within=await unit(db, "MTU")) == 2
    assert [r[1] for r in read_csv(out)[1:]] == ["MH-001", "MH-002"]

    assert await export_reports(db, out, "xlsx", TZ, within=await unit(db, "KS")) == 1
    assert await export_reports(db, out, "csv", TZ, within=await unit(db, "ST")) == 3


async def test_many_reports_span_several_batches_in_order(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    async with db.transaction():
        for i in range(1200):
            await reports.create(
                db, house_id=1, reporter_id=1, stage=1, note=f"#{i}", lat=None, lon=None,
                received_at="2026-09-03T00:00:00+00:00", claimed_at=None, review_state="accepted",
                flag=None, photos=[photo(f"c/{i}", 100 + i)],
            )
    out = tmp_path / "big.xlsx"
    assert await export_reports(db, out, "xlsx", TZ) == 1203
    rows = list(openpyxl.load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == list(range(1, 1204))
    assert rows[-1][15] == "c/1199.jpg"


async def test_no_reports_gives_just_the_header(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert await export_reports(db, out, "csv", TZ) == 0
    assert read_csv(out) == [EXPORT_COLUMNS]


async def test_an_unknown_format_is_refused_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    with pytest.raises(ValueError, match="csv or xlsx"):
        await export_reports(db, out, "pdf", TZ)
    assert not list(tmp_path.glob("r.pdf*"))


async def control_characters(db: Database) -> Unit:
    """A note pasted from a PDF (vertical tab, bell) and a household name with a NUL in it."""
    async with db.transaction():
        mh = await units.upsert(db, "MTU02", "Xã Mỹ\x0bPhước", "MTU", None)
        h = await houses.upsert(db, "MP-001", mh, "Đinh\x00Văn Tư", "poor", "new", None, None, None)
        lan = await users.find(db, "telegram", "1")
        assert lan is not None
        await reports.create(
            db, house_id=h, reporter_id=lan.id, stage=1, note="Tường\x0bđã xây\x07 xong", lat=None,
            lon=None, received_at="2026-09-03T01:00:00+00:00", claimed_at=None,
            review_state="pending", flag=None, photos=[],
        )
    return await unit(db, "MTU02")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_control_characters_in_a_note_do_not_stop_the_export(db: Database, tmp_path: Path,
                                                                    fmt: str) -> None:
    await campaign(db)
    await control_characters(db)
    out = tmp_path / f"bao-cao.{fmt}"

    assert await export_reports(db, out, fmt, TZ) == 4

    if fmt == "csv":
        last = read_csv(out)[-1]
    else:
        rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
        last = [str(v) for v in rows[-1]]
    # The same cleaning in both files: control characters become spaces, nothing else changes.
    assert last[2] == "Đinh Văn Tư"
    assert last[14] == "Tường đã xây  xong"
    assert last[3].endswith("Xã Mỹ Phước")


async def test_control_characters_do_not_stop_the_officers_workbook(db: Database, tmp_path: Path) -> None:
    await campaign(db)
    mp = await control_characters(db)
    out = tmp_path / "so-lieu.xlsx"

    made = await export_workbook(db, out, TZ, mp, "Chung tay", datetime(2026, 9, 3, 9, 0, tzinfo=TZ))

    assert made.reports == 1
    book = openpyxl.load_workbook(out)
    texts = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row}
    assert "Tường đã xây  xong" in texts and "Đinh Văn Tư" in texts
    assert not any(ch in t for t in texts for ch in "\x00\x07\x0b")
