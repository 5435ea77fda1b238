"""A photo held back as a copy, shown beside the earlier one it matched: one picture the officer
can judge at a glance, made from the two stored thumbnails."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from PIL import Image

from handlers.officers.files import made_once
from handlers.turn import Turn
from storage import houses, reports
from storage.numbers import whole
from storage.photos import StoredPhoto, difference

HEIGHT = 360   # each side scaled to this height: readable in a chat, small to send
GAP = 12


def parse_flag(flag: str) -> tuple[int, int] | None:
    """'duplicate_photo:2:report=15' as (2, 15), or None for another kind of flag."""
    kind, _, rest = flag.partition(":")
    position, _, other = rest.partition(":report=")
    if kind != "duplicate_photo" or whole(position) is None or whole(other) is None:
        return None
    return int(position), int(other)


async def duplicate(turn: Turn, report_id: int, position: int, other: int) -> tuple[str, Path | None]:
    """The sentence naming the other house and report, and the picture of the two photos."""
    ctx = turn.ctx
    earlier = await reports.get(ctx.db, other)
    house = await houses.get(ctx.db, earlier.house_id) if earlier else None
    text = turn.t("off_flag_duplicate", position=position, other=other,
                  code=house.code if house else "?", head=house.household_head if house else "?")
    mine = await reports.photos_of(ctx.db, report_id)
    theirs = await reports.photos_of(ctx.db, other)
    if not (1 <= position <= len(mine)) or not theirs:
        return text, None
    new = mine[position - 1]
    # The earlier report's photo that is this one: the same bytes, else the nearest picture.
    old = min(theirs, key=lambda p: (p.sha256 != new.sha256, difference(p.phash, new.phash)))
    try:
        path = ctx.photos.path
        picture = await asyncio.to_thread(_side_by_side, path("compare"), path(new.thumb), path(old.thumb),
                                          _key(new, old), ctx.photos.file_mode)
    except OSError:  # a thumbnail gone from the disk: the sentence still says what matched
        return text, None
    return text, picture


def _key(new: StoredPhoto, old: StoredPhoto) -> str:
    return f"{new.sha256[:16]}-{old.sha256[:16]}"


def _side_by_side(folder: Path, left: Path, right: Path, key: str, mode: int) -> Path:
    def draw() -> bytes:
        with Image.open(left) as a, Image.open(right) as b:
            sides = [im.convert("RGB").resize((max(1, im.width * HEIGHT // im.height), HEIGHT))
                     for im in (a, b)]
        canvas = Image.new("RGB", (sides[0].width + GAP + sides[1].width, HEIGHT), "white")
        canvas.paste(sides[0], (0, 0))
        canvas.paste(sides[1], (sides[0].width + GAP, 0))
        out = io.BytesIO()
        canvas.save(out, "JPEG", quality=85)
        return out.getvalue()

    return made_once(folder, f"compare-{key}.jpg", "compare-*.jpg", draw, mode)
