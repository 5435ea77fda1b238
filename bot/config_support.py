"""[support] of config.toml: the standard support a house gets, in VND, by support type, with
optional tables per category ([support.merit] new_build = ...)."""

from __future__ import annotations

from typing import Any

from bot.config_reader import Reader
from handlers.settings import SupportSettings
from storage.codes import Category

_LIMIT = 10_000_000_000    # VND; a standard support above this is a typing slip


def support(r: Reader) -> SupportSettings:
    t = r.table("support")
    r.unknown_keys(t, "support", {"new_build", "repair", *Category})
    d = SupportSettings()
    new_build, repair = _pair(r, t, "support", (d.new_build, d.repair))
    by_category: dict[str, tuple[int, int]] = {}
    for category in Category:
        if category in t:
            table = t[category]
            if not isinstance(table, dict):
                raise r.fail(f"[support.{category}]", "must be a table")
            section = f"support.{category}"
            r.unknown_keys(table, section, {"new_build", "repair"})
            by_category[category] = _pair(r, table, section, (new_build, repair))
    return SupportSettings(new_build=new_build, repair=repair, by_category=by_category)


def _pair(r: Reader, table: dict[str, Any], section: str, default: tuple[int, int]) -> tuple[int, int]:
    values = []
    for key, fallback in zip(("new_build", "repair"), default, strict=True):
        value = r.get(table, section, key, int, fallback)
        if not 0 < value <= _LIMIT:
            raise r.fail(f"[{section}] {key}", f"must be VND above 0 and at most {_LIMIT:_}, got {value}")
        values.append(value)
    return values[0], values[1]
