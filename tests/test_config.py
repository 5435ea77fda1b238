from __future__ import annotations

import subprocess
import sys
from datetime import date, time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_loads_as_documented() -> None:
    s = load_settings(ROOT / "config.example.toml", env={})
    assert s.campaign.timezone.key == "Asia/Ho_Chi_Minh"
    assert s.report.photos_required == {1: 1, 2: 2, 3: 2}
    first = s.campaign.deadlines[0]
    assert first.date == date(2026, 9, 2) and first.stage == 3 and first.at == time(8, 0)
    assert first.offsets == (30, 14, 7, 3, 1, 0)
    assert s.campaign.deadlines[1].audience == ("officers",)
    assert s.storage.database == ROOT / "data/chungtay.sqlite"
    assert s.campaign.start == date(2024, 4, 13) and s.review.required == "flagged"
    assert s.evidence.max_distance_m == 500 and s.evidence.max_photo_age_days == 14


@pytest.mark.parametrize(("written", "mode"), [("true", "all"), ("false", "flagged"), ('"none"', "none")])
def test_review_required_reads_the_old_true_and_false(tmp_path: Path, written: str, mode: str) -> None:
    """A config written before the evidence checks keeps its meaning: true every report waits,
    false only the flagged ones."""
    assert load_settings(write(tmp_path, f"[review]\nrequired = {written}\n"), env={}).review.required == mode


def test_token_from_the_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "111:AAAAAAAAAAAAAAAAAAAAAAAAAAA"\n')
    env = {"CHUNGTAY_TELEGRAM_TOKEN": "222:BBBBBBBBBBBBBBBBBBBBBBBBBBB"}
    assert load_settings(path, env=env).telegram.token.startswith("222:")


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[campaign]\ntimezone = "Asia/Hanoi_X"\n', "[campaign] timezone", "unknown time zone"),
        ("[report]\nphotos_completed = \"two\"\n", "[report] photos_completed", "whole number"),
        ("[report]\nphotos_completed = 99\n", "[report] photos_completed", "0 to 10"),
        ("[storage]\ndatabse = \"x\"\n", "[storage] databse", "unknown key"),
        ("[storage]\nphoto_memory_mb = 32\n", "[storage] photo_memory_mb", "64 to 1048576"),
        ("[storage]\nphoto_memory_mb = \"1G\"\n", "[storage] photo_memory_mb", "whole number"),
        ("[workers]\nclaim_seconds = 1\n", "[workers] claim_seconds", "3 to 600"),
        ("[workers]\nchats = 0\n", "[workers] chats", "1 to 1000"),
        ("[workers]\nclaim = 30\n", "[workers] claim", "unknown key"),
        ('[[campaign.deadlines]]\nname = "A"\ndate = "02/9/2026"\n', "date", "2026-09-02"),
        ('[[campaign.deadlines]]\nname = "A"\ndate = 2026-09-02\nstage = "done"\n', "stage", "one of"),
        ('[[campaign.deadlines]]\nname = "A"\ndate = 2026-09-02\ntime = "8h"\n', "time", "HH:MM"),
        ('[telegram]\ntoken = "abc"\n', "[telegram] token", "BotFather"),
        ("[review]\nrequired = 1\n", "[review] required", '"flagged", "all" or "none"'),
        ('[review]\nrequired = "some"\n', "[review] required", '"flagged", "all" or "none"'),
        ("[evidence]\nmax_distance_m = 0\n", "[evidence] max_distance_m", "10 to 100000"),
        ("[evidence]\nmax_photo_age_days = \"14\"\n", "[evidence] max_photo_age_days", "whole number"),
        ('[campaign]\nstart = "1/4/2026"\n', "[campaign] start", "a date like"),
        ("[campaign\n", "(syntax)", ""),
    ],
)
def test_mistakes_name_file_key_and_problem(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert key in err.value.key and problem in err.value.problem
    assert str(path) in str(err.value)


def test_the_photo_memory_budget_is_read(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[storage]\nphoto_memory_mb = 1024\n"), env={})
    assert settings.storage.photo_memory_mb == 1024
    assert load_settings(write(tmp_path, ""), env={}).storage.photo_memory_mb == 512


def test_the_workers_claims_are_read(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[workers]\nclaim_seconds = 10\nchats = 8\n"), env={})
    assert (settings.workers.claim_seconds, settings.workers.chats) == (10, 8)
    assert load_settings(write(tmp_path, ""), env={}).workers.claim_seconds == 30


def test_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[campaign]\ntimezone = "Mars/Olympus"\n')
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(path), "export",
                           "--out", str(tmp_path / "x.csv")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "timezone" in done.stderr and "Traceback" not in done.stderr
