from __future__ import annotations

import csv
import io
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from bot.config import ConfigError, parse_settings
from handlers.settings import Settings
from storage import audit, houses, units
from storage.db import Database
from storage.importer import (
    ImportRejected,
    ImportResult,
    RowError,
    import_houses,
    import_units,
    parse_decimal,
    parse_whole,
)
from storage.sheets import readers
from storage.sheets.readers import SheetLimits, SheetUnreadable, read_cells

AT = "2026-08-20T02:00:00+00:00"

UNITS = [
    ["Mã", "Tên đơn vị", "Mã đơn vị cha", "Chỉ tiêu"],
    ["ST", "Tỉnh Sóc Trăng", "", "1200"],
    ["MTU", "Huyện Mỹ Tú", "ST", "40"],
    ["MTU01", "Xã Mỹ Hương", "MTU", ""],
    ["KS", "Huyện Kế Sách", "ST", "320"],
]
HOUSES = [
    ["Mã nhà", "Mã đơn vị", "Chủ hộ", "Đối tượng", "Loại hỗ trợ", "Địa chỉ", "Vĩ độ", "Kinh độ"],
    ["MH-001", "MTU01", "Nguyễn Văn An", "Hộ nghèo", "Xây mới", "Ấp 1", "9.6", "105.8"],
    ["MH-002", "MTU01", "Trần Thị Bình", "Hộ cận nghèo", "Sửa chữa", "", "", ""],
]


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, sep: str = ",", bom: bool = True,
              encoding: str = "utf-8") -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=sep).writerows(rows)
    content = text.getvalue()
    if encoding != "utf-8":
        # Vietnamese Windows code page 1258 spells letters as base + combining mark (NFD).
        content = unicodedata.normalize("NFD", content)
    data = content.encode(encoding, errors="replace")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


async def unit_count(db: Database) -> int:
    return int(await db.scalar("SELECT count(*) FROM units"))


async def house_count(db: Database) -> int:
    return int(await db.scalar("SELECT count(*) FROM houses"))


async def rejected(call) -> list[RowError]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejected) as err:
        await call
    return err.value.errors


async def load_units(db: Database, tmp_path: Path) -> None:
    await import_units(db, write_csv(tmp_path / "units.csv", UNITS), at=AT)


# --- good files ------------------------------------------------------------------------------


async def test_csv_with_bom_semicolons_folded_headers_shuffled_and_extra_column(db: Database,
                                                                               tmp_path: Path) -> None:
    rows = [
        ["STT", "chi tieu", "MÃ ĐƠN VỊ CHA", "ten don vi", "ma", "Ghi chú"],
        ["1", "1.200", "", "Tỉnh Sóc Trăng", "ST", "tỉnh"],
        ["2", " 40 ", "st", " Huyện Mỹ Tú ", "MTU", ""],
        ["3", "", "MTU", "Xã Mỹ Hương", "MTU01", ""],
    ]
    path = write_csv(tmp_path / "dv.csv", rows, sep=";")

    result = await import_units(db, path, at=AT)

    assert result == ImportResult(created=3, updated=0)
    root, district, commune = [await units.by_code(db, c) for c in ("ST", "MTU", "MTU01")]
    assert root and district and commune
    assert (root.quota, root.parent_id, root.depth) == (1200, None, 0)
    assert (district.name, district.quota, district.parent_id) == ("Huyện Mỹ Tú", 40, root.id)
    assert (commune.quota, commune.depth) == (None, 2)
    assert await units.path_names(db, commune) == "Tỉnh Sóc Trăng › Huyện Mỹ Tú › Xã Mỹ Hương"


async def test_csv_with_tabs_and_no_bom(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dv.csv", [["code", "name", "parent_code"], ["ST", "Tỉnh", ""]],
                     sep="\t", bom=False)
    assert await import_units(db, path, at=AT) == ImportResult(1, 0)


async def test_letters_typed_as_combining_marks_are_stored_composed(db: Database, tmp_path: Path) -> None:
    rows = [["Mã", "Tên đơn vị", "Mã đơn vị cha"], ["ST", unicodedata.normalize("NFD", "Tỉnh Sóc Trăng"), ""]]
    await import_units(db, write_csv(tmp_path / "dv.csv", rows), at=AT)
    root = await units.by_code(db, "ST")
    assert root and root.name == "Tỉnh Sóc Trăng"
    assert await units.search(db, root, "soc trang") == [root]


