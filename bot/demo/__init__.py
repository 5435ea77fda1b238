"""The offline demo: the Sóc Trăng drive to 02/9/2023 in a terminal, no Telegram needed."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw

from bot.app import App
from bot.channels.console import CHANNEL, converse
from handlers.clock import ShiftedClock
from handlers.settings import Deadline, Settings
from handlers.types import Incoming
from storage import importer, invites, units, users

VOLUNTEER = ("tnv", "Nguyễn Thị Lan (tình nguyện viên, Xã Mỹ Hương)", "MTU01", "volunteer")
OFFICER = ("canbo", "Trần Văn Hải (cán bộ phụ trách, Tỉnh Sóc Trăng)", "ST", "officer")
# The demo plays the drive from 20/8/2023, two weeks before its deadline (seeds/001: every house
# completed and handed over by National Day, the result reported to the province by 07/9).
DEMO_START = (2023, 8, 20, 9, 0)
DEMO_DEADLINES = (
    Deadline(name="Hoàn thành, bàn giao nhà chào mừng Quốc khánh 02/9", date=date(2023, 9, 2), stage=3,
             about="", audience=("officers", "volunteers"), offsets=(14, 7, 3, 1, 0), at=time(8, 0)),
    Deadline(name="Báo cáo kết quả về Ủy ban nhân dân tỉnh", date=date(2023, 9, 7), stage=None,
             about="", audience=("officers",), offsets=(3, 1), at=time(8, 0)),
)


async def load_campaign(app: App) -> None:
    """Units and houses from the CSV files shipped with the project, as an admin would import them."""
    data = resources.files("bot.demo")
    now = app.ctx.stamp()
    with resources.as_file(data / "units.csv") as path:
        await importer.import_units(app.db, path, actor="demo", at=now)
    with resources.as_file(data / "houses.csv") as path:
        await importer.import_houses(app.db, path, actor="demo", at=now)
    for user_id, name, unit_code, role in (VOLUNTEER, OFFICER):
        if await users.find(app.db, CHANNEL, user_id) is None:
            unit = await units.by_code(app.db, unit_code)
            assert unit is not None
            async with app.db.transaction():
                code = await invites.create(app.db, unit.id, role, now, app.settings.join.invite_days)
            # Joining goes through the core exactly as a person's /start would.
            await app.core.handle(Incoming(channel=CHANNEL, user_id=user_id, display_name=name.split(" (")[0],
                                           text=f"/start {code}", command="start", args=code))


# Sky, ground; then each picture's own scene. The scenes differ in where their light and dark
# masses stand, not only in colour: the perceptual hash (storage/photos/hashing.py) compares
# neighbouring brightness, so three recoloured copies of one drawing would read as one photo sent
# three times and the bot would rightly flag them.
Scene = Callable[[ImageDraw.ImageDraw], None]


def _foundation(draw: ImageDraw.ImageDraw) -> None:
    """Work started: a low brick wall on the left, a heap of bricks and a post on the right."""
    draw.rectangle((0, 0, 1600, 700), fill=(150, 200, 240))
    draw.rectangle((0, 700, 1600, 1200), fill=(150, 120, 80))
    draw.rectangle((100, 780, 900, 980), fill=(170, 60, 40))
    for x in range(100, 900, 80):
        draw.line((x, 780, x, 980), fill=(230, 220, 210), width=6)
    draw.polygon([(1100, 1100), (1300, 820), (1500, 1100)], fill=(120, 40, 30))
    draw.rectangle((1000, 200, 1040, 1100), fill=(40, 30, 20))


def _finished(draw: ImageDraw.ImageDraw) -> None:
    """Completed: a pale house filling the frame, dark roof at the top, a dark door on the left."""
    draw.rectangle((0, 0, 1600, 1200), fill=(90, 150, 60))
    draw.rectangle((0, 0, 1600, 260), fill=(200, 225, 250))
    draw.polygon([(0, 520), (800, 180), (1600, 520)], fill=(30, 60, 120))
    draw.rectangle((150, 520, 1450, 1100), fill=(245, 235, 210))
    draw.rectangle((300, 700, 500, 1100), fill=(60, 40, 25))
    draw.rectangle((900, 650, 1300, 850), fill=(70, 110, 160))


def _handed_over(draw: ImageDraw.ImageDraw) -> None:
    """Handed over: a red banner across the top, people standing in a row below, a house behind."""
    draw.rectangle((0, 0, 1600, 1200), fill=(230, 225, 200))
    draw.rectangle((0, 0, 1600, 330), fill=(200, 30, 30))
    draw.rectangle((200, 120, 1400, 210), fill=(250, 220, 60))
    for i, x in enumerate(range(80, 1600, 190)):
        shade = (20, 20, 60) if i % 2 else (240, 240, 240)
        draw.rectangle((x, 600, x + 110, 1200), fill=shade)
        draw.ellipse((x + 10, 480, x + 100, 580), fill=(200, 160, 120))


SCENES: tuple[Scene, ...] = (_foundation, _finished, _handed_over)


def sample_photos(folder: Path, before: datetime) -> list[Path]:
    """A few pictures of a house to send from the prompt, taken (EXIF) in the hour before `before`.

    `before` is the campaign's local time now: a photo dated after the moment it is sent would look
    forged, which is exactly what an officer checks."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, scene in enumerate(SCENES, 1):
        img = Image.new("RGB", (1600, 1200))
        scene(ImageDraw.Draw(img))
        taken = (before - timedelta(minutes=20 * (len(SCENES) - i + 1))).strftime("%Y:%m:%d %H:%M:%S")
        exif = Image.Exif()
        exif[ExifTags.Base.DateTime] = taken
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
        path = folder / f"nha-{i}.jpg"
        img.save(path, "JPEG", quality=85, exif=exif)
        paths.append(path)
    return paths


