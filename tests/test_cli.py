"""The admin commands as an admin runs them: a real process, a real config, real files."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from storage import audit, users
from storage import units as units_store
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent


def chungtay(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp / "config.toml"
    if not config.exists():
        # English, so the assertions read as the admin of an English campaign would; the
        # Vietnamese default is tested on its own below.
        config.write_text('[telegram]\nbot_username = "chungtay_bot"\n[campaign]\nlanguage = "en"\n'
                          '[storage]\ndatabase = "data.sqlite"\nmedia_dir = "media"\n', encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_import_invite_export_and_backup(tmp_path: Path) -> None:
    units = tmp_path / "don-vi.csv"
    units.write_text("\ufeffMã;Tên đơn vị;Mã đơn vị cha;Chỉ tiêu\nST;Tỉnh Sóc Trăng;;1200\n"
                     "MTU;Huyện Mỹ Tú;ST;40\n", encoding="utf-8")
    done = chungtay(tmp_path, "import", "units", str(units))
    assert done.returncode == 0, done.stderr
    assert "2 created" in done.stdout
    again = chungtay(tmp_path, "import", "units", str(units))
    assert "0 created, 2 updated" in again.stdout

    bad = tmp_path / "nha.csv"
    bad.write_text("Mã nhà,Mã đơn vị,Chủ hộ,Đối tượng,Loại hỗ trợ\nA1,MTU,Lê Văn Tám,Hộ nghèo,Xây mới\n"
                   "A2,XYZ,Trần Thị B,Hộ nghèo,Xây mới\nA3,MTU,Võ Văn C,Giàu,Xây mới\n", encoding="utf-8")
    rejected = chungtay(tmp_path, "import", "houses", str(bad))
    assert rejected.returncode == 2
    assert "line 3" in rejected.stderr and "line 4" in rejected.stderr
    assert "nothing was written" in rejected.stderr

    invite = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer")
    assert invite.returncode == 0
    code, link = invite.stdout.split()[:2]
    assert link == f"https://t.me/chungtay_bot?start={code}"
    unknown = chungtay(tmp_path, "invite", "--unit", "NOPE", "--role", "volunteer")
    assert unknown.returncode == 2 and "unknown unit" in unknown.stderr

    out = tmp_path / "bao-cao.csv"
    exported = chungtay(tmp_path, "export", "--format", "csv", "--out", str(out))
    assert exported.returncode == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")

    copy = tmp_path / "backup.sqlite"
    assert chungtay(tmp_path, "backup", "--out", str(copy)).returncode == 0
    assert copy.stat().st_size > 0
    assert chungtay(tmp_path, "backup", "--out", str(copy)).returncode == 2  # never overwrites


def test_run_without_a_token_says_where_to_put_it(tmp_path: Path) -> None:
    done = chungtay(tmp_path, "run")
    assert done.returncode == 2
    assert "CHUNGTAY_TELEGRAM_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_an_admin_lists_people_and_takes_access_away_and_back(tmp_path: Path) -> None:
    units = tmp_path / "don-vi.csv"
    units.write_text("code,name,parent_code\nST,Tỉnh Sóc Trăng,\nMTU,Huyện Mỹ Tú,ST\nKSA,Huyện Kế Sách,ST\n",
                     encoding="utf-8")
    assert chungtay(tmp_path, "import", "units", str(units)).returncode == 0
    asyncio.run(someone_joins(tmp_path / "data.sqlite", "MTU", "1001", "Nguyễn Thị Lan"))
    asyncio.run(someone_joins(tmp_path / "data.sqlite", "KSA", "1002", "Thạch Sa"))

    listed = chungtay(tmp_path, "users", "--unit", "MTU")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()[1:]]
    assert [(r[1], r[2], r[3], r[4], r[6]) for r in rows] == [
        ("telegram", "volunteer", "MTU", "active", "Nguyễn Thị Lan")]
    lan_id = rows[0][0]

    off = chungtay(tmp_path, "disable", lan_id)
    assert off.returncode == 0 and "disabled" in off.stdout
    assert "\tdisabled\t" in chungtay(tmp_path, "users", "--unit", "MTU").stdout
    assert "\tThạch Sa\t" in chungtay(tmp_path, "users").stdout  # everyone, without --unit
    on = chungtay(tmp_path, "enable", lan_id)
    assert on.returncode == 0 and "active" in on.stdout
    assert "\tactive\t" in chungtay(tmp_path, "users", "--unit", "MTU").stdout
    actions = asyncio.run(audit_actions(tmp_path / "data.sqlite", int(lan_id)))
    assert actions == ["user.disable", "user.enable"]

    missing = chungtay(tmp_path, "disable", "999")
    assert missing.returncode == 2 and "chungtay users" in missing.stderr


async def someone_joins(database: Path, unit_code: str, external_id: str, name: str) -> None:
    """What /start with an invite leaves in the database (the chat itself is tested elsewhere)."""
    db = await Database.open(database)
    try:
        unit = await units_store.by_code(db, unit_code)
        assert unit is not None
        async with db.transaction():
            await users.create(db, "telegram", external_id, name, "volunteer", unit.id, "vi",
                               "2026-08-20T02:00:00+00:00")
    finally:
        await db.close()


async def audit_actions(database: Path, user_id: int) -> list[str]:
    db = await Database.open(database)
    try:
        return [e["action"] for e in await audit.entries(db, "user", user_id)]
    finally:
        await db.close()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_files_of_personal_data_are_readable_by_the_bot_alone(tmp_path: Path) -> None:
    """The database, a backup and an export are 0600 and the folders made for them 0700, whatever
    the umask; a database and media folder an older version left readable by all are closed."""
    (tmp_path / "config.toml").write_text('[storage]\ndatabase = "private/data.sqlite"\n'
                                          'media_dir = "private/media"\n', encoding="utf-8")
    units = tmp_path / "don-vi.csv"
    units.write_text("Mã,Tên đơn vị,Mã đơn vị cha,Chỉ tiêu\nST,Tỉnh Sóc Trăng,,1200\n", encoding="utf-8")
    assert chungtay(tmp_path, "import", "units", str(units)).returncode == 0
    assert chungtay(tmp_path, "backup", "--out", str(tmp_path / "saved" / "copy.sqlite")).returncode == 0
    assert chungtay(tmp_path, "export", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")).returncode == 0
    assert chungtay(tmp_path, "export", "--format", "csv", "--out", str(tmp_path / "x.csv")).returncode == 0

    private = tmp_path / "private"
    assert _mode(private) == 0o700 and _mode(tmp_path / "saved") == 0o700
    for made in (private / "data.sqlite", tmp_path / "saved" / "copy.sqlite", tmp_path / "x.xlsx",
                 tmp_path / "x.csv"):
        assert _mode(made) == 0o600, made

    (private / "data.sqlite").chmod(0o644)
    (private / "media").mkdir(mode=0o755)
    (private / "media").chmod(0o755)
    assert chungtay(tmp_path, "users").returncode == 0
    assert _mode(private / "data.sqlite") == 0o600 and _mode(private / "media") == 0o700


def test_a_backup_never_overwrites(tmp_path: Path) -> None:
    chungtay(tmp_path, "users")
    taken = tmp_path / "copy.sqlite"
    taken.write_bytes(b"an older backup")
    refused = chungtay(tmp_path, "backup", "--out", str(taken))
    assert refused.returncode == 2 and "exists already" in refused.stderr
    assert taken.read_bytes() == b"an older backup"


# --- imports that are too large or hostile, and the bot's writes during a large one ------------

HOUSE_HEADER = "Mã nhà,Mã đơn vị,Chủ hộ,Đối tượng,Loại hỗ trợ"
# Each entity ten of the one before: &lol9; is a billion "lol"s.
LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
          + b"]>")
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
SHEET = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
         '<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row></sheetData></worksheet>')
STRINGS = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>'


def _workbook(path: Path, **parts: bytes) -> Path:
    """A workbook openpyxl wrote, with some XML parts replaced (keys: the part's name, / as __)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HOUSE_HEADER.split(","))
    book.save(path)
    replaced = {name.replace("__", "/") + ".xml": data for name, data in parts.items()}
    with zipfile.ZipFile(path) as source:
        kept = {i.filename: source.read(i.filename) for i in source.infolist()}
    if "xl/sharedStrings.xml" in replaced:
        # openpyxl writes strings inline; Excel keeps them in this part, which the package declares.
        kept["[Content_Types].xml"] = kept["[Content_Types].xml"].replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        kept["xl/_rels/workbook.xml.rels"] = kept["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://'
            b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in {**kept, **replaced}.items():
            out.writestr(name, data)
    return path


def _refused_in_one_line(done: subprocess.CompletedProcess[str], file: Path) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"{file}: rejected, nothing was written: file: ")
    return done.stderr


@pytest.mark.parametrize("part", ["sheet", "strings", "xxe"])
def test_an_xlsx_declaring_xml_entities_is_refused_in_one_line(tmp_path: Path, part: str) -> None:
    path = tmp_path / "nha.xlsx"
    if part == "sheet":
        _workbook(path, xl__worksheets__sheet1=LAUGHS + SHEET.format("&lol9;").encode())
    elif part == "strings":
        _workbook(path, xl__sharedStrings=LAUGHS + STRINGS.format("&lol9;").encode())
    else:
        _workbook(path, xl__worksheets__sheet1=XXE + SHEET.format("&xxe;").encode())
    done = chungtay(tmp_path, "import", "houses", str(path))
    assert "declares XML entities" in _refused_in_one_line(done, path)
    assert "root:" not in done.stderr + done.stdout


def test_an_xlsx_of_a_million_rows_is_refused_at_the_cap(tmp_path: Path) -> None:
    """Under a megabyte zipped, a million rows unpacked: refused at [import] max_rows + 1."""
    (tmp_path / "config.toml").write_text('[campaign]\nlanguage = "en"\n[storage]\n'
                                          'database = "data.sqlite"\nmedia_dir = "media"\n'
                                          '[import]\nmax_rows = 1000\n', encoding="utf-8")
    base = _workbook(tmp_path / "base.xlsx")
    path = tmp_path / "nha.xlsx"
    # Rows without numbers, all alike, as in the file that took 2.3 GB: the zip squeezes them to nothing.
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                book.writestr(info.filename, source.read(info.filename))
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET.split("<row")[0].encode() + b"<row>" + "".join(
                f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in HOUSE_HEADER.split(",")
            ).encode() + b"</row>")
            for _ in range(100):
                sheet.write(rows)
            sheet.write(b"</sheetData></worksheet>")
    assert path.stat().st_size < 1_000_000

    started = time.perf_counter()
    done = chungtay(tmp_path, "import", "houses", str(path))
    elapsed = time.perf_counter() - started

    assert "more than 1,000 rows" in _refused_in_one_line(done, path)
    assert "[import] max_rows" in done.stderr
    assert elapsed < 20, f"refusing took {elapsed:.1f} s"  # reading the million rows takes minutes
    assert asyncio.run(_count(tmp_path / "data.sqlite", "houses")) == 0


