"""`chungtay import contributions`: the Front's lists in CSV or XLSX, Vietnamese headers or English
keys; a file with any bad row is refused whole, every bad row named, nothing written."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from storage import audit
from storage.db import Database
from storage.importer import ImportRejected, import_contributions, import_houses, import_units
from tests.test_import import AT, HOUSES, UNITS, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
START, TODAY = date(2024, 4, 13), date(2026, 8, 20)
HEADER = ["Mã nhà", "Mã đơn vị", "Loại", "Số lượng", "Đơn vị tính", "Giá trị (đồng)", "Nguồn", "Loại nguồn",
          "Ngày", "Ghi chú"]
GOOD = [
    HEADER,
    ["MH-001", "", "Tiền", "", "", "60.000.000", "Ngân sách tỉnh", "Ngân sách nhà nước", "15/06/2025", ""],
    ["MH-001", "MTU01", "Ngày công", "12", "ngày công", "", "Đoàn thanh niên", "Cộng đồng", "20/06/2025", ""],
    ["MH-002", "", "Vật liệu", "50", "bao", "4,5 triệu", "Cửa hàng", "Xã hội hóa", "22/06/2025", "xi măng"],
    ["", "MTU", "Tiền", "", "", "200tr", "Công an huyện Kế Sách", "xa hoi hoa", "01/07/2025", "Quỹ huyện"],
]


@pytest.fixture
async def loaded(db: Database, tmp_path: Path) -> Database:
    await import_units(db, write_csv(tmp_path / "u.csv", UNITS), at=AT)
    await import_houses(db, write_csv(tmp_path / "h.csv", HOUSES), at=AT)
    return db


async def run(db: Database, path: Path) -> int:
    result = await import_contributions(db, path, at=AT, start=START, today=TODAY)
    return result.created


async def rollup(db: Database) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await db.fetchall(
        "SELECT u.code, s.source_type, s.money, s.materials, s.workdays FROM contribution_sums s "
        "JOIN units u ON u.id = s.unit_id ORDER BY 1, 2")]


async def test_a_csv_with_vietnamese_headers(loaded: Database, tmp_path: Path) -> None:
    assert await run(loaded, write_csv(tmp_path / "dong-gop.csv", GOOD)) == 4
    assert await rollup(loaded) == [("MTU", "social", 200_000_000, 0, 0),
                                    ("MTU01", "community", 0, 0, 12),
                                    ("MTU01", "social", 0, 4_500_000, 0),
                                    ("MTU01", "state", 60_000_000, 0, 0)]
    row = await loaded.fetchone(
        "SELECT quantity, description, origin FROM contributions WHERE kind = 'materials'")
    assert tuple(row) == ("50 bao", "xi măng", "dong-gop.csv")
    [entry] = await audit.entries(loaded, "contributions", "dong-gop.csv")
    assert entry["detail"]["created"] == 4


async def test_an_xlsx_with_english_keys_real_dates_and_numbers(loaded: Database, tmp_path: Path) -> None:
    rows = [
        ["house_code", "unit_code", "kind", "quantity", "measure", "value", "source", "source_type", "date",
         "note", "private"],
        ["MH-002", None, "money", None, None, 3_000_000, "Bà Năm", "social", datetime(2025, 7, 2), None, "x"],
        ["MH-002", None, "workdays", 4, None, None, None, "household", datetime(2025, 7, 3), None, None],
    ]
    assert await run(loaded, write_xlsx(tmp_path / "list.xlsx", rows)) == 2
    got = await loaded.fetchall(
        "SELECT kind, value, workdays, source_private, day FROM contributions ORDER BY id")
    assert [tuple(r) for r in got] == [("money", 3_000_000, None, 1, "2025-07-02"),
                                       ("workdays", None, 4, 0, "2025-07-03")]


async def test_one_bad_row_refuses_the_whole_file_naming_every_bad_row(loaded: Database,
                                                                       tmp_path: Path) -> None:
    bad = [
        *GOOD,
        ["MH-001", "", "Tiền", "", "", "5tr5", "X", "Xã hội hóa", "01/07/2025", ""],         # 6: ambiguous
        ["XX-9", "", "Tiền", "", "", "5tr", "X", "Xã hội hóa", "01/07/2025", ""],   # 7: unknown house
        ["MH-001", "KS", "Tiền", "", "", "5tr", "X", "Xã hội hóa", "01/07/2025", ""],        # 8: not its unit
        ["MH-001", "", "Ngày công", "0", "", "", "X", "Cộng đồng", "01/07/2025", ""],        # 9: zero days
        ["MH-001", "", "Tiền", "", "", "-5tr", "X", "Cộng đồng", "01/07/2025", ""],          # 10: negative
        ["MH-001", "", "Tiền", "", "", "5tr", "X", "Cộng đồng", "01/07/2027", ""],           # 11: future
        ["MH-001", "", "Tiền", "", "", "5tr", "X", "Cộng đồng", "01/07/2023", ""],           # 12: too early
        ["MH-001", "", "Quà", "", "", "5tr", "X", "Ai đó", "1/7", ""],                       # 13: three
        ["MH-001", "", "Tiền", "", "", "20 tỷ", "X", "Cộng đồng", "01/07/2025", ""],         # 14: huge
        ["", "", "Tiền", "", "", "5tr", "X", "Cộng đồng", "01/07/2025", ""],                 # 15: no target
        ["MH-001", "", "Tiền", "", "", "năm triệu", "X", "Cộng đồng", "01/07/2025", ""],  # 16: words
    ]
    with pytest.raises(ImportRejected) as refused:
        await run(loaded, write_csv(tmp_path / "bad.csv", bad))
    lines = sorted({e.line for e in refused.value.errors})
    assert lines == list(range(6, 17))
    reasons = {e.line: e.reason for e in refused.value.errors}
    assert "could mean more than one amount" in reasons[6] and "unknown house 'XX-9'" in reasons[7]
    assert "is in unit 'MTU01', not 'KS'" in reasons[8] and "before the campaign began" in reasons[12]
    assert "has not come yet" in reasons[11] and "over 10 billion" in reasons[14]
    assert len([e for e in refused.value.errors if e.line == 13]) == 3
    assert await loaded.scalar("SELECT count(*) FROM contributions") == 0
    assert await rollup(loaded) == []


def test_the_command_line_import_and_its_refusal(tmp_path: Path) -> None:
    config = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    for name in ("units.csv", "houses.csv", "dong-gop.csv"):
        (tmp_path / name).write_bytes((ROOT / "bot" / "demo" / name).read_bytes())
    write_csv(tmp_path / "sai.csv", [HEADER, ["STP01-001", "", "Tiền", "", "", "5tr5", "X", "Cộng đồng",
                                              "01/07/2025", ""]])

    def cli(*words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *words], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})

    assert cli("import", "units", "units.csv").returncode == 0
    assert cli("import", "houses", "houses.csv").returncode == 0
    done = cli("import", "contributions", "dong-gop.csv")
    assert done.returncode == 0 and "dong-gop.csv: 5 mới" in done.stdout
    refused = cli("import", "contributions", "sai.csv")
    assert refused.returncode == 2 and "dòng 2" in refused.stderr and "5tr5" in refused.stderr
