"""/xuat and `chungtay export --unit`: the workbook officers forward upward."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.images import jpeg
from tests.world import START, World, set_stage

ROOT = Path(__file__).resolve().parent.parent
HEADER_ROW = 6  # campaign, unit, time, note, blank, then the header
PHOTOS = 15  # the 'Ảnh' column of 'Báo cáo', counted from 0


async def progress_made(world: World) -> None:
    lan = await world.person("10", "MTU01", name="Nguyễn Thị Lan")
    await lan.photos(jpeg(1), jpeg(2), caption="MH-001 bàn giao")
    await lan.photos(jpeg(3), jpeg(4), caption="MH-002 hoàn thành")
    await lan.photos(jpeg(5), caption="MH-003 khởi công")
    sa = await world.person("11", "KSA01", name="Thạch Sa")
    await sa.photos(jpeg(6), jpeg(7), caption="AL-001 hoàn thành")
    await set_stage(world, "MH-004", 1, START - timedelta(days=30))


def summary(path: Path) -> dict[str, dict[str, Any]]:
    sheet = openpyxl.load_workbook(path)["Tổng hợp"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[HEADER_ROW - 1]
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[HEADER_ROW:]}


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


async def test_the_workbook_agrees_with_tiendo(world: World) -> None:
    await progress_made(world)
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/tiendo")
    status = hai.text

    replies = await hai.say("/xuat")

    (reply,) = replies
    assert reply.document is not None and reply.document.is_file()
    assert reply.document_name == "tien-do-st-20260820-0900.xlsx"
    assert "Báo cáo tiến độ Tỉnh Sóc Trăng: 5 đơn vị, 5 nhà, 4 báo cáo" in reply.text
    rows = summary(reply.document)
    st = rows["ST"]
    stages = re.search(r"Chưa khởi công (\d+) · đang thi công (\d+) · hoàn thành (\d+) · "
                       r"đã bàn giao (\d+)", status)
    shares = re.search(r"đã khởi công (\d+) · hoàn thành (\d+) \(([\d,]+)% chỉ tiêu\) · bàn giao (\d+)",
                       status)
    assert stages and shares
    assert st["Chỉ tiêu"] == 100 and f"Chỉ tiêu: {st['Chỉ tiêu']} nhà" in status
    assert f"đã lập danh sách: {st['Số nhà đã lập danh sách']} nhà" in status
    assert st["Chưa khởi công"] == int(stages.group(1))
    assert st["Đã khởi công"] == int(shares.group(1)) == 5
    assert st["Hoàn thành"] == int(shares.group(2)) == 3
    assert st["Bàn giao"] == int(shares.group(4)) == 1
    assert round(st["Tỷ lệ hoàn thành"] * 100, 1) == float(shares.group(3).replace(",", "."))
    # Each sub-unit's line in /tiendo ("Huyện Mỹ Tú: 2/40": completed, as no deadline says otherwise)
    # matches its row.
    for code in ("MTU", "KSA"):
        row = rows[code]
        assert f"{row['Đơn vị'].strip()}: {row['Hoàn thành']}/{row['Chỉ tiêu']}" in status


async def test_the_workbook_has_a_header_houses_and_reports_with_photo_names(world: World) -> None:
    await progress_made(world)
    hai = await world.person("50", "MTU", role="officer")
    (reply,) = await hai.say("/xuat")
    assert reply.document is not None
    book = openpyxl.load_workbook(reply.document)
    assert book.sheetnames == ["Tổng hợp", "Nhà", "Báo cáo", "Đóng góp", "Khen thưởng"]
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Chung tay xóa nhà tạm, nhà dột nát" and sheet["A1"].font.bold
        assert sheet["A2"].value == "Đơn vị: Tỉnh Sóc Trăng › Huyện Mỹ Tú (MTU)"
        assert sheet["A3"].value == "Lập lúc: 20/08/2026 09:00"
    assert [r[0] for r in sheet_rows(reply.document, "Tổng hợp")[HEADER_ROW:]] == ["MTU", "MTU01"]
    assert book["Tổng hợp"].cell(HEADER_ROW + 1, 9).number_format == "0.0%"
    houses = sheet_rows(reply.document, "Nhà")
    assert houses[4][:2] == ("Mã nhà", "Chủ hộ")
    assert [(h[0], h[9]) for h in houses[5:]] == [
        ("MH-001", "Bàn giao"), ("MH-002", "Hoàn thành"), ("MH-003", "Khởi công / đang thi công"),
        ("MH-004", "Khởi công / đang thi công"),
    ]
    reports = sheet_rows(reply.document, "Báo cáo")
    assert reports[4][0] == "Số báo cáo" and [r[1] for r in reports[5:]] == ["MH-001", "MH-002", "MH-003"]
    names = reports[5][PHOTOS].split("\n")
    assert len(names) == 2 and all(n.startswith("photos/MH-001/") for n in names)
    stored = {p.name for p in world.app.ctx.photos.media_dir.rglob("*.jpg")}
    assert {n.rsplit("/", 1)[1] for n in names} <= stored
    text = "\n".join(str(c) for r in houses + reports for c in r if c)
    assert "AL-001" not in text and "Thạch" not in text  # the other district's households


async def test_the_command_line_writes_the_workbook_with_photo_links(world: World, tmp_path: Path) -> None:
    await progress_made(world)
    config = tmp_path / "config.toml"
    config.write_text('[campaign]\nlanguage = "en"\n'
                      f'[storage]\ndatabase = "{world.database}"\nmedia_dir = "media"\n', encoding="utf-8")
    out = tmp_path / "xuat" / "mytu.xlsx"
    out.parent.mkdir()
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), "export",
                           "--unit", "MTU", "--format", "xlsx", "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "2 units, 4 houses, 3 reports" in done.stdout
    rows = summary(out)
    assert rows["MTU"]["Hoàn thành"] == 2 and rows["MTU01"]["Bàn giao"] == 1
    cell = openpyxl.load_workbook(out)["Báo cáo"].cell(HEADER_ROW, PHOTOS + 1)
    assert cell.hyperlink is not None
    target = (out.parent / cell.hyperlink.target.replace("\\", "/")).resolve()
    assert target.is_file() and target.parent.parent == (tmp_path / "media").resolve()


async def test_libreoffice_opens_the_workbook(world: World, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed here")
    await progress_made(world)
    hai = await world.person("50", "ST", role="officer")
    (reply,) = await hai.say("/xuat")
    assert reply.document is not None
    out = tmp_path / "lo"
    # 76: UTF-8; the last token, -1, writes every sheet to its own file (LibreOffice 7.2 and later).
    done = subprocess.run(
        [soffice, "--headless", "--norestore", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(out), str(reply.document)],
        capture_output=True, text=True, errors="replace", timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stderr
    files = {p.name.split("-")[-1]: p for p in out.glob("*.csv")}
    assert set(files) == {"Tổng hợp.csv", "Nhà.csv", "Báo cáo.csv", "Đóng góp.csv", "Khen thưởng.csv"}, \
        done.stdout + done.stderr
    with files["Tổng hợp.csv"].open(encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0][0] == "Chung tay xóa nhà tạm, nhà dột nát"
    st = next(r for r in table if r[0] == "ST")
    assert st[1:8] == ["Tỉnh Sóc Trăng", "100", "5", "0", "5", "3", "1"]
    with files["Nhà.csv"].open(encoding="utf-8") as f:
        assert sum(1 for r in csv.reader(f) if r and r[0].startswith(("MH-", "AL-"))) == 5
    # What officers print: every sheet on landscape pages, each sheet one page wide.
    printed = subprocess.run(
        [soffice, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(out),
         str(reply.document)],
        capture_output=True, text=True, errors="replace", timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    assert printed.returncode == 0, printed.stderr
    (pdf,) = out.glob("*.pdf")
    boxes = re.findall(rb"MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert len(boxes) >= 3  # a page per sheet at least
    assert all(float(w) > float(h) for w, h in boxes)
