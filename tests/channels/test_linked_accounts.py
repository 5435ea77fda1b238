"""/lienket: one person's accounts on two channels, linked by a one-time code."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.settings import ReviewSettings
from handlers.types import Incoming, IncomingFile, Reply, parse_command
from storage import account_links, audit, units, users
from tests.images import jpeg
from tests.world import World, configure


async def say(world: World, channel: str, user_id: str, text: str, name: str = "Lan") -> list[Reply]:
    command, args = parse_command(text)
    return await world.app.core.handle(Incoming(channel=channel, user_id=user_id, display_name=name,
                                                text=text, command=command, args=args))


async def join(world: World, channel: str, user_id: str, unit: str, role: str, name: str = "Lan") -> None:
    code = await world.invite(unit, role)
    replies = await say(world, channel, user_id, f"/start {code}", name)
    assert "Bạn đã tham gia" in replies[0].text


async def code_for(world: World, channel: str, user_id: str) -> str:
    replies = await say(world, channel, user_id, "/lienket")
    found = re.search(r"Mã liên kết: (\w+)", replies[0].text)
    assert found, replies[0].text
    return found.group(1)


async def test_a_stranger_on_zalo_joins_with_a_code_from_telegram(world: World) -> None:
    await join(world, "telegram", "1001", "MTU", "officer", name="Bình")
    code = await code_for(world, "telegram", "1001")
    replies = await say(world, "zalo", "ab12cd34ef", f"/lienket {code}", name="Bình Zalo")
    assert "đã được liên kết với tài khoản Telegram" in replies[0].text
    assert "cán bộ phụ trách của Huyện Mỹ Tú" in replies[0].text
    # The code's owner is told on their own channel.
    assert replies[1].to == ("telegram", "1001") and "Bình Zalo" in replies[1].text
    tg = await users.find(world.app.db, "telegram", "1001")
    zl = await users.find(world.app.db, "zalo", "ab12cd34ef")
    assert tg is not None and zl is not None
    assert (zl.role, zl.unit_id) == (tg.role, tg.unit_id)
    person_of = account_links.person_of
    assert await person_of(world.app.db, zl.id) == await person_of(world.app.db, tg.id) == tg.id
    assert [a.id for a in await account_links.accounts(world.app.db, zl.id)] == [tg.id, zl.id]
    # The new account works as an officer's at once, within the same unit.
    status = await say(world, "zalo", "ab12cd34ef", "/tiendo")
    assert "Huyện Mỹ Tú" in status[0].text
    assert [e["action"] for e in await audit.entries(world.app.db, "user", zl.id)] == ["user.join"]
    # A code is used once.
    again = await say(world, "zalo", "ff00ff00", f"/lienket {code}")
    assert "không đúng, đã dùng hoặc đã hết hạn" in again[0].text
    assert await users.find(world.app.db, "zalo", "ff00ff00") is None


async def test_two_joined_accounts_are_linked_and_keep_their_own_scope(world: World) -> None:
    await join(world, "telegram", "1001", "MTU01", "volunteer")
    await join(world, "zalo", "abcdef", "KSA01", "volunteer")
    code = await code_for(world, "zalo", "abcdef")
    replies = await say(world, "telegram", "1001", f"/lienket {code}")
    assert "Đã liên kết tài khoản Telegram này với tài khoản Zalo" in replies[0].text
    assert replies[1].to == ("zalo", "abcdef")
    tg = await users.find(world.app.db, "telegram", "1001")
    zl = await users.find(world.app.db, "zalo", "abcdef")
    assert tg is not None and zl is not None
    person_of = account_links.person_of
    assert await person_of(world.app.db, tg.id) == await person_of(world.app.db, zl.id)
    mtu01 = await units.by_code(world.app.db, "MTU01")
    assert mtu01 is not None and tg.unit_id == mtu01.id and zl.unit_id != tg.unit_id
    # Each account still reports only in its own area.
    outside = await say(world, "zalo", "abcdef", "/baocao MH-001")
    assert "không thuộc" in outside[0].text
    listing = await say(world, "telegram", "1001", "/lienket")
    assert "Đã liên kết với: Zalo (Lan)" in listing[0].text
    code = await code_for(world, "zalo", "abcdef")
    already = await say(world, "telegram", "1001", f"/lienket {code}")
    assert "đã được liên kết từ trước" in already[0].text


async def test_wrong_old_expired_own_and_same_channel_codes_are_refused(world: World) -> None:
    await join(world, "telegram", "1001", "MTU01", "volunteer")
    await join(world, "telegram", "1002", "MTU01", "volunteer", name="Hoa")
    await join(world, "zalo", "abcdef", "MTU01", "volunteer")
    wrong = await say(world, "zalo", "abcdef", "/lienket ZZZZ9999")
    assert "“ZZZZ9999” không đúng" in wrong[0].text
    old = await code_for(world, "telegram", "1001")
    new = await code_for(world, "telegram", "1001")
    assert "không đúng" in (await say(world, "zalo", "abcdef", f"/lienket {old}"))[0].text
    assert "của chính tài khoản này" in (await say(world, "telegram", "1001", f"/lienket {new}"))[0].text
    same = await say(world, "telegram", "1002", f"/lienket {new}")
    assert "được tạo trên Telegram" in same[0].text
    world.clock.advance(timedelta(minutes=16))
    late = await say(world, "zalo", "abcdef", f"/lienket {new.lower()}")
    assert "đã hết hạn" in late[0].text
    tg = await users.find(world.app.db, "telegram", "1001")
    assert tg is not None and [a.id for a in await account_links.accounts(world.app.db, tg.id)] == [tg.id]


async def test_a_disabled_accounts_code_does_nothing(world: World) -> None:
    await join(world, "telegram", "1001", "MTU", "officer")
    code = await code_for(world, "telegram", "1001")
    tg = await users.find(world.app.db, "telegram", "1001")
    assert tg is not None
    async with world.app.db.transaction():
        await users.set_status(world.app.db, tg.id, "disabled")
    replies = await say(world, "zalo", "abcdef", f"/lienket {code}")
    assert "không đúng" in replies[0].text and await users.find(world.app.db, "zalo", "abcdef") is None
    strangers = await say(world, "zalo", "abcdef", "/lienket")
    assert "mã mời" in strangers[0].text  # without a code a stranger is told how to join


async def test_a_link_made_by_someone_else_is_undone_and_their_account_shut(world: World) -> None:
    await join(world, "telegram", "1001", "MTU", "officer", name="Bình")
    code = await code_for(world, "telegram", "1001")
    # Someone who saw the code joins with it from Zalo; the officer is told...
    told = await say(world, "zalo", "bad0bad0", f"/lienket {code}", name="Lạ")
    assert "/lienket bo" in told[1].text
    # ...and takes the link apart.
    replies = await say(world, "telegram", "1001", "/lienket bo", name="Bình")
    assert "Đã gỡ liên kết với: Zalo (Lạ)" in replies[0].text
    assert "không còn dùng được bot" in replies[0].text
    assert replies[1].to == ("zalo", "bad0bad0") and "/start" in replies[1].text
    tg = await users.find(world.app.db, "telegram", "1001")
    zl = await users.find(world.app.db, "zalo", "bad0bad0")
    assert tg is not None and zl is not None and zl.status == "disabled"
    assert [a.id for a in await account_links.accounts(world.app.db, tg.id)] == [tg.id]
    assert [e["action"] for e in await audit.entries(world.app.db, "user", zl.id)] == ["user.join",
                                                                                      "user.unlink"]
    # The stranger sees nothing of the district any more.
    shut = await say(world, "zalo", "bad0bad0", "/tiendo", name="Lạ")
    assert "tạm khóa" in shut[0].text and "Mỹ Tú" not in shut[0].text
    # Nothing left to undo.
    again = await say(world, "telegram", "1001", "/link remove", name="Bình")
    assert "chưa liên kết" in again[0].text


async def test_unlinking_two_invited_accounts_keeps_both(world: World) -> None:
    await join(world, "telegram", "1001", "MTU01", "volunteer")
    await join(world, "zalo", "abcdef", "KSA01", "volunteer")
    code = await code_for(world, "zalo", "abcdef")
    await say(world, "telegram", "1001", f"/lienket {code}")
    replies = await say(world, "zalo", "abcdef", "/lienket bỏ")
    assert "Đã gỡ liên kết với: Telegram (Lan)" in replies[0].text
    assert "không còn dùng được" not in replies[0].text
    assert replies[1].to == ("telegram", "1001") and "giữ nguyên" in replies[1].text
    for channel, uid in (("telegram", "1001"), ("zalo", "abcdef")):
        account = await users.find(world.app.db, channel, uid)
        assert account is not None and account.status == "active"
        assert [a.id for a in await account_links.accounts(world.app.db, account.id)] == [account.id]
    still = await say(world, "telegram", "1001", "/baocao MH-001")
    assert "không thuộc" not in still[0].text


async def test_a_shut_account_comes_back_with_a_fresh_invite(world: World) -> None:
    await join(world, "telegram", "1001", "MTU01", "volunteer")
    code = await code_for(world, "telegram", "1001")
    await say(world, "zalo", "abcdef", f"/lienket {code}")
    await say(world, "telegram", "1001", "/lienket bo")
    wrong = await say(world, "zalo", "abcdef", "/start NOPE1234")
    assert "NOPE1234" in wrong[0].text
    invite = await world.invite("KSA01", "volunteer")
    back = await say(world, "zalo", "abcdef", f"/start {invite}")
    assert "Bạn đã tham gia" in back[0].text
    zl = await users.find(world.app.db, "zalo", "abcdef")
    ksa01 = await units.by_code(world.app.db, "KSA01")
    assert zl is not None and ksa01 is not None and (zl.status, zl.unit_id) == ("active", ksa01.id)
    assert [e["action"] for e in await audit.entries(world.app.db, "user", zl.id)][-1] == "user.rejoin"


async def linked_pair(world: World, unit: str, role: str, name: str, zalo_name: str) -> None:
    """Telegram 1001 joined by invite; Zalo abcdef joined with a code made on it."""
    await join(world, "telegram", "1001", unit, role, name=name)
    code = await code_for(world, "telegram", "1001")
    await say(world, "zalo", "abcdef", f"/lienket {code}", name=zalo_name)


async def test_an_officer_cannot_approve_their_own_report_from_their_other_account(world: World) -> None:
    configure(world, review=ReviewSettings(required="all"))
    await linked_pair(world, "MTU01", "officer", "Hải", "Hải Zalo")
    photos = tuple(IncomingFile(data=jpeg(i)) for i in (1, 2))
    filed = await world.app.core.handle(Incoming(channel="telegram", user_id="1001", display_name="Hải",
                                                 text="MH-001 hoàn thành", files=photos))
    assert "Đã nhận báo cáo" in filed[0].text
    review = await say(world, "zalo", "abcdef", "/duyet", name="Hải Zalo")
    assert "Không có báo cáo nào chờ duyệt" in review[0].text
    assert (await world.house("MH-001")).stage == 0


async def test_officers_see_a_linked_volunteer_under_one_name(world: World) -> None:
    await linked_pair(world, "MTU01", "volunteer", "Nguyễn Thị Lan", "Lan ở Zalo")
    for channel, uid, code, seed in (("telegram", "1001", "MH-001", 1), ("zalo", "abcdef", "MH-001", 3)):
        photos = tuple(IncomingFile(data=jpeg(seed + i)) for i in range(2))
        stage = "khởi công" if channel == "telegram" else "hoàn thành"
        done = await world.app.core.handle(Incoming(channel=channel, user_id=uid, display_name="x",
                                                    text=f"{code} {stage}", files=photos))
        assert "Đã nhận báo cáo" in done[0].text
    await join(world, "telegram", "2002", "MTU", "officer", name="Hùng")
    card = await say(world, "telegram", "2002", "/nha MH-001", name="Hùng")
    text = "\n".join(r.text for r in card)
    assert text.count("Nguyễn Thị Lan") == 2 and "Lan ở Zalo" not in text


async def test_whoever_used_a_stolen_code_cannot_keep_access_by_unlinking_first(world: World) -> None:
    await join(world, "telegram", "1001", "MTU", "officer", name="Bình")
    code = await code_for(world, "telegram", "1001")
    await say(world, "zalo", "bad0bad0", f"/lienket {code}", name="Lạ")
    replies = await say(world, "zalo", "bad0bad0", "/lienket bo", name="Lạ")
    assert "không dùng được bot nữa" in replies[0].text
    assert replies[1].to == ("telegram", "1001") and "giữ nguyên" in replies[1].text
    zl = await users.find(world.app.db, "zalo", "bad0bad0")
    tg = await users.find(world.app.db, "telegram", "1001")
    assert zl is not None and zl.status == "disabled" and tg is not None and tg.status == "active"
    shut = await say(world, "zalo", "bad0bad0", "/nha MH-001", name="Lạ")
    assert "tạm khóa" in shut[0].text and "Nguyễn Văn An" not in shut[0].text