async def _count(database: Path, table: str) -> int:
    db = await Database.open(database)
    try:
        return int(await db.scalar(f"SELECT count(*) FROM {table}"))
    finally:
        await db.close()


def test_the_bot_writes_while_a_large_import_runs(tmp_path: Path) -> None:
    """Another connection's small writes wait well under a second while 20,000 houses go in."""
    units = tmp_path / "don-vi.csv"
    units.write_text("Mã,Tên đơn vị,Mã đơn vị cha\nST,Tỉnh,\nMTU,Huyện Mỹ Tú,ST\n", encoding="utf-8")
    assert chungtay(tmp_path, "import", "units", str(units)).returncode == 0
    big = tmp_path / "nha.csv"
    big.write_text(HOUSE_HEADER + "\n" + "".join(f"H{i:05d},MTU,Nguyễn Văn {i},Hộ nghèo,Xây mới\n"
                                                 for i in range(20_000)), encoding="utf-8")
    other = sqlite3.connect(tmp_path / "data.sqlite", isolation_level=None, timeout=30)
    other.execute("CREATE TABLE bot_turns (at REAL)")
    waits: list[float] = []
    importing = subprocess.Popen([sys.executable, "-m", "bot.cli", "--config", str(tmp_path / "config.toml"),
                                  "import", "houses", str(big)], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        # The bot's turns, about fifty a second, until the import process ends (waited for, with
        # the pause between turns as the timeout).
        while True:
            assert time.monotonic() < deadline, "the import did not finish"
            started = time.perf_counter()
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO bot_turns VALUES (?)", (started,))
            other.execute("COMMIT")
            waits.append(time.perf_counter() - started)
            try:
                importing.wait(timeout=0.02)
                break
            except subprocess.TimeoutExpired:
                continue
        out, err = importing.communicate(timeout=60)
    finally:
        importing.kill()
        importing.wait()
    assert importing.returncode == 0, err
    assert "20000 created" in out
    assert other.execute("SELECT count(*) FROM houses").fetchone()[0] == 20_000
    assert max(waits) < 1.0, f"a write waited {max(waits):.2f} s"
    other.close()


def test_the_command_line_speaks_vietnamese_unless_the_campaign_says_english(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[storage]\ndatabase = "data.sqlite"\n', encoding="utf-8")
    units = tmp_path / "don-vi.csv"
    units.write_text("Mã,Tên đơn vị,Mã đơn vị cha\nST,Tỉnh Sóc Trăng,\nMTU,Huyện Mỹ Tú,ST\n",
                     encoding="utf-8")
    done = chungtay(tmp_path, "import", "units", str(units))
    assert done.returncode == 0 and f"{units}: 2 mới, 0 cập nhật" in done.stdout, done.stderr
    bad = tmp_path / "nha.csv"
    bad.write_text("Mã nhà,Mã đơn vị,Chủ hộ,Đối tượng,Loại hỗ trợ\nA1,XYZ,Lê Văn Tám,Hộ nghèo,Xây mới\n",
                   encoding="utf-8")
    rejected = chungtay(tmp_path, "import", "houses", str(bad))
    assert "bị từ chối, không ghi gì cả:" in rejected.stderr and "dòng 2" in rejected.stderr
    invite = chungtay(tmp_path, "invite", "--unit", "MTU", "--role", "volunteer")
    assert "tình nguyện viên của MTU Huyện Mỹ Tú" in invite.stderr
    unknown = chungtay(tmp_path, "users", "--unit", "NOPE")
    assert unknown.returncode == 2 and "không có mã đơn vị 'NOPE'" in unknown.stderr
    listed = chungtay(tmp_path, "users")
    assert listed.stdout.startswith("id\tkênh\tvai trò") and "0 tài khoản" in listed.stderr
    exported = chungtay(tmp_path, "export", "--out", str(tmp_path / "x.csv"))
    assert f"{tmp_path / 'x.csv'}: 0 báo cáo" in exported.stdout

    (tmp_path / "config.toml").write_text('[campaign]\nlanguage = "en"\n'
                                          '[storage]\ndatabase = "data.sqlite"\n', encoding="utf-8")
    assert "0 created, 2 updated" in chungtay(tmp_path, "import", "units", str(units)).stdout
    (tmp_path / "config.toml").write_text('[campaign]\nlanguage = "fr"\n', encoding="utf-8")
    french = chungtay(tmp_path, "users")
    assert french.returncode == 2 and "[campaign] language" in french.stderr
    assert '"vi" or "en"' in french.stderr


def test_config_may_follow_the_subcommand(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('[campaign]\nlanguage = "en"\n[storage]\ndatabase = "other.sqlite"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "users", "--config", str(config)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "0 accounts" in done.stderr and (tmp_path / "other.sqlite").exists()
    # Given both ways, the one after the subcommand is the nearer and wins.
    both = chungtay(tmp_path, "users", "--config", str(config))
    assert both.returncode == 0 and not (tmp_path / "data.sqlite").exists()


def test_export_takes_its_format_from_the_file_name_and_refuses_a_contradiction(tmp_path: Path) -> None:
    units = tmp_path / "don-vi.csv"
    units.write_text("code,name,parent_code\nST,Tỉnh Sóc Trăng,\n", encoding="utf-8")
    assert chungtay(tmp_path, "import", "units", str(units)).returncode == 0
    as_csv = tmp_path / "x.csv"
    assert chungtay(tmp_path, "export", "--out", str(as_csv)).returncode == 0
    assert as_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # CSV with a BOM, not a zip
    as_xlsx = tmp_path / "x.XLSX"
    assert chungtay(tmp_path, "export", "--out", str(as_xlsx)).returncode == 0
    assert as_xlsx.read_bytes().startswith(b"PK")
    named = tmp_path / "bao-cao"
    assert chungtay(tmp_path, "export", "--format", "csv", "--out", str(named)).returncode == 0

    wrong = chungtay(tmp_path, "export", "--format", "xlsx", "--out", str(tmp_path / "y.csv"))
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "--format xlsx" in wrong.stderr
    assert not (tmp_path / "y.csv").exists()
    unknown = chungtay(tmp_path, "export", "--out", str(tmp_path / "y.txt"))
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "--format" in unknown.stderr


def test_run_help_names_both_channels_and_their_tokens(tmp_path: Path) -> None:
    done = chungtay(tmp_path, "run", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "Telegram" in text and "Zalo" in text
    assert "CHUNGTAY_TELEGRAM_TOKEN" in text and "CHUNGTAY_ZALO_TOKEN" in text


def test_a_bad_token_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "data.sqlite"\n', encoding="utf-8")
    for variable in ("CHUNGTAY_TELEGRAM_TOKEN", "CHUNGTAY_ZALO_TOKEN"):
        env = {**os.environ, variable: "abc"}
        done = subprocess.run([sys.executable, "-m", "bot.cli", "run", "--config", str(config)], env=env,
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith(f"environment: {variable}:"), done.stderr