async def test_the_demo_files_import(db: Database) -> None:
    demo = Path(__file__).parent.parent / "bot" / "demo"
    assert (await import_units(db, demo / "units.csv", at=AT)).created == 34
    assert (await import_houses(db, demo / "houses.csv", at=AT)).created == 90


async def test_xlsx_numbers_blank_rows_and_a_title_above_the_header(db: Database, tmp_path: Path) -> None:
    unit_rows: list[list[object]] = [
        ["DANH SÁCH ĐƠN VỊ"],
        [],
        ["Mã", "Tên đơn vị", "Mã đơn vị cha", "Chỉ tiêu"],
        ["ST", "Tỉnh Sóc Trăng", None, 1200],
        [None, None, None, None],
        ["MTU", "Huyện Mỹ Tú", "ST", 40.0],
        ["MTU01", "Xã Mỹ Hương", "MTU", None],
    ]
    assert await import_units(db, write_xlsx(tmp_path / "dv.xlsx", unit_rows), at=AT) == ImportResult(3, 0)
    district = await units.by_code(db, "MTU")
    assert district and district.quota == 40 and isinstance(district.quota, int)

    house_rows: list[list[object]] = [
        HOUSES[0],
        [101, "mtu01", "Nguyễn Văn An", "poor", "new", "Ấp 1", 9.6, 105.8],
        [102, "MTU01", "Trần Thị Bình", "Hộ cận nghèo", "Sửa chữa", None, None, None],
    ]
    assert await import_houses(db, write_xlsx(tmp_path / "nha.xlsx", house_rows), at=AT) == ImportResult(2, 0)
    house, commune = await houses.by_code(db, "101"), await units.by_code(db, "MTU01")
    assert house is not None and commune is not None
    assert (house.unit_id, house.category, house.support_type) == (commune.id, "poor", "new")
    assert (house.lat, house.lon, house.address) == (9.6, 105.8, "Ấp 1")


async def test_reimport_updates_by_code_and_never_duplicates(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    changed = [row[:] for row in UNITS]
    changed[2] = ["mtu", "Huyện Mỹ Tú (mới)", "ST", "45"]  # code in other case: same unit

    result = await import_units(db, write_csv(tmp_path / "units2.csv", changed), at=AT)

    assert result == ImportResult(created=0, updated=4)
    assert await unit_count(db) == 4
    district = await units.by_code(db, "MTU")
    assert district and (district.name, district.quota) == ("Huyện Mỹ Tú (mới)", 45)
    log = await audit.entries(db, "units", "units2.csv")
    assert log[-1]["detail"] == {"created": 0, "updated": 4, "actor": "cli"}


async def test_reimport_of_houses_keeps_the_stage(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    path = write_csv(tmp_path / "houses.csv", HOUSES)
    await import_houses(db, path, at=AT)
    house = await houses.by_code(db, "MH-001")
    assert house is not None
    async with db.transaction():
        await houses.set_stage(db, house.id, 2, AT)

    assert await import_houses(db, path, actor="admin", at=AT) == ImportResult(created=0, updated=2)

    assert await house_count(db) == 2
    again = await houses.by_code(db, "MH-001")
    assert again is not None and again.stage == 2


async def test_units_may_come_child_before_parent(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0], UNITS[3], UNITS[2], UNITS[4], UNITS[1]]
    assert await import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT) == ImportResult(4, 0)
    commune = await units.by_code(db, "MTU01")
    assert commune and commune.depth == 2


