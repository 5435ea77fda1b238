"""config.toml to typed settings. Every mistake names the file, the key and what is wrong."""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config_channels import TOKEN_ENV, ZALO_TOKEN_ENV, telegram, zalo
from bot.config_reader import ConfigError, Reader
from bot.config_support import support
from handlers.settings import (
    REVIEW_MODES,
    AwardSettings,
    AwardTier,
    CampaignSettings,
    Deadline,
    EvidenceSettings,
    ImportSettings,
    JoinSettings,
    RemindersSettings,
    ReportSettings,
    ReviewSettings,
    Settings,
    StorageSettings,
    WorkersSettings,
)
from storage.codes import Stage
from storage.db import is_postgres

# Overrides [storage] database: a DSN kept out of the config file, with its password.
DATABASE_ENV = "CHUNGTAY_DATABASE"

__all__ = ["DATABASE_ENV", "TOKEN_ENV", "ZALO_TOKEN_ENV", "ConfigError", "load_settings", "parse_settings"]

# A stage as config.toml names it: a deadline's `stage`, the `photos_<stage>` keys.
STAGE_NAMES = {"started": Stage.STARTED, "completed": Stage.COMPLETED, "handed_over": Stage.HANDED_OVER}
AUDIENCES = ("officers", "volunteers")


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
    r = Reader(file, data)
    r.unknown_keys(data, "top level", {"telegram", "storage", "campaign", "report", "review",
                                    "evidence", "reminders", "awards", "zalo", "join", "import",
                                    "support", "workers"})
    base = Path(file).resolve().parent if file != "<defaults>" else Path.cwd()
    return Settings(
        source=file,
        telegram=telegram(r, env),
        storage=_storage(r, base, env),
        workers=_workers(r),
        campaign=_campaign(r),
        report=_report(r),
        review=_review(r),
        evidence=_evidence(r),
        reminders=_reminders(r),
        awards=_awards(r),
        zalo=zalo(r, env),
        join=_join(r),
        imports=_imports(r),
        support=support(r),
    )


def _storage(r: Reader, base: Path, env: dict[str, str]) -> StorageSettings:
    s = r.table("storage")
    r.unknown_keys(s, "storage", {"database", "media_dir", "photo_processes", "photo_memory_mb",
                                  "media_shared"})
    d = StorageSettings()
    database = env.get(DATABASE_ENV) or r.get(s, "storage", "database", str, str(d.database))
    media = r.get(s, "storage", "media_dir", str, str(d.media_dir))
    processes = r.get(s, "storage", "photo_processes", int, d.photo_processes)
    memory = r.get(s, "storage", "photo_memory_mb", int, d.photo_memory_mb)
    if not database:
        raise r.fail("[storage] database", "must not be empty")
    if not 0 <= processes <= 64:
        raise r.fail("[storage] photo_processes", f"must be 0 to 64, got {processes}")
    # Below 64 MiB even a 12 MP PNG or HEIC sent as a file could not be decoded.
    if not 64 <= memory <= 1_048_576:
        raise r.fail("[storage] photo_memory_mb", f"must be 64 to 1048576, got {memory}")
    return StorageSettings(
        database=_database(database, base),
        media_dir=base / media,
        photo_processes=processes,
        photo_memory_mb=memory,
        media_shared=r.get(s, "storage", "media_shared", bool, d.media_shared),
    )


def _workers(r: Reader) -> WorkersSettings:
    s = r.table("workers")
    r.unknown_keys(s, "workers", {"claim_seconds", "chats"})
    d = WorkersSettings()
    # Renewed every third of it: below 3 s a busy event loop could miss a renewal.
    seconds = r.whole(s, "workers", "claim_seconds", d.claim_seconds, 3, 600)
    chats = r.whole(s, "workers", "chats", d.chats, 1, 1000)
    return WorkersSettings(claim_seconds=seconds, chats=chats)


def _database(value: str, base: Path) -> Path | str:
    """A PostgreSQL DSN as written; a SQLite file relative to the config's folder."""
    if is_postgres(value):
        return value
    return Path(value) if value == ":memory:" else base / value


