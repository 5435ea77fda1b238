"""Every `chungtay` command the README shows, run as written, in order, against a copy of the example
config: a README whose examples stopped working is the first thing a new admin meets."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from storage import units, users
from storage.db import Database
from tests import pg

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ("chungtay", ".venv/bin/chungtay")


def readme_commands() -> list[list[str]]:
    """The lines of the README's fenced code blocks that start with the program, comments dropped."""
    commands, fenced = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        words = shlex.split(line, comments=True) if fenced else []
        if words and words[0] in PROGRAMS:
            commands.append(words[1:])
    return commands


def test_the_readme_shows_the_commands_an_admin_needs() -> None:
    shown = {words[0] if not words[0].startswith("-") else words[2] for words in readme_commands()}
    assert {"demo", "run", "import", "invite", "users", "disable", "export", "backup"} <= shown


def test_every_command_in_the_readme_works_as_written(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # The example config, with the bot's name as `chungtay run` would have stored it from getMe:
    # a printed QR sheet needs the link whole.
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    named = example.replace('bot_username = ""', 'bot_username = "chungtay_bot"')
    (tmp_path / "config.toml").write_text(named, encoding="utf-8")
    shutil.copy(ROOT / "bot" / "demo" / "houses.csv", tmp_path / "houses.csv")
    shutil.copy(ROOT / "bot" / "demo" / "dong-gop.csv", tmp_path / "dong-gop.csv")
    book = openpyxl.Workbook()
    for line in (ROOT / "bot" / "demo" / "units.csv").read_text(encoding="utf-8").splitlines():
        book.active.append(line.split(","))
    book.save(tmp_path / "units.xlsx")
    # No token in the environment: `run` must stop at once and say where a token goes.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHUNGTAY_")}
    env["PYTHONPATH"] = str(ROOT)

    for words in readme_commands():
        if "--until" in words:
            # The README shows a day of a campaign; the test runs on any day, so it asks for one
            # still to come, written the same way.
            at = words.index("--until") + 1
            words = [*words[:at], f"{date.today() + timedelta(days=30):%d/%m/%Y}", *words[at + 1:]]
        if any(w.startswith("postgresql://") for w in words):
            # The README's PostgreSQL address stands for a server of the admin's: here, a fresh
            # database on the tests' own server.
            if pg.server_bin() is None and os.environ.get(pg.REQUIRE) != "1":
                continue
            server: pg.Server = request.getfixturevalue("pg_server")
            dsn = asyncio.run(server.empty())
            words = [dsn if w.startswith("postgresql://") else w for w in words]
        if {"disable", "enable"} & set(words):
            asyncio.run(accounts_up_to(tmp_path / "data" / "chungtay.sqlite", int(words[-1])))
        done = subprocess.run([sys.executable, "-m", "bot.cli", *words], input="", env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180)
        shown = f"chungtay {shlex.join(words)}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, shown
        if "run" in words:
            assert done.returncode == 2 and "CHUNGTAY_TELEGRAM_TOKEN" in done.stderr, shown
            assert done.stderr.count("\n") == 1, shown
            help_text = subprocess.run([sys.executable, "-m", "bot.cli", *words, "--help"], env=env,
                                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
            assert help_text.returncode == 0 and "Zalo" in help_text.stdout, shown
        else:
            assert done.returncode == 0, shown
        for name in words:
            if re.fullmatch(r"[\w.-]+\.(xlsx|csv|sqlite)", name) and words[0] != "import":
                assert (tmp_path / name).is_file(), shown


async def accounts_up_to(database: Path, last_id: int) -> None:
    """People who joined, as /start leaves them, so the README's `disable 17` has a 17th account."""
    db = await Database.open(database)
    try:
        unit = await units.by_code(db, "MTU01")
        assert unit is not None
        async with db.transaction():
            for n in range(1, last_id + 1):
                if await users.get(db, n) is None:
                    await users.create(db, "telegram", str(1000 + n), f"Người {n}", "volunteer", unit.id,
                                       "vi", "2026-08-20T02:00:00+00:00")
    finally:
        await db.close()
