"""/nguoi: officers see and disable the people of their own area only, never a peer or a superior."""

from __future__ import annotations

import json

from storage import users
from tests.world import World


async def account(world: World, external_id: str) -> int:
    user = await users.find(world.app.db, "test", external_id)
    assert user is not None
    return user.id


async def test_an_officer_lists_and_disables_a_volunteer_with_a_confirmation(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    lan = await world.person("1", "MTU01", name="Lan")
    await world.person("2", "KSA01", name="Sa")
    await minh.say("/nguoi")
    assert "Lan" in minh.text and "MTU01" in minh.text and "0 báo cáo" in minh.text
    assert "Sa" not in minh.text and "Minh" not in minh.text

    lan_id = await account(world, "1")
    await minh.say(f"/nguoi khoa {lan_id}")
    await minh.press("Không")
    assert (await users.get(world.app.db, lan_id)).status == "active"  # type: ignore[union-attr]
    await minh.say(f"/nguoi khoa {lan_id}")
    await minh.press("Khóa")
    assert (await users.get(world.app.db, lan_id)).status == "disabled"  # type: ignore[union-attr]
    await lan.say("/baocao")
    assert "tạm khóa" in lan.text
    await minh.say(f"/nguoi mo {lan_id}")
    assert (await users.get(world.app.db, lan_id)).status == "active"  # type: ignore[union-attr]
    rows = await world.app.db.fetchall(
        "SELECT action, actor_id, detail FROM audit WHERE entity = 'user' AND entity_id = ? "
        "AND action IN ('user.disable', 'user.enable') ORDER BY id", (str(lan_id),))
    minh_id = await account(world, "500")
    assert [(r[0], r[1], json.loads(r[2])["by"]) for r in rows] == [
        ("user.disable", minh_id, "officer"), ("user.enable", minh_id, "officer")]


async def test_nobody_acts_outside_their_subtree_or_above_their_role(world: World) -> None:
    minh = await world.person("500", "MTU", role="officer", name="Minh")
    await world.person("501", "MTU", role="officer", name="Peer")
    await world.person("600", "ST", role="officer", name="Tỉnh")
    await world.person("700", "MTU", role="admin", name="Admin")
    await world.person("2", "KSA01", name="Sa")
    commune = await world.person("800", "MTU01", role="officer", name="Xã")
    for external in ("501", "600", "700", "2", "500"):
        target = await account(world, external)
        await minh.say(f"/nguoi khoa {target}")
        assert "Không có người số" in minh.text, external
        assert minh.last[0].choices == ()
    await minh.say(f"/nguoi khoa {await account(world, '800')}")
    assert [c.label for c in minh.last[0].choices] == ["Khóa", "Không"]  # an officer below: yes
    # A commune officer cannot touch the district officer above.
    await commune.say(f"/nguoi khoa {await account(world, '500')}")
    assert "Không có người số" in commune.text
    statuses = await world.app.db.fetchall("SELECT DISTINCT status FROM users")
    assert [r[0] for r in statuses] == ["active"]


async def test_a_volunteer_cannot_use_it(world: World) -> None:
    lan = await world.person("1", "MTU01", name="Lan")
    await lan.say("/nguoi")
    assert "dành cho cán bộ" in lan.text