def _campaign(r: Reader) -> CampaignSettings:
    c = r.table("campaign")
    r.unknown_keys(c, "campaign", {"name", "timezone", "deadlines", "language", "start"})
    d = CampaignSettings()
    tz_name = r.get(c, "campaign", "timezone", str, "Asia/Ho_Chi_Minh")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("[campaign] timezone", f"unknown time zone {tz_name!r}") from None
    items = r.get(c, "campaign", "deadlines", list, [])
    deadlines = tuple(_deadline(r, i, item) for i, item in enumerate(items, 1))
    seen: set[str] = set()
    for i, deadline in enumerate(deadlines, 1):
        # Reminders already sent are remembered by the deadline's name, so the date may move.
        if deadline.name in seen:
            raise r.fail(f"[campaign.deadlines #{i}] name", f"{deadline.name!r} is used twice")
        seen.add(deadline.name)
    language = r.get(c, "campaign", "language", str, d.language)
    if language not in ("vi", "en"):
        raise r.fail("[campaign] language", f"must be \"vi\" or \"en\", got {language!r}")
    start = c.get("start", d.start)
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            raise r.fail("[campaign] start", f"must be a date like 2024-04-13, got {start!r}") from None
    if not isinstance(start, date) or hasattr(start, "hour"):
        raise r.fail("[campaign] start", "must be a date like 2024-04-13")
    return CampaignSettings(name=r.get(c, "campaign", "name", str, d.name), timezone=tz,
                            deadlines=deadlines, language=language, start=start)


def _deadline(r: Reader, index: int, item: Any) -> Deadline:
    section = f"campaign.deadlines #{index}"
    if not isinstance(item, dict):
        raise r.fail(f"[[{section}]]", "must be a table")
    r.unknown_keys(item, section, {"name", "date", "stage", "about", "remind", "offsets", "time", "kind"})
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
    kind = r.get(item, section, "kind", str, "")
    if kind not in ("", "awards"):
        raise r.fail(f"[{section}] kind", f"must be \"awards\" or left out, got {kind!r}")
    return Deadline(
        name=name, date=when, stage=STAGE_NAMES.get(stage_name),
        about=r.get(item, section, "about", str, ""), audience=tuple(audience),
        offsets=tuple(sorted(set(offsets), reverse=True)), at=at, kind=kind,
    )


def _report(r: Reader) -> ReportSettings:
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


def _join(r: Reader) -> JoinSettings:
    t = r.table("join")
    d = JoinSettings()
    r.unknown_keys(t, "join", set(d.__dataclass_fields__))
    bounds = {"invite_days": (1, 366), "wrong_codes_per_hour": (1, 100),
              "wrong_codes_per_channel_hour": (10, 100_000)}
    values = {}
    for key, (low, high) in bounds.items():
        value = r.get(t, "join", key, int, getattr(d, key))
        if not low <= value <= high:
            raise r.fail(f"[join] {key}", f"must be {low} to {high}, got {value}")
        values[key] = value
    return JoinSettings(**values)


def _review(r: Reader) -> ReviewSettings:
    t = r.table("review")
    r.unknown_keys(t, "review", {"required"})
    value = t.get("required", "flagged")
    if isinstance(value, bool):  # before evidence checks: true all, false the flagged ones
        value = "all" if value else "flagged"
    if value not in REVIEW_MODES:
        raise r.fail("[review] required", f'must be "flagged", "all" or "none", got {value!r}')
    return ReviewSettings(required=value)


def _evidence(r: Reader) -> EvidenceSettings:
    t = r.table("evidence")
    r.unknown_keys(t, "evidence", {"max_distance_m", "max_photo_age_days"})
    d = EvidenceSettings()
    distance = r.whole(t, "evidence", "max_distance_m", d.max_distance_m, 10, 100_000, " metres")
    age = r.whole(t, "evidence", "max_photo_age_days", d.max_photo_age_days, 1, 3650, " days")
    return EvidenceSettings(max_distance_m=distance, max_photo_age_days=age)


def _clock_time(r: Reader, table: dict[str, Any], section: str, key: str, default: time) -> time:
    text = r.get(table, section, key, str, default.strftime("%H:%M"))
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise r.fail(f"[{section}] {key}", f"must be HH:MM, got {text!r}") from None


