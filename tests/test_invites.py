"""Officers invite from the chat (/moi): personal and group codes, as a QR picture; revoking; the
refusals that store nothing; every step in the audit log."""

from __future__ import annotations

import json
from datetime import date, timedelta

import segno
from PIL import Image

from handlers.invite import group_limits
from handlers.invite_picture import Card, draw_card, qr_layout
from handlers.settings import TelegramSettings
from storage import invites, users
from tests.world import World, configure

LINK = "https://t.me/chungtay_bot?start=ABCD2345"


async def actions(world: World, code: str) -> list[str]:
    rows = await world.app.db.fetchall(
        "SELECT action FROM audit WHERE entity = 'invite' AND entity_id = ? ORDER BY id", (code,))
    return [r[0] for r in rows]


def code_of(text: str) -> str:
    return text.split(":")[0].split()[-1]


def test_the_drawn_qr_modules_are_segnos_for_the_link() -> None:
    """segno cannot decode, so this checks the drawing: every module of the picture, sampled at its
    centre, is dark exactly where segno's own symbol for the link is. That the symbol holds the
    link is segno's promise, not asserted here."""
    card = Card(LINK, "ABCD2345", "Xã Mỹ Hương (MTU01)", "Tình nguyện viên", "Đến 27/08/2026", "Mã mời")
    image = draw_card(card)
    left, top, scale, modules = qr_layout(LINK, image.width)
    expected = [list(row) for row in segno.make(LINK, error="m").matrix]
    assert len(expected) == modules
    drawn = [[image.getpixel((left + c * scale + scale // 2, top + r * scale + scale // 2)) < 128
              for c in range(modules)] for r in range(modules)]
    assert drawn == [[bool(v) for v in row] for row in expected]
    # The quiet zone around the symbol is white, so a phone finds its edges.
    assert image.getpixel((left - scale // 2, top - scale // 2)) == 255


def test_group_limits_are_read_and_absurd_ones_refused() -> None:
    today = date(2026, 8, 20)
    assert group_limits("80 30/9", today) == (80, date(2026, 9, 30))
    assert group_limits("30", today) == (30, today + timedelta(days=7))
    assert group_limits("501", today) == "inv_too_many"
    assert group_limits("0", today) == "inv_too_many"
    assert group_limits("10 1/1/2027", today) == "inv_bad_date"
    assert group_limits("nhiều", today) == "inv_bad_limits"
    # Digits that are not ASCII are no day, as they are no number anywhere else.
    assert group_limits("80 ٣٠/٩", today) == "inv_bad_limits"


async def test_a_group_code_for_a_meeting_then_revoked(world: World) -> None:
    configure(world, telegram=TelegramSettings(bot_username="chungtay_bot"))
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    await minh.say("/moi")
    await minh.press("Xã Mỹ Hương")
    await minh.press("tình nguyện viên")
    await minh.press("Mã nhóm")
    await minh.say("40 30/8")
    reply = minh.last[0]
    code = code_of(reply.text)
    assert f"https://t.me/chungtay_bot?start={code}" in reply.text and "/start " + code in reply.text
    sent = reply  # the core has drawn it after the turn committed
    assert len(sent.images) == 1 and Image.open(sent.images[0]).format == "PNG"
    assert len(sent.text) <= 1024  # fits a photo caption too

    for i in range(30):
        person = world.stranger(f"v{i}")
        await person.say(f"/start {code}")
        assert "Xã Mỹ Hương" in person.text
    found = await invites.find(world.app.db, code)
    assert found is not None and found.uses == 30 and found.max_uses == 40

    await minh.say("/moi ds")
    assert code in minh.text and "30/40" in minh.text
    await minh.say(f"/moi huy {code}")
    assert "30" in minh.text
    late = world.stranger("v31")
    await late.say(f"/start {code}")
    assert "hủy" in late.text
    assert await users.find(world.app.db, "test", "v31") is None
    await minh.say("/moi ds")
    assert code not in minh.text

    # A guesser is slowed down by the same guard as ever; a revoked real code is not a guess.
    guesser = world.stranger("g")
    for attempt in ("AAAA2222", "AAAA3333", "AAAA4444", "AAAA5555", "AAAA6666"):
        await guesser.say(f"/start {attempt}")
    await guesser.say(f"/start {code}")
    assert "chờ" in guesser.text

    steps = await actions(world, code)
    assert steps == ["invite.create", *["invite.used"] * 30, "invite.revoke", "invite.refused"]
    detail = await world.app.db.scalar(
        "SELECT detail FROM audit WHERE action = 'invite.refused' AND entity_id = ?", (code,))
    assert json.loads(detail)["why"] == "revoked"


async def test_a_full_group_code_refuses_the_next_person(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    await minh.say("/moi MTU01")
    await minh.press("tình nguyện viên")
    await minh.press("Mã nhóm")
    await minh.say("2")
    code = code_of(minh.last[0].text)
    assert "chưa biết tên chatbot" in minh.text  # no name known: no link (the picture has the code alone)
    for i in range(2):
        await world.stranger(f"v{i}").say(f"/start {code}")
    third = world.stranger("v3")
    await third.say(f"/start {code}")
    assert "đủ số người" in third.text
    assert await actions(world, code) == ["invite.create", "invite.used", "invite.used", "invite.refused"]


async def test_officer_codes_only_below_and_no_group_for_them(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    await minh.say("/moi MTU")
    labels = [c.label for r in minh.last for c in r.choices]
    assert labels == ["tình nguyện viên"]  # no officer for his own unit
    await minh.say("/moi MTU01")
    await minh.press("cán bộ phụ trách")
    code = code_of(minh.last[0].text)
    found = await invites.find(world.app.db, code)
    assert found is not None and found.kind == "personal" and found.role == "officer"


async def test_bad_input_stores_nothing(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    before = await world.app.db.scalar("SELECT count(*) FROM invites")
    await minh.say("/moi KSA01")  # another district's commune
    assert "Không tìm thấy" in minh.text
    await minh.say("/moi MTU01")
    await minh.press("tình nguyện viên")
    await minh.press("Mã nhóm")
    await minh.say("5000")
    assert "1 đến 500" in minh.text
    assert await world.app.db.scalar("SELECT count(*) FROM invites") == before
    other = await world.invite("KSA01", "volunteer")
    await minh.say(f"/moi huy {other}")
    assert "Không có mã mời" in minh.text
    assert (await invites.find(world.app.db, other)).revoked_at is None  # type: ignore[union-attr]


async def test_an_expired_personal_code_from_the_chat(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    await minh.say("/moi MTU01")
    await minh.press("tình nguyện viên")
    await minh.press("Mã cá nhân")
    code = code_of(minh.last[0].text)
    world.clock.advance(timedelta(days=31))
    late = world.stranger("v1")
    await late.say(f"/start {code}")
    assert "hết hạn" in late.text
