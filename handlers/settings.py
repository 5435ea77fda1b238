"""The typed settings every part reads: dataclasses with the defaults. bot/config.py fills them from TOML."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.codes import Stage
from storage.sheets.readers import DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class TelegramBot:
    """One bot of several ([[telegram.bots]]): it serves the people of one unit's subtree."""

    token: str
    unit: str                      # the code of the unit whose subtree it serves
    bot_username: str = ""         # empty: learnt from Telegram (getMe) at start
    webhook_url: str = ""          # empty: polling
    port: int = 0                  # its webhook's own port (two webhooks cannot share one)

    @property
    def key(self) -> str:
        """Who the bot is, without its secret: the bot's user id, the digits before the colon."""
        head = self.token.split(":", 1)[0]
        return head if head.isdigit() else hashlib.sha256(self.token.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class TelegramSettings:
    token: str = ""
    bot_username: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: str = ""
    listen: str = "127.0.0.1"
    port: int = 8443
    bots: tuple[TelegramBot, ...] = ()  # several bots, one per area; then `token` stays empty

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.bots)


@dataclass(frozen=True)
class ZaloSettings:
    token: str = ""
    base_url: str = "https://bot-api.zaloplatforms.com/bot"
    webhook_url: str = ""          # empty: getUpdates polling (development only)
    webhook_secret: str = ""       # 8-256 characters; Zalo sends it in X-Bot-Api-Secret-Token
    listen: str = "127.0.0.1"
    port: int = 8444
    public_base_url: str = ""      # where Zalo fetches the pictures the bot sends (signed links)
    link_ttl_minutes: int = 60
    workbook_link_days: int = 30   # a workbook's photo links: it is printed and forwarded, read later


@dataclass(frozen=True)
class StorageSettings:
    database: Path | str = Path("data/chungtay.sqlite")  # a SQLite file, or a PostgreSQL DSN
    media_dir: Path = Path("data/media")
    # helper processes that decode photos; 0: threads of the bot's own process
    photo_processes: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))
    # MiB all photo decodes at once may take; fewer helper processes run when it holds fewer
    # decodes (storage/photos/budget.py), since each may take up to 256 MiB
    photo_memory_mb: int = 512
    # true only where another account (a web server) serves media_dir itself: its files are then
    # readable by all; otherwise the database, backups, exports and photos are the bot's alone
    media_shared: bool = False


@dataclass(frozen=True)
class WorkersSettings:
    # `chungtay run --role work`: seconds a worker's claim on a chat lasts unless renewed; a worker
    # that dies leaves its chats to another this long after its last renewal
    claim_seconds: int = 30
    # chats one worker holds at once; the rest are left to other workers
    chats: int = 32


@dataclass(frozen=True)
class Deadline:
    name: str
    date: date
    stage: int | None          # the stage every house must reach, or None (e.g. paperwork)
    about: str
    audience: tuple[str, ...]
    offsets: tuple[int, ...]
    at: time
    kind: str = ""             # "awards": the commendation files are due (what to propose, and how many)


@dataclass(frozen=True)
class CampaignSettings:
    name: str = "Chung tay xóa nhà tạm, nhà dột nát"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    deadlines: tuple[Deadline, ...] = ()
    # the language of the command line (`chungtay`): "vi" or "en"; people in chat pick their own
    language: str = "vi"
    # the first day a contribution may be dated, and before which a photo is flagged (Decision
    # 539/QĐ-TTg's movement began 13/4/2024)
    start: date = date(2024, 4, 13)


@dataclass(frozen=True)
class ReportSettings:
    # photos a report needs, by stage
    photos_required: dict[int, int] = field(default_factory=lambda: {
        Stage.STARTED: 1, Stage.COMPLETED: 2, Stage.HANDED_OVER: 2})
    max_photos: int = 10
    max_note_chars: int = 1000


REVIEW_MODES = ("flagged", "all", "none")


@dataclass(frozen=True)
class ReviewSettings:
    # "flagged": reports the evidence checks flagged wait for an officer; "all": every report
    # waits; "none": none waits (the flags are still shown and exported)
    required: str = "flagged"


@dataclass(frozen=True)
class EvidenceSettings:
    max_distance_m: int = 500       # a report (or a photo's GPS) farther from the house is flagged
    max_photo_age_days: int = 14    # a photo taken longer before the report is flagged


@dataclass(frozen=True)
class RemindersSettings:
    quiet_start: time = time(21, 0)       # nothing is sent from here ...
    quiet_end: time = time(7, 0)          # ... to here: held messages go out at this time
    stale_days: int = 7                   # a house under construction this long without a report; 0: off
    stale_time: time = time(8, 0)         # when stale-work nudges go out
    digest_time: time | None = time(17, 0)  # officers' daily digest; None: off
    grace_hours: int = 12                 # a reminder missed by downtime is still sent this late
    rate_per_second: int = 26             # broadcast pace, below Telegram's ~30 messages a second


@dataclass(frozen=True)
class AwardTier:
    """Units whose quota lies in [min_quota, max_quota] may propose `count` (max None: no upper bound)."""

    min_quota: int
    max_quota: int | None
    count: int

    def holds(self, quota: int) -> bool:
        return self.min_quota <= quota and (self.max_quota is None or quota <= self.max_quota)


# Sóc Trăng's rules (seeds/001, IV.2.2). The text's bounds overlap at 50, 100 and 200 ("40-50",
# "50-100"); here a boundary belongs to the higher tier, as "300 or more" already does.
DEFAULT_COLLECTIVE = (AwardTier(0, 99, 2), AwardTier(100, 199, 3), AwardTier(200, None, 4))
DEFAULT_INDIVIDUAL = (AwardTier(0, 39, 1), AwardTier(40, 49, 2), AwardTier(50, 99, 3),
                      AwardTier(100, 199, 4), AwardTier(200, 299, 7), AwardTier(300, None, 9))


@dataclass(frozen=True)
class AwardSettings:
    collective: tuple[AwardTier, ...] = DEFAULT_COLLECTIVE
    individual: tuple[AwardTier, ...] = DEFAULT_INDIVIDUAL

    def allowed(self, kind: str, quota: int) -> int:
        tiers = self.collective if kind == "collective" else self.individual
        return next((t.count for t in tiers if t.holds(quota)), 0)


@dataclass(frozen=True)
class SupportSettings:
    """The standard support a house gets, in VND, by support type; a category may have its own."""

    new_build: int = 60_000_000
    repair: int = 30_000_000
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)  # category: (new, repair)

    def standard(self, category: str, support_type: str) -> int:
        new_build, repair = self.by_category.get(category, (self.new_build, self.repair))
        return new_build if support_type == "new" else repair


@dataclass(frozen=True)
class JoinSettings:
    invite_days: int = 30               # an invite code not used by then is refused
    wrong_codes_per_hour: int = 5       # then the account is told to wait, and nothing is looked up
    # All accounts of one channel together: beyond this, someone is trying codes from many accounts.
    wrong_codes_per_channel_hour: int = 200


@dataclass(frozen=True)
class ImportSettings:
    # rows a spreadsheet may have for `chungtay import`; a longer file is refused before it is read on
    max_rows: int = DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class Settings:
    source: str = "<defaults>"
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    workers: WorkersSettings = field(default_factory=WorkersSettings)
    campaign: CampaignSettings = field(default_factory=CampaignSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    reminders: RemindersSettings = field(default_factory=RemindersSettings)
    awards: AwardSettings = field(default_factory=AwardSettings)
    join: JoinSettings = field(default_factory=JoinSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)  # [import]: a Python keyword
    support: SupportSettings = field(default_factory=SupportSettings)
