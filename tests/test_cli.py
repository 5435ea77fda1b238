"""The admin commands as an admin runs them: a real process, a real config, real files."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

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
