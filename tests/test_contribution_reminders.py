"""The commendation deadline (`kind = "awards"`) and the [support] and [campaign] start settings."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from handlers.settings import SupportSettings
from tests.test_reminders import COMMENDATION, NATIONAL_DAY, Campaign, at, campaign, officer, volunteer

__all__ = ["campaign"]  # the fixture of tests/test_reminders.py, shared

ROOT = Path(__file__).resolve().parent.parent
AWARDS = dataclasses.replace(COMMENDATION, kind="awards")


async def test_officers_are_told_how_many_they_may_propose_and_what_the_file_needs(
        campaign: Campaign) -> None:
    c = campaign
    c.configure(deadlines=(NATIONAL_DAY, AWARDS))
    hung = await officer(c)                     # Mỹ Tú: one commune, Mỹ Hương, quota 25
    tinh = await officer(c, "51", "ST", "Tỉnh")  # the province: Mỹ Tú 40, Kế Sách 60
    lan = await volunteer(c)
    await c.run_at(at(6, 11))
    [text] = c.phones.of(hung)
    assert "Nộp hồ sơ đề nghị khen thưởng" in text and "còn 14 ngày" in text
    assert "Huyện Mỹ Tú (chỉ tiêu 40 nhà) được đề nghị khen thưởng tối đa 2 tập thể và 1 cá nhân." in text
    assert "Mẫu số 08, Nghị định 98/2023/NĐ-CP" in text and "/khenthuong" in text
    [province] = c.phones.of(tinh)
    assert ("Tỉnh Sóc Trăng (chỉ tiêu 100 nhà) được đề nghị khen thưởng tối đa 4 tập thể và 5 cá nhân."
            in province)
    assert c.phones.of(lan) == []
    await c.run_at(at(6, 11, 9))                  # once
    assert len(c.phones.of(hung)) == 1


def test_the_example_config_has_the_support_levels_and_the_awards_deadline() -> None:
    settings = load_settings(ROOT / "config.example.toml", env={})
    assert settings.support == SupportSettings()
    assert settings.campaign.start == date(2024, 4, 13)
    assert [d.kind for d in settings.campaign.deadlines] == ["", "awards"]


@pytest.mark.parametrize(("text", "key", "problem"), [
    ("[support]\nnew_build = 0\n", "[support] new_build", "above 0"),
    ("[support]\nrepair = \"30tr\"\n", "[support] repair", "whole number"),
    ("[support]\nrepiar = 1\n", "[support] repiar", "unknown key"),
    ("[support.merit]\nnew_build = -1\n", "[support.merit] new_build", "above 0"),
    ("[campaign]\nstart = \"13/4/2024\"\n", "[campaign] start", "a date like"),
    ("[[campaign.deadlines]]\nname = \"x\"\ndate = 2026-11-20\nkind = \"khen\"\n", "kind", "awards"),
])
def test_support_and_start_mistakes_name_the_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert key in err.value.key and problem in err.value.problem


def test_a_category_may_have_its_own_levels(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[support]\nnew_build = 60_000_000\n[support.merit]\nnew_build = 80_000_000\n",
                    encoding="utf-8")
    support = load_settings(path, env={}).support
    assert support.standard("merit", "new") == 80_000_000
    assert support.standard("merit", "repair") == 30_000_000
    assert support.standard("poor", "new") == 60_000_000
