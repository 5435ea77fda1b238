"""Reading one table of config.toml at a time, with errors that name the file, the key and what is
wrong, in one line."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


class Reader:
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

    def whole(self, table: dict[str, Any], section: str, key: str, default: int, low: int, high: int,
              unit: str = "") -> int:
        """A whole number from `low` to `high` (both allowed); `unit` follows the bounds in the error."""
        value: int = self.get(table, section, key, int, default)
        if not low <= value <= high:
            raise self.fail(f"[{section}] {key}", f"must be {low} to {high}{unit}, got {value}")
        return value

    def unknown_keys(self, table: dict[str, Any], section: str, known: set[str]) -> None:
        for key in table:
            if key not in known:
                raise self.fail(f"[{section}] {key}", "unknown key (spelling?)")


_KIND_WORDS = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}
