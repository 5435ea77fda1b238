"""A small campaign for handler tests: a province, two districts, communes, houses, people."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import App
from handlers.clock import FixedClock
from handlers.settings import ReportSettings, ReviewSettings, Settings
from handlers.types import Choice, Incoming, IncomingFile, Location, Reply, parse_command
from storage import houses, invites, units
from storage.models import House
from storage.times import to_db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 8, 20, 9, 0, tzinfo=TZ)


@dataclass
class Person:
    world: World
    user_id: str
    name: str
    lang_hint: str = "vi"
    last: list[Reply] = field(default_factory=list)
    channel: str = "test"

    async def send(self, inc: Incoming) -> list[Reply]:
        self.last = await self.world.app.core.handle(inc)
        return self.last

    def _incoming(self, **fields: Any) -> Incoming:
        return Incoming(channel=self.channel, user_id=self.user_id, display_name=self.name,
                        lang_hint=self.lang_hint, **fields)

    async def say(self, text: str, update_key: str | None = None) -> list[Reply]:
        command, args = parse_command(text)
        keys = (update_key,) if update_key else ()
        return await self.send(self._incoming(text=text, command=command, args=args, update_keys=keys))

    async def photos(self, *images: bytes, caption: str = "", as_document: bool = False,
                     names: tuple[str, ...] = (), update_key: str | None = None) -> list[Reply]:
        files = tuple(IncomingFile(data=b, as_document=as_document,
                                   filename=names[i] if i < len(names) else f"anh{i + 1}.jpg")
                      for i, b in enumerate(images))
        keys = (update_key,) if update_key else ()
        return await self.send(self._incoming(text=caption, files=files, update_keys=keys))

    async def location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(self._incoming(location=Location(lat, lon)))

    async def press(self, label_or_key: str) -> list[Reply]:
        """Press a button of the last reply that had buttons, by its label or key."""
        choice = self.button(label_or_key)
        return await self.send(self._incoming(choice=choice.key))

    def button(self, label_or_key: str) -> Choice:
        for reply in reversed(self.last):
            for choice in reply.choices:
                if label_or_key in (choice.key, choice.label):
                    return choice
        raise AssertionError(f"no button {label_or_key!r} in {[r.choices for r in self.last]}")

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


@dataclass
class World:
    app: App
    clock: FixedClock
    # What a config file beside it says in [storage] database: the SQLite file, or the DSN.
    database: str = "world.sqlite"

    def target(self, tmp: Path) -> Path | str:
        """What App.open takes to open the same database again."""
        return self.database if "://" in self.database else tmp / self.database

    async def invite(self, unit_code: str, role: str) -> str:
        unit = await units.by_code(self.app.db, unit_code)
        assert unit is not None
        async with self.app.db.transaction():
            return await invites.create(self.app.db, unit.id, role, self.app.ctx.stamp(),
                                        self.app.settings.join.invite_days)

    async def person(self, user_id: str, unit_code: str, role: str = "volunteer",
                     name: str = "Lan", channel: str = "test") -> Person:
        p = Person(self, user_id, name, channel=channel)
        code = await self.invite(unit_code, role)
        await p.say(f"/start {code}")
        return p

    def stranger(self, user_id: str = "999", lang_hint: str = "vi") -> Person:
        return Person(self, user_id, "Người lạ", lang_hint)

    async def house(self, code: str) -> House:
        house = await houses.by_code(self.app.db, code)
        assert house is not None
        return house


async def build_world(tmp: Path, *, review_required: bool = False, database: str | None = None) -> World:
    """`database`: a PostgreSQL DSN; by default a SQLite file in `tmp`."""
    settings = Settings(report=ReportSettings(),
                        review=ReviewSettings(required="all" if review_required else "flagged"))
    clock = FixedClock(START)
    app = await App.open(settings, clock=clock, database=database or tmp / "world.sqlite",
                         media_dir=tmp / "media")
    db = app.db
    async with db.transaction():
        await units.upsert(db, "ST", "Tỉnh Sóc Trăng", None, 100)
        await units.upsert(db, "MTU", "Huyện Mỹ Tú", "ST", 40)
        await units.upsert(db, "KSA", "Huyện Kế Sách", "ST", 60)
        await units.upsert(db, "MTU01", "Xã Mỹ Hương", "MTU", 25)
        await units.upsert(db, "KSA01", "Xã An Lạc Tây", "KSA", 30)
        mh = (await units.by_code(db, "MTU01")).id  # type: ignore[union-attr]
        al = (await units.by_code(db, "KSA01")).id  # type: ignore[union-attr]
        await houses.upsert(db, "MH-001", mh, "Nguyễn Văn An", "poor", "new", "Ấp 1", None, None)
        await houses.upsert(db, "MH-002", mh, "Nguyễn Văn Anh", "near_poor", "repair", None, None, None)
        await houses.upsert(db, "MH-003", mh, "Trần Thị Bình", "merit", "new", None, None, None)
        await houses.upsert(db, "MH-004", mh, "Lâm Văn Đức", "disaster", "new", None, None, None)
        await houses.upsert(db, "AL-001", al, "Thạch Thị Sa", "poor", "new", None, None, None)
    return World(app, clock, database or "world.sqlite")


# --- officers' helpers ---------------------------------------------------------------------------

def configure(world: World, **changes: Any) -> None:
    """Replace settings sections (campaign=..., review=..., awards=...) of a running world."""
    settings = dataclasses.replace(world.app.settings, **changes)
    world.app.settings = settings
    world.app.ctx.settings = settings


async def set_stage(world: World, code: str, stage: int, when: datetime | None = None) -> None:
    """Move a house as an accepted report would, at `when` (default: the world's now)."""
    house = await world.house(code)
    async with world.app.db.transaction():
        await houses.set_stage(world.app.db, house.id, stage, to_db(when or world.clock.now()))


async def add_units(world: World, *rows: tuple[str, str, str | None, int | None]) -> None:
    """(code, name, parent code, quota), parents first."""
    async with world.app.db.transaction():
        for code, name, parent, quota in rows:
            await units.upsert(world.app.db, code, name, parent, quota)


async def add_houses(world: World, unit_code: str, *codes: str, head: str = "Hộ ông Bảy") -> None:
    unit = await units.by_code(world.app.db, unit_code)
    assert unit is not None
    async with world.app.db.transaction():
        for code in codes:
            await houses.upsert(world.app.db, code, unit.id, f"{head} {code}", "poor", "new",
                                None, None, None)
