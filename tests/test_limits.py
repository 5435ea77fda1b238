"""Every limit on typed text is stated by the same sentence, with the limit of that step."""

from __future__ import annotations

from handlers import limits
from tests.world import World


def said(limit: int, length: int) -> str:
    return f"Quá dài: tối đa {limit} ký tự, bạn đã gửi {length}. Hãy viết ngắn lại."


async def test_a_search_a_reason_and_a_message_over_their_limits(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao " + "nguyen " * 20)              # a search of 140 characters
    assert lan.text == said(limits.QUERY_CHARS, 139)
    await lan.say("x" * (limits.MESSAGE_CHARS + 1))
    assert lan.text == said(4096, 4097)
    hai = await world.person("50", "MTU", role="officer")
    await hai.say("/nha " + "an" * 60)
    assert hai.text == said(100, 120)
    await hai.say("/sua MH-001")
    await hai.press("Hoàn thành")
    await hai.say("y" * (limits.REASON_CHARS + 1))
    assert hai.last[0].text == said(500, 501) and "Gõ lý do sửa" in hai.last[1].text
    await hai.say("/language en")
    await hai.say("/nha " + "an" * 60)
    assert hai.text == "Too long: 100 characters at most, and you sent 120. Please shorten it."
