"""Claims on chats in the shared inbox, on both databases: one worker a chat, expiry, the fence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from handlers.clock import FixedClock
from handlers.types import IncomingFile
from storage import claims, inbox, updates
from storage.claims import ClaimLost
from tests.images import jpeg
from tests.world import START, Person, World

TTL = timedelta(seconds=30)


@pytest.fixture
async def other(world: World, tmp_path: Path) -> AsyncIterator[App]:
    """A second process on the same database, with a clock of its own."""
    app = await App.open(world.app.settings, clock=FixedClock(START), database=world.target(tmp_path),
                         media_dir=tmp_path / "media")
    yield app
    await app.close()


async def receive(world: World, *items: tuple[str, str]) -> None:
    """A receiver stores updates (key, chat) for the workers."""
    await inbox.store(world.app.db, "telegram", [(key, "{}") for key, _ in items], world.app.ctx.stamp(),
                      [chat for _, chat in items])


async def test_a_chat_is_claimed_by_one_worker_until_its_claim_expires(world: World, other: App) -> None:
    await receive(world, ("tg:1", "100"), ("tg:2", "200"), ("tg:3", "100"))
    db, now = world.app.db, world.clock.now()
    assert await claims.free_chats(db, "telegram", now, 10) == ["100", "200"]  # first arrival first

    mine = await claims.claim(db, "telegram", ["100"], "a", now, now + TTL)
    assert [c.chat for c in mine] == ["100"]
    # The other worker sees only the chat nobody holds, and cannot take the held one.
    assert await claims.free_chats(other.db, "telegram", now, 10) == ["200"]
    assert await claims.claim(other.db, "telegram", ["100"], "b", now, now + TTL) == []
    assert await claims.waiting(db, "telegram", "a") == [("100", "tg:1"), ("100", "tg:3")]

    # Renewed, it holds past its first expiry; not renewed, another takes it.
    assert await claims.renew(db, "telegram", "a", now + 2 * TTL) == {mine[0].token}
    later = now + TTL + timedelta(seconds=1)
    assert await claims.claim(other.db, "telegram", ["100"], "b", later, later + TTL) == []
    much_later = now + 2 * TTL + timedelta(seconds=1)
    taken = await claims.claim(other.db, "telegram", ["100"], "b", much_later, much_later + TTL)
    assert len(taken) == 1 and taken[0].token != mine[0].token
    assert await claims.renew(db, "telegram", "a", much_later + TTL) == set()  # a learns it lost it


async def test_a_worker_claims_many_chats_at_once_but_not_one_held(world: World, other: App) -> None:
    """A burst's first look claims every chat with updates waiting: each free one gets a claim of
    its own; one another worker holds stays with it."""
    await receive(world, *[(f"tg:{i}", str(100 + i)) for i in range(5)])
    db, now = world.app.db, world.clock.now()
    [held] = await claims.claim(other.db, "telegram", ["102"], "b", now, now + TTL)
    made = await claims.claim(db, "telegram", ["100", "101", "102", "103", "104", "100"], "a", now, now + TTL)
    assert [c.chat for c in made] == ["100", "101", "103", "104"]
    assert len({c.token for c in made} | {held.token}) == 5
    assert await claims.renew(db, "telegram", "a", now + TTL) == {c.token for c in made}
    assert await claims.renew(other.db, "telegram", "b", now + TTL) == {held.token}
    assert [chat for chat, _ in await claims.waiting(db, "telegram", "a")] == ["100", "101", "103", "104"]


async def test_release_keeps_the_chat_while_updates_wait(world: World) -> None:
    db, now = world.app.db, world.clock.now()
    await receive(world, ("tg:1", "100"))
    [claim] = await claims.claim(db, "telegram", ["100"], "a", now, now + TTL)
    with claims.working_under(claim):
        async with db.transaction():
            await updates.mark(db, ["tg:1"], world.app.ctx.stamp())
    await receive(world, ("tg:2", "100"))  # arrived while tg:1 was being handled
    assert await claims.release(db, claim) == 1
    assert await claims.waiting(db, "telegram", "a") == [("100", "tg:2")]
    with claims.working_under(claim):
        async with db.transaction():
            await updates.mark(db, ["tg:2"], world.app.ctx.stamp())
    assert await claims.release(db, claim) == 0
    assert await claims.free_chats(db, "telegram", now, 10) == []
    assert await db.scalar("SELECT count(*) FROM inbox_waiting") == 0
    assert await db.scalar("SELECT count(*) FROM chat_claims") == 0


async def test_release_of_a_claim_taken_over_leaves_the_updates_to_the_new_holder(
        world: World, other: App) -> None:
    db, now = world.app.db, world.clock.now()
    await receive(world, ("tg:1", "100"))
    [stale] = await claims.claim(db, "telegram", ["100"], "a", now, now + TTL)
    later = now + TTL + timedelta(seconds=1)
    [taken] = await claims.claim(other.db, "telegram", ["100"], "b", later, later + TTL)
    assert await claims.release(db, stale) == 0  # nothing of it is a's to handle now
    assert await claims.renew(other.db, "telegram", "b", later + TTL) == {taken.token}
    assert await claims.waiting(other.db, "telegram", "b") == [("100", "tg:1")]


async def test_a_redelivered_update_waits_for_nobody(world: World) -> None:
    person = await world.person("7", "MTU01")
    await person.say("/giup", update_key="tg:5")
    await receive(world, ("tg:5", "7"))
    assert await claims.free_chats(world.app.db, "telegram", world.clock.now(), 10) == []


async def report(person: Person, keys: tuple[str, ...], *seeds: int) -> str:
    """An album: one update a photo, the caption on the first."""
    replies = await person.send(person._incoming(text="MH-003 hoàn thành", update_keys=keys,
                                                 files=files(*seeds)))
    return "\n".join(r.text for r in replies)


async def test_a_worker_whose_claim_was_taken_over_cannot_commit_a_second_report(
        world: World, other: App) -> None:
    """Worker A stalls past its claim's expiry in the middle of an album; worker B takes the chat
    and handles the two photos of the album that had arrived; A's commit of the whole album is
    then refused, so its photos do not make a second report."""
    db, now = world.app.db, world.clock.now()
    lan = await world.person("7", "MTU01")
    await receive(world, ("tg:10", "7"), ("tg:11", "7"), ("tg:12", "7"))
    [a_claim] = await claims.claim(db, "telegram", ["7"], "a", now, now + TTL)

    later = now + TTL + timedelta(seconds=1)
    other.ctx.clock.set(later)  # type: ignore[attr-defined]
    [b_claim] = await claims.claim(other.db, "telegram", ["7"], "b", later, later + TTL)
    b_lan = Person(World(other, other.ctx.clock), "7", "Lan")  # type: ignore[arg-type]
    with claims.working_under(b_claim):
        assert "Đã nhận báo cáo số 1" in await report(b_lan, ("tg:10", "tg:11"), 1, 2)

    with claims.working_under(a_claim), pytest.raises(ClaimLost):
        await report(lan, ("tg:10", "tg:11", "tg:12"), 1, 2, 3)
    assert await db.scalar("SELECT count(*) FROM reports") == 1
    assert await db.scalar("SELECT count(*) FROM photos") == 2
    assert await db.scalar("SELECT count(*) FROM handled_updates WHERE key = 'tg:12'") == 0


def files(*seeds: int) -> tuple[IncomingFile, ...]:
    return tuple(IncomingFile(data=jpeg(s), as_document=False, filename=f"anh{s}.jpg") for s in seeds)


async def test_the_holder_of_the_claim_commits(world: World) -> None:
    db, now = world.app.db, world.clock.now()
    lan = await world.person("7", "MTU01")
    await receive(world, ("tg:10", "7"), ("tg:11", "7"))
    [claim] = await claims.claim(db, "telegram", ["7"], "a", now, now + TTL)
    with claims.working_under(claim):
        assert "Đã nhận báo cáo số 1" in await report(lan, ("tg:10", "tg:11"), 1, 2)
    assert await claims.release(db, claim) == 0


async def test_updates_a_single_process_left_are_queued_for_the_workers(world: World) -> None:
    await inbox.store(world.app.db, "telegram", [("tg:1", "{}"), ("tg:2", "{}")], world.app.ctx.stamp())
    await receive(world, ("tg:3", "9"))
    assert await claims.unqueued(world.app.db, "telegram") == [("tg:1", "{}"), ("tg:2", "{}")]
