"""One numbering for every list, and a draft with work in it not thrown away by a slip."""

from __future__ import annotations

from bot.channels.console import render
from handlers.turn import numbered
from handlers.types import LOCATION_KEY, Choice, Reply
from storage import houses, units
from tests.images import jpeg
from tests.world import World


async def count(world: World, table: str) -> int:
    return int(await world.app.db.scalar(f"SELECT count(*) FROM {table}"))


def test_cancel_is_0_and_last_and_the_others_keep_their_order() -> None:
    assert numbered(["cancel", "a", "b"]) == [(1, "a"), (2, "b"), (0, "cancel")]
    assert numbered(["a", LOCATION_KEY, "b", "cancel"], hidden=(LOCATION_KEY,)) == [
        (1, "a"), (2, "b"), (0, "cancel")]


def test_the_terminal_numbers_cancel_0_and_last() -> None:
    reply = Reply("Nhà đã đến bước nào?", choices=(Choice("s:1", "Khởi công"), Choice("cancel", "Hủy"),
                                                  Choice("s:2", "Hoàn thành")))
    assert render(reply).splitlines()[1:] == ["  1. Khởi công", "  2. Hoàn thành", "  0. Hủy"]


async def test_0_cancels_and_a_number_on_no_list_shows_the_list_again(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    stages = [c.key for c in lan.last[-1].choices]
    await lan.say("7")  # not on the list: the same question, the same choices
    assert "Chưa rõ bước nào" in lan.text and [c.key for c in lan.last[-1].choices] == stages
    await lan.say("0")
    assert "Đã hủy" in lan.text  # nothing held yet: no question


async def test_2_after_photos_does_not_cancel_the_report(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1), jpeg(2))
    await lan.say("2")  # "Xong" is 1, "Hủy" is 0: 2 is on no list
    assert "Đã hủy" not in lan.text and "Đang chờ ảnh" in lan.text
    await lan.say("1")
    assert "vị trí" in lan.text  # Xong


async def test_dropping_photos_is_asked_once_and_can_be_taken_back(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1), jpeg(2), jpeg(3))
    await lan.say("0")
    assert lan.text == "Bỏ báo cáo nhà MH-001 với 3 ảnh?"
    assert [(c.key, c.label) for c in lan.last[-1].choices] == [("drop", "Bỏ"), ("keep", "Không, tiếp tục")]
    await lan.say("5")  # neither: the question again
    assert "Bỏ báo cáo nhà MH-001 với 3 ảnh?" in lan.text
    await lan.say("0")  # no, go on: back where it was, the photos kept
    assert "Tiếp tục báo cáo" in lan.text and "Đang chờ ảnh nhà MH-001" in lan.text
    await lan.say("1")  # Xong
    await lan.say("ghi chú: đã lợp mái")
    await lan.press("Hủy")
    assert "với 3 ảnh và ghi chú" in lan.text
    await lan.press("Bỏ")
    assert "Đã hủy" in lan.text and await count(world, "reports") == 0
    await lan.say("xong")
    assert "/baocao" in lan.text


async def test_photos_sent_instead_of_an_answer_join_the_report(world: World) -> None:
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao MH-001")
    await lan.press("Hoàn thành")
    await lan.photos(jpeg(1))
    await lan.say("/huy")
    await lan.photos(jpeg(2))
    assert "Đã nhận 2 ảnh" in lan.text


async def test_0_cancels_at_the_house_question_too_and_a_digits_only_code_is_still_found(
        world: World) -> None:
    """A volunteer with no recent houses is asked for a house with no list but "Hủy": 0 still
    cancels; a number on no list gets the question again, unless it is a house's code."""
    async with world.app.db.transaction():
        unit = await units.by_code(world.app.db, "MTU01")
        assert unit is not None
        await houses.upsert(world.app.db, "7001", unit.id, "Lý Văn Số", "poor", "new", None, None, None)
    lan = await world.person("10", "MTU01")
    await lan.say("/baocao")
    assert [c.key for c in lan.last[0].choices] == ["cancel"]
    asked = lan.text
    await lan.say("7")
    assert lan.text == asked
    await lan.say("7001")
    assert "7001" in lan.text and "Nhà đã đến bước nào" in lan.text
    await lan.say("/huy")
    await lan.say("/baocao")
    await lan.say("0")
    assert "/baocao" in lan.text and await count(world, "reports") == 0
    await lan.say("xin chào")
    assert "Không tìm thấy" not in lan.text  # the dialog is over
