"""The [telegram] and [zalo] sections: tokens (from the environment first), ports, webhook secrets."""

from __future__ import annotations

import re
from typing import Any

from bot.config_reader import ConfigError, Reader
from handlers.settings import TelegramBot, TelegramSettings, ZaloSettings

TOKEN_ENV = "CHUNGTAY_TELEGRAM_TOKEN"
ZALO_TOKEN_ENV = "CHUNGTAY_ZALO_TOKEN"


def _port(r: Reader, t: dict[str, Any], section: str, default: int) -> int:
    port = r.get(t, section, "port", int, default)
    if not 0 < port < 65536:
        raise r.fail(f"[{section}] port", f"must be between 1 and 65535, got {port}")
    return port


def _secret(r: Reader, t: dict[str, Any], section: str, shortest: int, rule: str) -> str:
    """The webhook secret: it travels in a header, so only characters every proxy passes on."""
    secret = r.get(t, section, "webhook_secret", str, "")
    if secret and not re.fullmatch(rf"[A-Za-z0-9_-]{{{shortest},256}}", secret):
        raise r.fail(f"[{section}] webhook_secret", rule)
    return secret


def telegram(r: Reader, env: dict[str, str]) -> TelegramSettings:
    t = r.table("telegram")
    d = TelegramSettings()
    r.unknown_keys(t, "telegram", set(d.__dataclass_fields__))
    token = env.get(TOKEN_ENV) or r.get(t, "telegram", "token", str, "")
    if token and not _looks_like_token(token):
        raise _bad_token(r, env, TOKEN_ENV, "[telegram] token",
                         "does not look like a bot token from BotFather (digits:letters)")
    bots = telegram_bots(r, t.get("bots", []))
    if bots and token:
        # Which bot would serve whom? Both at once is a mistake to name, not a choice to guess.
        where = f"the environment variable {TOKEN_ENV}" if env.get(TOKEN_ENV) else "[telegram] token"
        raise r.fail("[[telegram.bots]]", f"cannot be used together with {where}; "
                     "give the one bot for everything a [[telegram.bots]] entry of its own, for the top unit")
    port = _port(r, t, "telegram", d.port)
    secret = _secret(r, t, "telegram", 1, "only letters, digits, _ and -, at most 256")
    return TelegramSettings(
        token=token,
        bot_username=r.get(t, "telegram", "bot_username", str, "").lstrip("@"),
        base_url=r.get(t, "telegram", "base_url", str, d.base_url),
        base_file_url=r.get(t, "telegram", "base_file_url", str, d.base_file_url),
        webhook_url=r.get(t, "telegram", "webhook_url", str, ""),
        webhook_secret=secret,
        listen=r.get(t, "telegram", "listen", str, d.listen),
        port=port,
        bots=bots,
    )


def _looks_like_token(token: str) -> bool:
    return bool(re.fullmatch(r"\d+:[\w-]{20,}", token)) or token.startswith("test:")


def telegram_bots(r: Reader, entries: object) -> tuple[TelegramBot, ...]:
    """[[telegram.bots]]: each entry a token and a unit code; no token, no unit twice. Whether the
    units exist is known only with the database open, so the bots check that when they start."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise r.fail("[[telegram.bots]]", "must be tables, each with a token and a unit")
    bots: list[TelegramBot] = []
    known = set(TelegramBot.__dataclass_fields__)
    for n, entry in enumerate(entries, start=1):
        section = f"telegram.bots #{n}"
        r.unknown_keys(entry, section, known)
        token = r.get(entry, section, "token", str, "")
        unit = r.get(entry, section, "unit", str, "").strip()
        if not token or not unit:
            raise r.fail(f"[{section}]", "needs both a token and a unit (the code of the unit it serves)")
        if not _looks_like_token(token):
            raise r.fail(f"[{section}] token",
                         "does not look like a bot token from BotFather (digits:letters)")
        webhook_url = r.get(entry, section, "webhook_url", str, "")
        port = r.get(entry, section, "port", int, 0)
        if webhook_url and not 0 < port < 65536:
            raise r.fail(f"[{section}] port",
                         "is required with webhook_url: each bot's webhook listens on a port of its own")
        bot = TelegramBot(token=token, unit=unit, webhook_url=webhook_url, port=port,
                          bot_username=r.get(entry, section, "bot_username", str, "").lstrip("@"))
        for m, other in enumerate(bots, start=1):
            if other.key == bot.key:
                raise r.fail(f"[{section}] token", f"is the same bot as entry #{m}")
            if other.unit.upper() == unit.upper():
                raise r.fail(f"[{section}] unit", f"{unit} is served by entry #{m} already")
            if port and other.port == port:
                raise r.fail(f"[{section}] port", f"{port} is the webhook port of entry #{m} already")
        bots.append(bot)
    return tuple(bots)


def _bad_token(r: Reader, env: dict[str, str], variable: str, key: str, problem: str) -> ConfigError:
    """A token from the environment wins over the file's, so its mistake is the variable's: the
    admin looking in config.toml for a token that is not there would be sent the wrong way."""
    if env.get(variable):
        return ConfigError("environment", variable, f"{problem}; it is used instead of {key} in {r.file}")
    return r.fail(key, problem)


def zalo(r: Reader, env: dict[str, str]) -> ZaloSettings:
    t = r.table("zalo")
    d = ZaloSettings()
    r.unknown_keys(t, "zalo", set(d.__dataclass_fields__))
    token = env.get(ZALO_TOKEN_ENV) or r.get(t, "zalo", "token", str, "")
    # The token goes into every request path, so anything that would break or redirect a URL is refused.
    if token and not re.fullmatch(r"[\w:.-]{10,512}", token):
        raise _bad_token(r, env, ZALO_TOKEN_ENV, "[zalo] token",
                         "does not look like a bot token from Zalo Bot Creator")
    port = _port(r, t, "zalo", d.port)
    secret = _secret(r, t, "zalo", 8, "8 to 256 letters, digits, _ and -")
    webhook_url = r.get(t, "zalo", "webhook_url", str, "")
    if webhook_url and not secret:
        raise r.fail("[zalo] webhook_secret", "is required with webhook_url (Zalo refuses a webhook without)")
    if webhook_url and not re.match(r"https?://[^/\s]+", webhook_url):
        raise r.fail("[zalo] webhook_url", f"must be an http(s) address, got {webhook_url!r}")
    public = r.get(t, "zalo", "public_base_url", str, "").rstrip("/")
    if public and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", public):
        raise r.fail("[zalo] public_base_url", f"must be an http(s) address with no query, got {public!r}")
    ttl = r.get(t, "zalo", "link_ttl_minutes", int, d.link_ttl_minutes)
    if not 1 <= ttl <= 7 * 24 * 60:
        raise r.fail("[zalo] link_ttl_minutes", f"must be 1 to 10080 (a week), got {ttl}")
    days = r.get(t, "zalo", "workbook_link_days", int, d.workbook_link_days)
    if not 1 <= days <= 366:
        raise r.fail("[zalo] workbook_link_days", f"must be 1 to 366 (a year), got {days}")
    return ZaloSettings(
        token=token,
        base_url=r.get(t, "zalo", "base_url", str, d.base_url),
        webhook_url=webhook_url,
        webhook_secret=secret,
        listen=r.get(t, "zalo", "listen", str, d.listen),
        port=port,
        public_base_url=public,
        link_ttl_minutes=ttl,
        workbook_link_days=days,
    )
