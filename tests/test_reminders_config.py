"""The [reminders] settings: documented defaults, and mistakes that name the file and the key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from handlers.settings import RemindersSettings

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_documents_the_defaults() -> None:
    s = load_settings(ROOT / "config.example.toml", env={})
    assert s.reminders == RemindersSettings()
    assert (s.reminders.quiet_start, s.reminders.quiet_end) == (time(21, 0), time(7, 0))
    assert s.reminders.digest_time == time(17, 0) and s.reminders.grace_hours == 12


def test_settings_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[reminders]\nquiet_start = "22:30"\nquiet_end = "06:00"\nstale_days = 0\n'
                           'digest_time = ""\ngrace_hours = 2\nrate_per_second = 20\nstale_time = "07:15"\n')
    r = load_settings(path, env={}).reminders
    assert r == RemindersSettings(quiet_start=time(22, 30), quiet_end=time(6, 0), stale_days=0,
                                  stale_time=time(7, 15), digest_time=None, grace_hours=2, rate_per_second=20)


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[reminders]\nquiet_start = "9pm"\n', "[reminders] quiet_start", "HH:MM"),
        ('[reminders]\ndigest_time = "5h"\n', "[reminders] digest_time", "HH:MM"),
        ("[reminders]\nrate_per_second = 100\n", "[reminders] rate_per_second", "1 to 30"),
        ("[reminders]\ngrace_hours = -1\n", "[reminders] grace_hours", "0 to 72"),
        ('[reminders]\nstale_days = "7"\n', "[reminders] stale_days", "whole number"),
        ("[reminders]\nquiet_hours = 1\n", "[reminders] quiet_hours", "unknown key"),
        ('[[campaign.deadlines]]\nname = "A"\ndate = 2026-09-02\n[[campaign.deadlines]]\nname = "A"\n'
         'date = 2026-09-09\n', "[campaign.deadlines #2] name", "used twice"),
    ],
)
def test_mistakes_name_file_key_and_problem(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert err.value.key == key and problem in err.value.problem
    assert str(path) in str(err.value)
