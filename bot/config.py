"""config.toml to typed settings. Every mistake names the file, the key and what is wrong."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TOKEN_ENV = "CHUNGTAY_TELEGRAM_TOKEN"
STAGE_NAMES = {"started": 1, "completed": 2, "handed_over": 3}
AUDIENCES = ("officers", "volunteers")


class ConfigError(Exception):
    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


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


@dataclass(frozen=True)
class StorageSettings:
    database: Path = Path("data/chungtay.sqlite")
    media_dir: Path = Path("data/media")


@dataclass(frozen=True)
class Deadline:
    name: str
    date: date
    stage: int | None          # the stage every house must reach, or None (e.g. paperwork)
    about: str
    audience: tuple[str, ...]
    offsets: tuple[int, ...]
    at: time


@dataclass(frozen=True)
class CampaignSettings:
    name: str = "Chung tay xóa nhà tạm, nhà dột nát"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    deadlines: tuple[Deadline, ...] = ()


@dataclass(frozen=True)
class ReportSettings:
    # photos a report needs, by stage (1 started, 2 completed, 3 handed over)
    photos_required: dict[int, int] = field(default_factory=lambda: {1: 1, 2: 2, 3: 2})
    max_photos: int = 10
    max_note_chars: int = 1000


@dataclass(frozen=True)
class ReviewSettings:
    required: bool = False


@dataclass(frozen=True)
class Settings:
    source: str = "<defaults>"
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    campaign: CampaignSettings = field(default_factory=CampaignSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)


class _Reader:
    def __init__(self, file: str, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.file, key, problem)

    def table(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", "must be a table")
        return value

    def get(self, table: dict[str, Any], section: str, key: str, kind: type, default: Any) -> Any:
        if key not in table:
            return default
        value = table[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.fail(f"[{section}] {key}", f"must be {_KIND_WORDS[kind]}, got {value!r}")
        return value

    def unknown_keys(self, table: dict[str, Any], section: str, known: set[str]) -> None:
        for key in table:
            if key not in known:
                raise self.fail(f"[{section}] {key}", "unknown key (spelling?)")


_KIND_WORDS = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}


def load_settings(path: str | Path, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(file, "(file)", "not found; copy config.example.toml to start") from None
    except OSError as exc:
        raise ConfigError(file, "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(file, "(file)", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "(syntax)", str(exc)) from None
    return parse_settings(data, file, env)


def parse_settings(data: dict[str, Any], file: str, env: dict[str, str]) -> Settings:
    r = _Reader(file, data)
    r.unknown_keys(data, "top level", {"telegram", "storage", "campaign", "report", "review"})
    base = Path(file).resolve().parent if file != "<defaults>" else Path.cwd()
    return Settings(
        source=file,
        telegram=_telegram(r, env),
        storage=_storage(r, base),
        campaign=_campaign(r),
        report=_report(r),
        review=_review(r),
    )


def _telegram(r: _Reader, env: dict[str, str]) -> TelegramSettings:
    t = r.table("telegram")
    d = TelegramSettings()
    r.unknown_keys(t, "telegram", set(d.__dataclass_fields__))
    token = env.get(TOKEN_ENV) or r.get(t, "telegram", "token", str, "")
    if token and not re.fullmatch(r"\d+:[\w-]{20,}", token) and not token.startswith("test:"):
        raise r.fail("[telegram] token", "does not look like a bot token from BotFather (digits:letters)")
    port = r.get(t, "telegram", "port", int, d.port)
    if not 0 < port < 65536:
        raise r.fail("[telegram] port", f"must be between 1 and 65535, got {port}")
    secret = r.get(t, "telegram", "webhook_secret", str, "")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise r.fail("[telegram] webhook_secret", "only letters, digits, _ and -, at most 256")
    return TelegramSettings(
        token=token,
        bot_username=r.get(t, "telegram", "bot_username", str, "").lstrip("@"),
        base_url=r.get(t, "telegram", "base_url", str, d.base_url),
        base_file_url=r.get(t, "telegram", "base_file_url", str, d.base_file_url),
        webhook_url=r.get(t, "telegram", "webhook_url", str, ""),
        webhook_secret=secret,
        listen=r.get(t, "telegram", "listen", str, d.listen),
        port=port,
    )


def _storage(r: _Reader, base: Path) -> StorageSettings:
    s = r.table("storage")
    r.unknown_keys(s, "storage", {"database", "media_dir"})
    d = StorageSettings()
    database = r.get(s, "storage", "database", str, str(d.database))
    media = r.get(s, "storage", "media_dir", str, str(d.media_dir))
    if not database:
        raise r.fail("[storage] database", "must not be empty")
    return StorageSettings(
        database=Path(database) if database == ":memory:" else base / database,
        media_dir=base / media,
    )


def _campaign(r: _Reader) -> CampaignSettings:
    c = r.table("campaign")
    r.unknown_keys(c, "campaign", {"name", "timezone", "deadlines"})
    d = CampaignSettings()
    tz_name = r.get(c, "campaign", "timezone", str, "Asia/Ho_Chi_Minh")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("[campaign] timezone", f"unknown time zone {tz_name!r}") from None
    items = r.get(c, "campaign", "deadlines", list, [])
    deadlines = tuple(_deadline(r, i, item) for i, item in enumerate(items, 1))
    return CampaignSettings(name=r.get(c, "campaign", "name", str, d.name), timezone=tz,
                            deadlines=deadlines)


def _deadline(r: _Reader, index: int, item: Any) -> Deadline:
    section = f"campaign.deadlines #{index}"
    if not isinstance(item, dict):
        raise r.fail(f"[[{section}]]", "must be a table")
    r.unknown_keys(item, section, {"name", "date", "stage", "about", "remind", "offsets", "time"})
    name = r.get(item, section, "name", str, "")
    if not name:
        raise r.fail(f"[{section}] name", "is required")
    when = item.get("date")
    if isinstance(when, str):
        try:
            when = date.fromisoformat(when)
        except ValueError:
            raise r.fail(f"[{section}] date", f"must be a date like 2026-09-02, got {when!r}") from None
    if not isinstance(when, date) or hasattr(when, "hour"):
        raise r.fail(f"[{section}] date", "is required, as a date like 2026-09-02")
    stage_name = r.get(item, section, "stage", str, "")
    if stage_name and stage_name not in STAGE_NAMES:
        allowed = ", ".join(STAGE_NAMES)
        raise r.fail(f"[{section}] stage", f"must be one of {allowed}, got {stage_name!r}")
    audience = r.get(item, section, "remind", list, list(AUDIENCES))
    for who in audience:
        if who not in AUDIENCES:
            raise r.fail(f"[{section}] remind", f"must list officers and/or volunteers, got {who!r}")
    offsets = r.get(item, section, "offsets", list, [30, 14, 7, 3, 1, 0])
    for off in offsets:
        if not isinstance(off, int) or isinstance(off, bool) or off < 0:
            raise r.fail(f"[{section}] offsets", f"must be whole days >= 0, got {off!r}")
    at_text = r.get(item, section, "time", str, "08:00")
    try:
        at = time.fromisoformat(at_text)
    except ValueError:
        raise r.fail(f"[{section}] time", f"must be HH:MM, got {at_text!r}") from None
    return Deadline(
        name=name, date=when, stage=STAGE_NAMES.get(stage_name),
        about=r.get(item, section, "about", str, ""), audience=tuple(audience),
        offsets=tuple(sorted(set(offsets), reverse=True)), at=at,
    )


def _report(r: _Reader) -> ReportSettings:
    t = r.table("report")
    keys = {"photos_started", "photos_completed", "photos_handed_over", "max_photos",
            "max_note_chars"}
    r.unknown_keys(t, "report", keys)
    d = ReportSettings()
    required = {}
    for stage_name, stage in STAGE_NAMES.items():
        n = r.get(t, "report", f"photos_{stage_name}", int, d.photos_required[stage])
        if not 0 <= n <= 10:
            raise r.fail(f"[report] photos_{stage_name}", f"must be 0 to 10, got {n}")
        required[stage] = n
    max_photos = r.get(t, "report", "max_photos", int, d.max_photos)
    if max_photos < max(required.values()) or max_photos > 50:
        raise r.fail("[report] max_photos", "must be at least the photos required and at most 50")
    max_note = r.get(t, "report", "max_note_chars", int, d.max_note_chars)
    if not 10 <= max_note <= 3000:
        raise r.fail("[report] max_note_chars", f"must be 10 to 3000, got {max_note}")
    return ReportSettings(photos_required=required, max_photos=max_photos, max_note_chars=max_note)


def _review(r: _Reader) -> ReviewSettings:
    t = r.table("review")
    r.unknown_keys(t, "review", {"required"})
    return ReviewSettings(required=r.get(t, "review", "required", bool, False))