def _reminders(r: Reader) -> RemindersSettings:
    t = r.table("reminders")
    d = RemindersSettings()
    r.unknown_keys(t, "reminders", set(d.__dataclass_fields__))
    stale_days = r.get(t, "reminders", "stale_days", int, d.stale_days)
    if not 0 <= stale_days <= 365:
        raise r.fail("[reminders] stale_days", f"must be 0 (off) to 365, got {stale_days}")
    digest_text = r.get(t, "reminders", "digest_time", str, "17:00")
    digest = None if digest_text == "" else _clock_time(r, t, "reminders", "digest_time", time(17, 0))
    grace = r.get(t, "reminders", "grace_hours", int, d.grace_hours)
    if not 0 <= grace <= 72:
        raise r.fail("[reminders] grace_hours", f"must be 0 to 72, got {grace}")
    rate = r.get(t, "reminders", "rate_per_second", int, d.rate_per_second)
    if not 1 <= rate <= 30:
        raise r.fail("[reminders] rate_per_second", f"must be 1 to 30 (Telegram allows about 30), got {rate}")
    return RemindersSettings(
        quiet_start=_clock_time(r, t, "reminders", "quiet_start", d.quiet_start),
        quiet_end=_clock_time(r, t, "reminders", "quiet_end", d.quiet_end),
        stale_days=stale_days,
        stale_time=_clock_time(r, t, "reminders", "stale_time", d.stale_time),
        digest_time=digest, grace_hours=grace, rate_per_second=rate,
    )


def _awards(r: Reader) -> AwardSettings:
    t = r.table("awards")
    r.unknown_keys(t, "awards", {"collective", "individual"})
    d = AwardSettings()
    return AwardSettings(
        collective=_tiers(r, t, "collective", d.collective),
        individual=_tiers(r, t, "individual", d.individual),
    )


def _tiers(r: Reader, table: dict[str, Any], kind: str,
           default: tuple[AwardTier, ...]) -> tuple[AwardTier, ...]:
    """Tiers in order, from quota 0 up, each starting right after the last: no gap, no overlap."""
    items = r.get(table, "awards", kind, list, None)
    if items is None:
        return default
    if not items:
        raise r.fail(f"[[awards.{kind}]]", "needs at least one tier")
    tiers: list[AwardTier] = []
    for index, item in enumerate(items, 1):
        section = f"awards.{kind} #{index}"
        if not isinstance(item, dict):
            raise r.fail(f"[[{section}]]", "must be a table")
        r.unknown_keys(item, section, {"min_quota", "max_quota", "count"})
        for key in ("min_quota", "count"):
            if key not in item:
                raise r.fail(f"[{section}] {key}", "is required")
        low = r.get(item, section, "min_quota", int, 0)
        high = r.get(item, section, "max_quota", int, None)
        count = r.get(item, section, "count", int, 0)
        if count < 0:
            raise r.fail(f"[{section}] count", f"must be 0 or more, got {count}")
        if tiers and tiers[-1].max_quota is None:
            raise r.fail(f"[{section}] min_quota", "follows a tier with no max_quota, which never ends")
        expected = 0 if not tiers else (tiers[-1].max_quota or 0) + 1
        if low != expected:
            problem = "the first tier must start at 0" if not tiers else (
                f"must be {expected}, right after the previous tier's max_quota (no gap, no overlap)")
            raise r.fail(f"[{section}] min_quota", f"{problem}; got {low}")
        if high is not None and high < low:
            raise r.fail(f"[{section}] max_quota", f"must be at least min_quota ({low}), got {high}")
        tiers.append(AwardTier(low, high, count))
    if tiers[-1].max_quota is not None:
        raise r.fail(f"[awards.{kind} #{len(tiers)}] max_quota",
                     "leave it out on the last tier, so every quota has a tier")
    return tuple(tiers)


MAX_IMPORT_ROWS = 1_000_000


def _imports(r: Reader) -> ImportSettings:
    t = r.table("import")
    d = ImportSettings()
    r.unknown_keys(t, "import", set(d.__dataclass_fields__))
    max_rows = r.get(t, "import", "max_rows", int, d.max_rows)
    if not 1 <= max_rows <= MAX_IMPORT_ROWS:
        raise r.fail("[import] max_rows", f"must be 1 to {MAX_IMPORT_ROWS:,}, got {max_rows}")
    return ImportSettings(max_rows=max_rows)
