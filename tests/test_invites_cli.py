"""`chungtay invite` for a drive: many personal codes, a group code, a printable PDF sheet."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from handlers.invite import MAX_GROUP_DAYS
from storage import bot_info
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def chungtay(tmp: Path, *args: str, username: str = "") -> subprocess.CompletedProcess[str]:
    config = tmp / "config.toml"
    name = f'[telegram]\nbot_username = "{username}"\n' if username else ""
    config.write_text(f'{name}[storage]\ndatabase = "data.sqlite"\nmedia_dir = "media"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def day_text(days_ahead: int) -> str:
    """A day as --until takes it; the command reads the machine's clock, in the campaign's zone."""
    return (datetime.now(VIETNAM) + timedelta(days=days_ahead)).strftime("%d/%m/%Y")


def setup(tmp: Path) -> None:
    units = tmp / "don-vi.csv"
    units.write_text("code,name,parent_code\nST,Tỉnh Sóc Trăng,\nMTU,Huyện Mỹ Tú,ST\n", encoding="utf-8")
    assert chungtay(tmp, "import", "units", str(units)).returncode == 0


async def count(database: Path, sql: str) -> int:
    db = await Database.open(database)
    try:
        return int(await db.scalar(sql))
    finally:
        await db.close()


async def learnt(database: Path, name: str) -> None:
    """What the Telegram channel stores at start, from getMe."""
    db = await Database.open(database)
    try:
        async with db.transaction():
            await bot_info.put(db, bot_info.TELEGRAM_USERNAME, name, "2026-08-20T02:00:00+00:00")
    finally:
        await db.close()


def test_many_codes_on_a_printable_pdf(tmp_path: Path) -> None:
    setup(tmp_path)
    data = tmp_path / "data.sqlite"
    sheet = tmp_path / "ma-moi.pdf"
    # The bot's name is not known yet: no sheet, and nothing stored.
    refused = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer", "--count", "3",
                       "--out", str(sheet))
    assert refused.returncode == 2 and "bot_username" in refused.stderr
    assert asyncio.run(count(data, "SELECT count(*) FROM invites")) == 0

    asyncio.run(learnt(data, "learnt_bot"))
    done = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer", "--count", "13",
                    "--out", str(sheet))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 13
    assert all(re.fullmatch(r"([A-Z0-9]{8})\thttps://t\.me/learnt_bot\?start=\1", line) for line in lines)
    pdf = sheet.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2  # twelve codes a page
    assert asyncio.run(count(data, "SELECT count(*) FROM audit WHERE action = 'invite.create'")) == 13

    # The config's name wins over the learnt one.
    named = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer", username="config_bot")
    assert "https://t.me/config_bot?start=" in named.stdout


def test_a_group_code_and_the_refusals_that_store_nothing(tmp_path: Path) -> None:
    setup(tmp_path)
    data = tmp_path / "data.sqlite"
    for args in (["--count", "501"], ["--group", "--role", "officer"], ["--group", "--max", "900"],
                 ["--group", "--until", "1/1/2020"], ["--group", "--until", day_text(91)],
                 ["--out", str(tmp_path / "x.docx")]):
        role = [] if "--role" in args else ["--role", "volunteer"]
        refused = chungtay(tmp_path, "invite", "--unit", "MTU", *role, *args, username="b")
        assert refused.returncode == 2, (args, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1
    assert asyncio.run(count(data, "SELECT count(*) FROM invites")) == 0

    last = day_text(MAX_GROUP_DAYS)  # the last day the chat allows is allowed here too
    group = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer", "--group", "--max", "80",
                     "--until", last, username="b")
    assert group.returncode == 0, group.stderr
    assert "tối đa 80 người" in group.stderr and last in group.stderr
    assert asyncio.run(count(data, "SELECT max_uses FROM invites WHERE kind = 'group'")) == 80


def test_many_codes_on_an_xlsx_sheet_for_a4(tmp_path: Path) -> None:
    setup(tmp_path)
    sheet = tmp_path / "ma-moi.xlsx"
    done = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer", "--count", "14",
                    "--out", str(sheet), username="sheet_bot")
    assert done.returncode == 0, done.stderr
    codes = [line.split("\t", 1)[0] for line in done.stdout.splitlines()]
    assert len(codes) == 14 and "14 mã trên 2 trang" in done.stderr
    book = load_workbook(sheet)
    ws = book.active
    assert ws is not None
    assert len(ws._images) == 14  # one picture a code
    written = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert sorted(written) == sorted(codes)
    anchors = {(i.anchor._from.row, i.anchor._from.col) for i in ws._images}
    below = {(c.row - 2, c.column - 1) for row in ws.iter_rows() for c in row if c.value}
    assert anchors == below  # each code sits in the cell under its own picture
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert [b.id for b in ws.row_breaks.brk] == [8]  # after four rows of cards: twelve a page
    assert max(ws.column_dimensions[col].width for col in "ABC") < 40
