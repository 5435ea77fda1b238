"""The examples the bot gives are house codes of the person's own unit, never a made-up code."""

from __future__ import annotations

from storage import units
from tests.images import jpeg
from tests.world import World


async def test_each_unit_is_shown_a_code_of_its_own(world: World) -> None:
    sa = await world.person("11", "KSA01", name="Sa")
    await sa.say("/baocao")
    assert "ví dụ AL-001" in sa.text
    await sa.photos(jpeg(1), caption="AL-001 khởi công")
    await sa.say("/baocao")                            # her recent house is offered as choice 1
    await sa.say("7")                                  # no such choice: the question again
    assert "ví dụ AL-001" in sa.text
    assert [c.label for c in sa.last[-1].choices] == ["AL-001 – Thạch Thị Sa", "Hủy"]
    ksa = await world.person("51", "KSA", role="officer", name="Khánh")
    await ksa.say("/nha")
    assert "/nha AL-001" in ksa.text
    await ksa.say("/sua")
    assert "/sua AL-001" in ksa.text
    st = await world.person("52", "ST", role="officer", name="Tâm")   # the province: a unit below it
    await st.say("/nha")
    assert "/nha MH-001" in st.text


async def test_a_unit_with_no_houses_yet_is_given_no_example(world: World) -> None:
    async with world.app.db.transaction():
        await units.upsert(world.app.db, "KSA02", "Xã Thới An Hội", "KSA", 10)
    lan = await world.person("12", "KSA02")
    await lan.say("/baocao")
    assert lan.text.startswith("Báo cáo nhà nào? Gửi mã nhà hoặc") and "ví dụ" not in lan.text
    hoa = await world.person("53", "KSA02", role="officer", name="Hoa")
    await hoa.say("/nha")
    assert hoa.text == "Gõ /nha kèm mã nhà hoặc tên chủ hộ."
    await hoa.say("/sua")
    assert "ví dụ" not in hoa.text and hoa.text.startswith("Gõ /sua kèm mã nhà")