async def test_a_unit_may_move_under_another_parent(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    # The district level is gone: the commune now hangs directly under the province.
    rows = [UNITS[0], ["MTU01", "Xã Mỹ Hương", "ST", "12"]]
    assert await import_units(db, write_csv(tmp_path / "u2.csv", rows), at=AT) == ImportResult(0, 1)
    commune = await units.by_code(db, "MTU01")
    assert commune and commune.depth == 1


@pytest.mark.parametrize(
    ("category", "support", "stored"),
    [
        ("Hộ nghèo", "Xây mới", ("poor", "new")),
        ("HO CAN NGHEO", "sua chua", ("near_poor", "repair")),
        ("Thiên tai", "new", ("disaster", "new")),
        ("Bị ảnh hưởng bởi thiên tai, biến đổi khí hậu", "Repair", ("disaster", "repair")),
        ("nguoi co cong", "XÂY MỚI", ("merit", "new")),
        ("Gia đình người có công", "Sửa chữa", ("merit", "repair")),
        ("near_poor", "repair", ("near_poor", "repair")),
        ("  Merit ", " New ", ("merit", "new")),
    ],
)
async def test_category_and_support_synonyms(db: Database, tmp_path: Path, category: str, support: str,
                                             stored: tuple[str, str]) -> None:
    await load_units(db, tmp_path)
    rows = [HOUSES[0], ["H1", "MTU01", "Lê Văn C", category, support, "", "", ""]]
    await import_houses(db, write_csv(tmp_path / "h.csv", rows), at=AT)
    house = await houses.by_code(db, "H1")
    assert house is not None and (house.category, house.support_type) == stored


async def test_comma_decimal_coordinates(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    rows = [HOUSES[0], ["H1", "MTU01", "Lê Văn C", "Hộ nghèo", "Xây mới", "", "9,60", "105,97"]]
    await import_houses(db, write_csv(tmp_path / "h.csv", rows, sep=";"), at=AT)
    house = await houses.by_code(db, "H1")
    assert house is not None and (house.lat, house.lon) == (9.6, 105.97)


@pytest.mark.parametrize(("value", "number"),
                         [("120", 120), (120, 120), (120.0, 120), ("1.200", 1200), ("1,200", 1200),
                          ("1 200 000", 1200000), ("0", 0)])
def test_whole_numbers(value: object, number: int) -> None:
    assert parse_whole(value) == number  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["abc", "-5", -5, "12.5", 12.5, "1.20", "1,2000", True, "9" * 30])
def test_not_whole_numbers(value: object) -> None:
    with pytest.raises(ValueError):
        parse_whole(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "number"), [("9.60", 9.6), ("9,60", 9.6), (105, 105.0), ("-1.5", -1.5)])
def test_decimals(value: object, number: float) -> None:
    assert parse_decimal(value) == number  # type: ignore[arg-type]


# --- bad files -------------------------------------------------------------------------------


async def test_every_bad_unit_row_is_listed_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    rows = [
        UNITS[0],
        ["ST", "Tỉnh Sóc Trăng", "", "1200"],      # 2 fine
        ["MTU", "", "ST", "40"],                   # 3 no name
        ["KS", "Huyện Kế Sách", "HX9", "320"],     # 4 unknown parent
        ["st", "Tỉnh khác", "", ""],               # 5 duplicate of line 2
        ["NNA", "Thị xã Ngã Năm", "ST", "abc"],    # 6 quota not a number
        ["CLD", "Huyện Cù Lao Dung", "ST", "-5"],  # 7 negative
        ["TD", "Huyện Trần Đề", "ST", "12.5"],     # 8 not whole
        ["", "Không mã", "ST", ""],                # 9 no code
    ]
    errors = await rejected(import_units(db, write_csv(tmp_path / "bad.csv", rows), at=AT))

    by_line = {e.line: e.reason for e in errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    assert by_line[3] == "Tên đơn vị (name): missing value"
    assert by_line[4] == "Mã đơn vị cha (parent_code): unknown unit 'HX9'"
    assert "duplicate" in by_line[5] and "line 2" in by_line[5]
    assert "'abc'" in by_line[6] and "Chỉ tiêu (quota)" in by_line[6]
    assert "'-5' is negative" in by_line[7]
    assert "'12.5' is not a whole number" in by_line[8]
    assert by_line[9] == "Mã (code): missing value"
    assert await unit_count(db) == 0
    assert await db.scalar("SELECT count(*) FROM audit") == 0


async def test_a_child_of_a_bad_row_is_not_also_reported(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0], ["ST", "Tỉnh", "", "x"], ["MTU", "Huyện Mỹ Tú", "ST", ""], ["ST", "Lại", "", ""]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT))
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [(2, "Chỉ tiêu (quota)"), (4, "Mã (code)")]


