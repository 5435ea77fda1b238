"""[[telegram.bots]]: several bots in one deployment, and the mistakes refused in one line."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from handlers.settings import TelegramBot
from storage import bot_info
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
ST = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAA"
CT = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBB"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def bots(*entries: str) -> str:
    return "".join(f"[[telegram.bots]]\n{entry}\n" for entry in entries)


def test_several_bots_are_read_in_order(tmp_path: Path) -> None:
    text = bots(f'token = "{ST}"\nunit = "ST"', f'token = "{CT}"\nunit = "CT"\nbot_username = "@ct_bot"')
    tg = load_settings(write(tmp_path, text), env={}).telegram
    assert tg.token == "" and tg.enabled
    assert tg.bots == (TelegramBot(ST, "ST"), TelegramBot(CT, "CT", bot_username="ct_bot"))
    assert [b.key for b in tg.bots] == ["111111", "222222"]


def test_one_bot_for_everything_stays_as_it_was(tmp_path: Path) -> None:
    tg = load_settings(write(tmp_path, f'[telegram]\ntoken = "{ST}"\n'), env={}).telegram
    assert tg.token == ST and tg.bots == () and tg.enabled


@pytest.mark.parametrize(
    ("text", "env", "key", "problem"),
    [
        (f'[telegram]\ntoken = "{ST}"\n' + bots(f'token = "{CT}"\nunit = "CT"'), {},
         "[[telegram.bots]]", "[telegram] token"),
        (bots(f'token = "{CT}"\nunit = "CT"'), {"CHUNGTAY_TELEGRAM_TOKEN": ST},
         "[[telegram.bots]]", "CHUNGTAY_TELEGRAM_TOKEN"),
        (bots(f'token = "{ST}"\nunit = "ST"', f'token = "{ST}"\nunit = "CT"'), {},
         "[telegram.bots #2] token", "same bot as entry #1"),
        (bots(f'token = "{ST}"\nunit = "ST"', f'token = "{CT}"\nunit = "st"'), {},
         "[telegram.bots #2] unit", "served by entry #1"),
        (bots(f'token = "{ST}"'), {}, "[telegram.bots #1]", "a token and a unit"),
        (bots('token = "abc"\nunit = "ST"'), {}, "[telegram.bots #1] token", "BotFather"),
        (bots(f'token = "{ST}"\nunit = "ST"\nwebhook_url = "https://x.vn/st"'), {},
         "[telegram.bots #1] port", "webhook_url"),
        (bots(f'token = "{ST}"\nunit = "ST"\ntokn = "x"'), {}, "[telegram.bots #1] tokn", "unknown key"),
        ('[telegram]\nbots = "ST"\n', {}, "[[telegram.bots]]", "tables"),
    ],
)
def test_mistakes_in_the_bots_are_named_in_one_line(tmp_path: Path, text: str, env: dict[str, str],
                                                     key: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env=env)
    assert key in err.value.key and problem in err.value.problem, str(err.value)
    assert "\n" not in str(err.value) and ST not in str(err.value) and CT not in str(err.value)


def test_a_bot_for_a_unit_that_does_not_exist_stops_chungtay_run_in_one_line(tmp_path: Path) -> None:
    text = (f'[storage]\ndatabase = "{tmp_path / "c.sqlite"}"\nmedia_dir = "{tmp_path / "media"}"\n'
            '[telegram]\nbase_url = "http://127.0.0.1:9/bot"\n'
            + bots(f'token = "{ST}"\nunit = "NOWHERE"'))
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(write(tmp_path, text)), "run"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 1, done.stderr
    said = [line for line in done.stderr.splitlines() if " ERROR " in line or " CRITICAL " in line]
    assert len(said) == 1 and "'NOWHERE'" in said[0] and "no such unit" in said[0], done.stderr
    assert ST not in done.stderr and "Traceback" not in done.stderr


def test_chungtay_invite_links_to_the_bot_of_the_invites_unit(tmp_path: Path) -> None:
    """`chungtay invite` never talks to Telegram: it reads each bot's username the bot stored at
    start, and picks the bot serving the unit the codes are for."""
    config = write(tmp_path, '[storage]\ndatabase = "data.sqlite"\nmedia_dir = "media"\n'
                   + bots(f'token = "{ST}"\nunit = "ST"', f'token = "{CT}"\nunit = "CT"'))

    def chungtay(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)

    units = tmp_path / "don-vi.csv"
    units.write_text("code,name,parent_code\nST,Tỉnh Sóc Trăng,\nMTU,Huyện Mỹ Tú,ST\n"
                     "CT,Thành phố Cần Thơ,\nCT01,Phường Cái Khế,CT\n", encoding="utf-8")
    assert chungtay("import", "units", str(units)).returncode == 0
    asyncio.run(learnt(tmp_path / "data.sqlite", {"111111": "st_bot", "222222": "ct_bot"}))

    for unit, bot in (("CT01", "ct_bot"), ("MTU", "st_bot")):
        done = chungtay("invite", "--unit", unit, "--role", "volunteer", "--count", "2")
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()[:2]
        link = rf"([A-Z0-9]{{8}})\thttps://t\.me/{bot}\?start=\1"
        assert all(re.fullmatch(link, line) for line in lines), lines


async def learnt(database: Path, names: dict[str, str]) -> None:
    """What each bot stores at start, from getMe."""
    db = await Database.open(database)
    try:
        async with db.transaction():
            for key, name in names.items():
                await bot_info.put(db, bot_info.telegram_username(key), name, "2026-08-20T02:00:00+00:00")
    finally:
        await db.close()
