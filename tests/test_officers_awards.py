"""/khenthuong and the [awards] tiers: how many may be proposed, and who finished on time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from handlers.settings import AwardSettings, CampaignSettings, Deadline
from tests.world import START, World, add_units, build_world, configure, set_stage

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = Deadline("Hoàn thành trước 31/8", date(2026, 8, 31), 2, "", ("officers",), (7,), time(8))


@pytest.mark.parametrize(
    ("quota", "collectives", "individuals"),
    [(0, 2, 1), (39, 2, 1), (40, 2, 2), (49, 2, 2), (50, 2, 3), (99, 2, 3), (100, 3, 4), (199, 3, 4),
     (200, 4, 7), (299, 4, 7), (300, 4, 9), (1200, 4, 9)],
)
def test_default_tiers_give_each_boundary_to_the_higher_tier(quota: int, collectives: int,
                                                             individuals: int) -> None:
    rules = AwardSettings()
    allowed = (rules.allowed("collective", quota), rules.allowed("individual", quota))
    assert allowed == (collectives, individuals)


def test_the_example_config_writes_out_the_default_tiers() -> None:
    settings = load_settings(ROOT / "config.example.toml", env={})
    assert settings.awards == AwardSettings()


@pytest.mark.parametrize(
    ("tiers", "key", "problem"),
    [
        ("min_quota = 1\ncount = 2\n", "#1] min_quota", "start at 0"),
        ("min_quota = 0\nmax_quota = 99\ncount = 2\n[[awards.collective]]\nmin_quota = 99\ncount = 3\n",
         "#2] min_quota", "must be 100"),
        ("min_quota = 0\nmax_quota = 99\ncount = 2\n[[awards.collective]]\nmin_quota = 120\ncount = 3\n",
         "#2] min_quota", "no gap"),
        ("min_quota = 0\nmax_quota = 99\ncount = 2\n", "#1] max_quota", "last tier"),
        ("min_quota = 0\ncount = -1\n", "#1] count", "0 or more"),
        ("min_quota = 0\ncount = 2\ncuont = 3\n", "cuont", "unknown key"),
        ("min_quota = 0\n", "#1] count", "required"),
    ],
)
def test_tier_mistakes_name_the_file_and_key(tmp_path: Path, tiers: str, key: str, problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[[awards.collective]]\n" + tiers, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    assert "awards.collective" in err.value.key and key in err.value.key
    assert problem in err.value.problem and str(path) in str(err.value)


@pytest.fixture
async def world(tmp_path: Path, database: str | Path) -> AsyncIterator[World]:
    w = await build_world(tmp_path, database=database if isinstance(database, str) else None)
    # Small quotas, so a district can finish: Mỹ Tú 2 (houses MH-001, MH-002), Kế Sách 1 (AL-001).
    await add_units(w, ("MTU", "Huyện Mỹ Tú", "ST", 2), ("KSA", "Huyện Kế Sách", "ST", 1))
    configure(w, campaign=CampaignSettings(deadlines=(COMPLETE,)))
    yield w
    await w.app.close()


async def test_counts_per_district_and_who_finished_on_time(world: World) -> None:
    await set_stage(world, "MH-001", 2, START + timedelta(days=5))
    await set_stage(world, "MH-002", 3, START + timedelta(days=9))   # completed and handed over on 29/8
    await set_stage(world, "AL-001", 2, START + timedelta(days=12))  # 01/9: a day late
    hai = await world.person("50", "ST", role="officer")

    await hai.say("/khenthuong")
    assert "⏳ chưa xong, chưa đến hạn" in hai.text  # on 20/8 nothing is complete yet

    world.clock.set(START + timedelta(days=20))
    await hai.say("/khenthuong")
    text = hai.text
    assert "hoàn thành đủ chỉ tiêu chậm nhất ngày 31/08/2026" in text
    assert "Huyện Kế Sách: chỉ tiêu 1 → 2 tập thể, 1 cá nhân · đạt 100,0% · ❌ không kịp hạn" in text
    assert "Huyện Mỹ Tú: chỉ tiêu 2 → 2 tập thể, 1 cá nhân · đạt 100,0% · ✅ đúng hạn" in text
    assert "Tổng: 4 tập thể, 2 cá nhân." in text


async def test_configured_tiers_and_a_unit_without_quota(world: World) -> None:
    await add_units(world, ("MTU", "Huyện Mỹ Tú", "ST", 150), ("CLD", "Huyện Cù Lao Dung", "ST", None))
    await set_stage(world, "MH-001", 3, START - timedelta(days=1))
    rules = load_settings(ROOT / "config.example.toml", env={}).awards
    configure(world, awards=rules)
    hai = await world.person("50", "ST", role="officer")
    await hai.say("/awards")
    assert "Huyện Mỹ Tú: chỉ tiêu 150 → 3 tập thể, 4 cá nhân · đạt 0,7%" in hai.text
    assert "Huyện Cù Lao Dung: chưa giao chỉ tiêu, chưa xét" in hai.text


async def test_a_commune_officer_sees_their_own_unit(world: World) -> None:
    hai = await world.person("50", "MTU01", role="officer")
    await hai.say("/khenthuong")
    assert "1. Xã Mỹ Hương: chỉ tiêu 25 → 2 tập thể, 1 cá nhân" in hai.text