async def run_demo(settings: Settings, database: Path | None, read: Callable[[str], str],
                   write: Callable[[str], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="chungtay-demo-") as tmp:
        work = Path(tmp)
        campaign, clock = settings.campaign, None
        if not campaign.deadlines:  # no deadlines of one's own: the drive's dates, in its time
            settings = dataclasses.replace(settings, campaign=dataclasses.replace(
                campaign, deadlines=DEMO_DEADLINES))
            clock = ShiftedClock(datetime(*DEMO_START, tzinfo=campaign.timezone), campaign.timezone)
        # A demo kept in a file keeps its photos too, beside it: a report without its photos
        # would be half a report the next time the demo opens that file.
        media = database.with_name(f"{database.stem}-media") if database else work / "media"
        app = await App.open(settings, clock=clock, database=database or work / "demo.sqlite",
                             media_dir=media)
        try:
            await load_campaign(app)
            photos = sample_photos(work / "anh-mau", app.ctx.now().astimezone(campaign.timezone))
            write(_intro(app, photos))
            personas = {"tnv": VOLUNTEER[:2], "canbo": OFFICER[:2]}
            await converse(app.core, read, write, personas, start="tnv")
        finally:
            await app.close()


def _intro(app: App, photos: list[Path]) -> str:
    listed = "\n".join(f"  {p}" for p in photos)
    return (
        f"Chung tay — bản chạy thử ngoại tuyến. Dữ liệu: {app.db.path}\n"
        "Chiến dịch mẫu: Sóc Trăng, 1.200 căn đến 02/9/2023 (11 huyện, thị xã, thành phố).\n"
        "Bạn đang là tình nguyện viên Xã Mỹ Hương (nhà MTU01-001 … MTU01-006).\n"
        "Gõ như trong Telegram: /baocao, /huy, /trogiup. Thêm vào đó:\n"
        "  :photo ĐƯỜNG_DẪN [ĐƯỜNG_DẪN…] [-- chú thích]   gửi ảnh (nhiều ảnh = một album)\n"
        "  :file ĐƯỜNG_DẪN                                gửi ảnh dạng tệp\n"
        "  :loc 9.60 105.97                               gửi vị trí\n"
        "  :canbo / :tnv                                  đổi người dùng; :quit để thoát\n"
        f"Ảnh mẫu:\n{listed}\n"
        "Thử nhanh: :photo <ảnh 1> <ảnh 2> -- MTU01-001 hoàn thành"
    )