async def test_a_bad_reimport_leaves_the_database_as_it_was(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    before = await units.all_units(db)
    rows = [UNITS[0], ["MTU", "Đổi tên", "ST", "99"], ["X", "Mới", "NOPE", ""]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u2.csv", rows), at=AT))
    assert [e.line for e in errors] == [3]
    assert await units.all_units(db) == before


async def test_the_error_message_lists_every_problem(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0], ["A", "", "", ""], ["B", "", "", ""]]
    with pytest.raises(ImportRejected) as err:
        await import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT)
    text = str(err.value)
    assert "line 2: Tên đơn vị (name): missing value" in text
    assert "line 3: Tên đơn vị (name): missing value" in text


async def test_a_cycle_is_reported_on_each_of_its_units(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0], ["ST", "Tỉnh", "", ""], ["A", "A", "B", ""], ["B", "B", "A", ""], ["C", "C", "C", ""],
            ["D", "D", "A", ""]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT))
    assert [e.line for e in errors] == [3, 4, 5]
    assert all("cycle" in e.reason for e in errors)
    assert "A → B → A" in errors[0].reason
    assert await unit_count(db) == 0


async def test_a_cycle_through_units_already_in_the_database(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    # MTU01 is under MTU in the database; putting MTU under MTU01 would loop.
    rows = [UNITS[0], ["MTU", "Huyện Mỹ Tú", "MTU01", ""]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u2.csv", rows), at=AT))
    assert [e.line for e in errors] == [2]
    assert "MTU → MTU01 → MTU" in errors[0].reason


async def test_every_bad_house_row_is_listed_and_nothing_is_written(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    rows = [
        HOUSES[0],
        ["H1", "MTU01", "Nguyễn Văn An", "Hộ nghèo", "Xây mới", "", "", ""],     # 2 fine
        ["H2", "XYZ", "Trần Thị Bình", "Hộ nghèo", "Xây mới", "", "", ""],       # 3 unknown unit
        ["h1", "MTU01", "Lê Văn C", "Hộ nghèo", "Xây mới", "", "", ""],          # 4 duplicate
        ["H4", "MTU01", "Lê Văn D", "Hộ giàu", "Xây mới", "", "", ""],           # 5 category
        ["H5", "MTU01", "Lê Văn E", "Hộ nghèo", "Sơn lại", "", "", ""],          # 6 support
        ["H6", "MTU01", "Lê Văn F", "Hộ nghèo", "Xây mới", "", "95", "105"],     # 7 lat out of range
        ["H7", "MTU01", "Lê Văn G", "Hộ nghèo", "Xây mới", "", "9.6", ""],       # 8 lat without lon
        ["H8", "MTU01", "Lê Văn H", "Hộ nghèo", "Xây mới", "", "abc", "105"],    # 9 lat not a number
        ["H9", "MTU01", "", "Hộ nghèo", "Xây mới", "", "", ""],                  # 10 no head
    ]
    errors = await rejected(import_houses(db, write_csv(tmp_path / "h.csv", rows), at=AT))

    by_line = {e.line: e.reason for e in errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert by_line[3].startswith("Mã đơn vị (unit_code): unknown unit 'XYZ'")
    assert "duplicate" in by_line[4] and "line 2" in by_line[4]
    assert by_line[5] == ("Đối tượng (category): unknown value 'Hộ giàu'; use Hộ nghèo, Hộ cận nghèo, "
                          "Thiên tai or Người có công")
    assert by_line[6].startswith("Loại hỗ trợ (support_type): unknown value 'Sơn lại'")
    assert "Vĩ độ (lat)" in by_line[7] and "-90..90" in by_line[7]
    assert "Kinh độ (lon): missing value" in by_line[8]
    assert "'abc' is not a number" in by_line[9]
    assert by_line[10] == "Chủ hộ (household_head): missing value"
    assert await house_count(db) == 0


async def test_several_problems_in_one_row_are_all_listed(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    rows = [HOUSES[0], ["H1", "XYZ", "A", "?", "?", "", "", "200"]]
    errors = await rejected(import_houses(db, write_csv(tmp_path / "h.csv", rows), at=AT))
    assert [e.line for e in errors] == [2, 2, 2, 2]


async def test_several_problems_in_one_unit_row_are_all_listed(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0], ["X", "", "HX9", "abc"]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT))
    assert sorted(e.reason.split(":")[0] for e in errors) == [
        "Chỉ tiêu (quota)", "Mã đơn vị cha (parent_code)", "Tên đơn vị (name)"]


async def test_a_missing_required_column_is_named_on_line_1(db: Database, tmp_path: Path) -> None:
    rows = [["Mã nhà", "Mã đơn vị", "Chủ hộ", "Loại hỗ trợ"], ["H1", "MTU01", "A", "Xây mới"]]
    errors = await rejected(import_houses(db, write_csv(tmp_path / "h.csv", rows), at=AT))
    assert errors == [RowError(1, "missing column Đối tượng (category)")]


async def test_a_column_given_twice_is_an_error(db: Database, tmp_path: Path) -> None:
    rows = [["Mã", "Tên đơn vị", "code", "Mã đơn vị cha"], ["ST", "Tỉnh", "ST", ""]]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT))
    assert errors[0].line == 1 and "appears twice" in errors[0].reason


async def test_houses_in_units_that_are_not_imported_yet(db: Database, tmp_path: Path) -> None:
    errors = await rejected(import_houses(db, write_csv(tmp_path / "h.csv", HOUSES), at=AT))
    assert [e.line for e in errors] == [2, 3]
    assert all("unknown unit 'MTU01'" in e.reason for e in errors)


async def test_a_file_that_is_not_utf8_says_how_to_save_it(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u.csv", UNITS, bom=False, encoding="cp1258")
    errors = await rejected(import_units(db, path, at=AT))
    assert len(errors) == 1 and errors[0].line == 1
    assert "CSV UTF-8" in errors[0].reason


@pytest.mark.parametrize("name", ["units.xls", "units.ods", "units"])
async def test_other_file_types_are_refused(db: Database, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    errors = await rejected(import_units(db, path, at=AT))
    assert len(errors) == 1 and errors[0].line == 0 and ".xlsx" in errors[0].reason


async def test_a_broken_xlsx_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(b"not a zip")
    errors = await rejected(import_units(db, path, at=AT))
    assert [e.line for e in errors] == [0]


async def test_a_file_with_only_a_header_is_refused(db: Database, tmp_path: Path) -> None:
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", UNITS[:1]), at=AT))
    assert errors == [RowError(2, "no data rows below the header")]


async def test_five_thousand_houses_import_quickly(db: Database, tmp_path: Path) -> None:
    await load_units(db, tmp_path)
    rows: list[list[object]] = [HOUSES[0]]
    rows += [[f"H{i:05d}", "MTU01", f"Nguyễn Văn {i}", "Hộ nghèo", "Xây mới", f"Ấp {i % 9}", "9,6", "105,9"]
             for i in range(5000)]
    path = write_csv(tmp_path / "big.csv", rows, sep=";")

    started = time.perf_counter()
    result = await import_houses(db, path, at=AT)
    elapsed = time.perf_counter() - started

    assert result == ImportResult(5000, 0)
    assert elapsed < 5, f"5,000 houses took {elapsed:.1f} s"


# --- limits and hostile files ----------------------------------------------------------------


def replace_in_xlsx(path: Path, parts: dict[str, bytes]) -> Path:
    """The workbook with some of its XML parts replaced, everything else as openpyxl wrote it."""
    original = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, parts.get(info.filename, source.read(info.filename)))
    return path


def test_the_default_row_cap_is_200000() -> None:
    assert SheetLimits().max_rows == 200_000
    assert Settings().imports.max_rows == 200_000
    assert parse_settings({}, "c.toml", {}).imports.max_rows == 200_000
    assert parse_settings({"import": {"max_rows": 50}}, "c.toml", {}).imports.max_rows == 50
    with pytest.raises(ConfigError, match=r"c.toml: \[import\] max_rows: must be 1 to"):
        parse_settings({"import": {"max_rows": 0}}, "c.toml", {})


async def test_reading_stops_at_the_first_row_past_the_cap(db: Database, tmp_path: Path) -> None:
    rows: list[list[object]] = [HOUSES[0]] + [[f"H{i}", "MTU01", "A", "poor", "new"] for i in range(500)]
    path = write_xlsx(tmp_path / "nha.xlsx", rows)
    cells = read_cells(path, SheetLimits(max_rows=100))
    read = [next(cells) for _ in range(100)]
    with pytest.raises(SheetUnreadable) as err:
        next(cells)
    assert len(read) == 100 and err.value.line == 0
    assert "more than 100 rows" in err.value.reason and "[import] max_rows" in err.value.reason

    await load_units(db, tmp_path)
    errors = await rejected(import_houses(db, path, at=AT, limits=SheetLimits(max_rows=100)))
    assert [e.line for e in errors] == [0] and "more than 100 rows" in errors[0].reason
    assert await house_count(db) == 0


async def test_csv_rows_are_capped_too(db: Database, tmp_path: Path) -> None:
    rows = [UNITS[0]] + [[f"U{i}", "Xã", "", ""] for i in range(50)]
    errors = await rejected(import_units(db, write_csv(tmp_path / "u.csv", rows), at=AT,
                                         limits=SheetLimits(max_rows=20)))
    assert errors == [RowError(0, errors[0].reason)] and "more than 20 rows" in errors[0].reason
    assert await unit_count(db) == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
async def test_a_row_too_wide_or_a_cell_too_long_is_refused(db: Database, tmp_path: Path, kind: str) -> None:
    write = write_csv if kind == "csv" else write_xlsx
    wide = [UNITS[0], UNITS[1], [*UNITS[2], *[""] * 70, "far away"]]
    errors = await rejected(import_units(db, write(tmp_path / f"wide.{kind}", wide), at=AT))
    assert [e.line for e in errors] == [3] and "at most 64 columns" in errors[0].reason

    long = [UNITS[0], UNITS[1], ["MTU", "x" * 6000, "ST", ""]]
    errors = await rejected(import_units(db, write(tmp_path / f"long.{kind}", long), at=AT))
    assert [e.line for e in errors] == [3] and "at most 5,000" in errors[0].reason
    assert await unit_count(db) == 0


async def test_a_workbook_unpacking_past_the_size_cap_is_refused_unopened(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "u.xlsx", UNITS)
    monkeypatch.setattr(readers, "MAX_XLSX_BYTES", 4096)
    monkeypatch.setattr(readers, "ExcelReader", None)  # never reached
    errors = await rejected(import_units(db, path, at=AT))
    assert [e.line for e in errors] == [0] and "unpacks to" in errors[0].reason


async def test_a_bad_part_inside_a_workbook_is_refused_not_raised(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "u.xlsx", UNITS)
    replace_in_xlsx(path, {"xl/worksheets/sheet1.xml": b"<worksheet"})
    errors = await rejected(import_units(db, path, at=AT))
    assert [e.line for e in errors] == [0] and "not a readable .xlsx" in errors[0].reason


async def test_houses_are_written_with_the_write_lock_held_briefly(db: Database, tmp_path: Path) -> None:
    """Staged in batches, applied in one statement: ids in file order, codes updated in any case."""
    await load_units(db, tmp_path)
    rows: list[list[object]] = [HOUSES[0]] + [[f"H{i:05d}", "MTU01", f"Chủ {i}", "poor", "new", "", "", ""]
                                             for i in range(4500)]
    assert await import_houses(db, write_csv(tmp_path / "h.csv", rows), at=AT) == ImportResult(4500, 0)
    first, last = await houses.by_code(db, "H00000"), await houses.by_code(db, "H04499")
    assert first is not None and last is not None and last.id - first.id == 4499
    again = [HOUSES[0], ["h00001", "MTU", "Chủ mới", "merit", "repair", "Ấp 2", "", ""], HOUSES[1]]
    assert await import_houses(db, write_csv(tmp_path / "h2.csv", again), at=AT) == ImportResult(1, 1)
    changed = await houses.by_code(db, "H00001")
    assert changed is not None and (changed.code, changed.household_head, changed.category) == (
        "H00001", "Chủ mới", "merit")
    staging = ("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'house_import%'"
               if db.dialect == "postgresql" else "SELECT count(*) FROM sqlite_temp_master")
    assert await db.scalar(staging) == 0  # the staging table is gone
    log = await audit.entries(db, "houses", "h2.csv")
    assert log[-1]["detail"] == {"created": 1, "updated": 1, "actor": "cli"}
