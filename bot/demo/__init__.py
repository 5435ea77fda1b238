"""The offline demo: the Sóc Trăng drive to 02/9/2023 in a terminal, no Telegram needed."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw

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


def sample_photos(folder: Path) -> list[Path]:
    """A few pictures of a house to send from the prompt, with a capture time in their EXIF."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (wall, roof) in enumerate([((205, 170, 125), (160, 40, 40)), ((230, 220, 200), (40, 90, 160)),
                                      ((190, 200, 170), (120, 60, 30))], 1):
        img = Image.new("RGB", (1600, 1200), (120 + 30 * i, 180, 235))
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 900, 1600, 1200), fill=(90, 140, 60))
        draw.rectangle((450, 500, 1150, 950), fill=wall)
        draw.polygon([(380, 520), (800, 220 + 20 * i), (1220, 520)], fill=roof)
        draw.rectangle((740, 700, 860, 950), fill=(90, 60, 40))
        exif = Image.Exif()
        exif[0x0132] = datetime(2023, 8, 20 + i, 9, 30).strftime("%Y:%m:%d %H:%M:%S")
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
        app = await App.open(settings, clock=clock, database=database or work / "demo.sqlite",
                             media_dir=work / "media")
        try:
            await load_campaign(app)
            photos = sample_photos(work / "anh-mau")
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
