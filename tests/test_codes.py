"""Guessing an invite or link code does not pay: wrong codes are counted per account and per
channel, invites expire, and every wrong or refused code is in the audit log."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from handlers.settings import JoinSettings
from storage import users
from tests.world import World, configure


async def actions(world: World) -> list[tuple[str, dict[str, object]]]:
    rows = await world.app.db.fetchall("SELECT action, detail FROM audit WHERE action LIKE 'code.%' "
                                       "ORDER BY id")
    return [(r[0], json.loads(r[1])) for r in rows]


async def test_five_wrong_codes_then_even_a_right_one_waits_an_hour(world: World) -> None:
    guesser = world.stranger("666")
    for attempt in ("AAAA2222", "AAAA3333", "AAAA4444", "AAAA5555", "AAAA6666"):
        await guesser.say(f"/start {attempt}")
        assert "không đúng" in guesser.text
    good = await world.invite("MTU01", "volunteer")

    await guesser.say(f"/start {good}")

    assert "Hãy chờ 60 phút" in guesser.text
    assert await users.find(world.app.db, "test", "666") is None  # the code was not even looked up
    logged = await actions(world)
    assert [a for a, _ in logged] == ["code.wrong"] * 5 + ["code.refused"]
    assert logged[0][1] == {"channel": "test", "account": "666", "code": "AAAA2222"}
    assert logged[-1][1]["why"] == "account"
    # Someone else is not held back by this one's guesses.
    other = world.stranger("777")
    await other.say(f"/start {await world.invite('MTU01', 'volunteer')}")
    assert "tham gia" in other.text

    world.clock.advance(timedelta(minutes=30))
    await guesser.say(f"/start {good}")
    assert "Hãy chờ 30 phút" in guesser.text
    world.clock.advance(timedelta(minutes=30, seconds=1))
    await guesser.say(f"/start {good}")
    assert "tham gia" in guesser.text


async def test_link_codes_count_as_well(world: World) -> None:
    lan = await world.person("10", "MTU01")
    for attempt in ("BBB222", "BBB333", "BBB444", "BBB555", "BBB666"):
        await lan.say(f"/lienket {attempt}")
        assert "không đúng" in lan.text
    await lan.say("/lienket BBB777")
    assert "Hãy chờ" in lan.text
    stranger = world.stranger("666")
    for attempt in ("CCC222", "CCC333", "CCC444", "CCC555", "CCC666", "CCC777"):
        await stranger.say(f"/lienket {attempt}")
    assert "Hãy chờ" in stranger.text
    logged = await actions(world)
    assert [a for a, _ in logged].count("code.refused") == 2


async def test_many_accounts_guessing_on_one_channel_pause_codes_there(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    configure(world, join=JoinSettings(wrong_codes_per_channel_hour=12))
    with caplog.at_level(logging.WARNING):
        for n in range(14):
            await world.stranger(f"9{n:02d}").say(f"/start WRONG{n:03d}")
    good = await world.invite("MTU01", "volunteer")
    late = world.stranger("888")

    await late.say(f"/start {good}")

    assert "tạm dừng" in late.text
    alerts = [r.getMessage() for r in caplog.records if "someone may be guessing" in r.getMessage()]
    assert alerts == ["12 wrong codes on test in an hour, from many accounts: someone may be "
                      "guessing; codes on that channel wait until the count falls"]
    world.clock.advance(timedelta(hours=1, seconds=1))
    await late.say(f"/start {good}")
    assert "tham gia" in late.text


async def test_an_invite_expires_after_its_days(world: World) -> None:
    code = await world.invite("MTU01", "volunteer")
    world.clock.advance(timedelta(days=30, seconds=1))
    late = world.stranger("555")

    await late.say(f"/start {code}")

    assert f"Mã mời “{code}” đã hết hạn ngày" in late.text
    assert await users.find(world.app.db, "test", "555") is None
    assert [a for a, _ in await actions(world)] == ["code.expired"]
    # An expired code is a real one come late, not a guess: it does not count against the person.
    fresh = await world.invite("MTU01", "volunteer")
    await late.say(f"/start {fresh}")
    assert "tham gia" in late.text
