"""Amounts as people type them: money (5tr, 5.000.000, 5 triệu, 500k, 5,5 triệu), workdays, a day.

A spelling that could mean two amounts ("5tr5": 5,5 or 5,05 million? "5,000": five or five
thousand?) is asked back, never guessed: a wrong figure here reaches a commendation file.
Only ASCII digits count, as everywhere else (storage.numbers). Read here, below the handlers, so
the chat and an imported list read an amount the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from storage.numbers import whole
from storage.textfold import fold

# Problems, each answered by its own sentence in the catalog (money_<problem>).
EMPTY, NOT_MONEY, AMBIGUOUS, NEGATIVE, ZERO = "empty", "not_money", "ambiguous", "negative", "zero"

_UNITS: dict[str, int] = {
    "ty": 1_000_000_000, "ti": 1_000_000_000,
    "trieu": 1_000_000, "tr": 1_000_000, "cu": 1_000_000,
    "nghin": 1_000, "ngan": 1_000, "k": 1_000,
}
# Longest first, so "trieu" is not read as "tr" followed by "ieu".
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_PART = re.compile(rf"([0-9][0-9.,]*)\s*({_UNIT})?(?![a-z])\s*")
_CURRENCY = re.compile(r"\s*(dong|vnd|d)\.?$")
_SPACED = re.compile(r"(?<=[0-9]) (?=[0-9]{3}(?![0-9]))")
_PLAIN = re.compile(r"[0-9]+")
_DOTTED = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+")
_COMMAS = re.compile(r"[0-9]{1,3}(,[0-9]{3}){2,}")    # 5,000,000: only one reading
_DECIMAL = re.compile(r"([0-9]+)[.,]([0-9]{1,2})")     # 5,5 and 5.25: a fraction, not thousands


@dataclass(frozen=True)
class Amount:
    value: int | None
    problem: str | None = None


def parse_money(text: str) -> Amount:
    """VND from what a person typed, or why it cannot be read for sure."""
    t = fold(text)
    if not t:
        return Amount(None, EMPTY)
    negative = t.startswith("-")
    t = _CURRENCY.sub("", t.lstrip("-+ ")).strip()
    t = _SPACED.sub("", t)                     # "5 000 000": thousands apart, as some write them
    parts = _parts(t)
    if parts is None:
        return Amount(None, NOT_MONEY)
    value = _value(parts)
    if isinstance(value, str):
        return Amount(None, value)
    if negative:
        return Amount(None, NEGATIVE)
    if value == 0:
        return Amount(None, ZERO)
    return Amount(value)


def _parts(t: str) -> list[tuple[str, str | None]] | None:
    at, parts = 0, []
    while at < len(t):
        m = _PART.match(t, at)
        if m is None:
            return None
        parts.append((m.group(1), m.group(2)))
        at = m.end()
    return parts or None


def _value(parts: list[tuple[str, str | None]]) -> int | str:
    if len(parts) == 1 and parts[0][1] is None:
        return _bare(parts[0][0])
    total, last = Decimal(0), None
    for number, unit in parts:
        if unit is None:                      # "5tr5", "5 triệu 500": which 500?
            return AMBIGUOUS
        scale = _UNITS[unit]
        if last is not None and scale >= last:  # "5k 3tr": not an amount anyone writes
            return AMBIGUOUS
        figure = _figure(number)
        if figure is None:
            return AMBIGUOUS
        total += figure * scale
        last = scale
    if total != total.to_integral_value():   # "1,2345 nghìn": not whole đồng
        return AMBIGUOUS
    return int(total)


def _bare(number: str) -> int | str:
    """A number with no unit: whole đồng, written plainly or with thousands separators."""
    if _PLAIN.fullmatch(number) or _DOTTED.fullmatch(number):
        value = int(number.replace(".", ""))
    elif _COMMAS.fullmatch(number):
        value = int(number.replace(",", ""))
    elif re.fullmatch(r"[0-9.,]+", number) and re.search(r"[0-9]", number):
        return AMBIGUOUS                       # "5,5", "5,000", "1.5": which unit, which separator?
    else:
        return NOT_MONEY
    if 0 < value < 1000:                       # "5": five đồng is nobody's gift; 5 triệu? 5 nghìn?
        return AMBIGUOUS
    return value


def _figure(number: str) -> Decimal | None:
    """The number before a unit: whole, thousands-dotted, or with a short fraction."""
    if _PLAIN.fullmatch(number):
        return Decimal(number)
    m = _DECIMAL.fullmatch(number)
    if m:
        return Decimal(f"{m.group(1)}.{m.group(2)}")
    if _DOTTED.fullmatch(number) and number.count(".") > 1:
        return Decimal(number.replace(".", ""))
    return None                                 # "1.500 triệu": 1,5 or 1 500 million?


# --- workdays -------------------------------------------------------------------------------------

_DAY_WORDS = re.compile(r"\s*(ngay cong|ngay|cong|workdays?|days?|person-days?)$")


def parse_workdays(text: str) -> Amount:
    """Whole person-days: "3", "3 ngày công"."""
    t = _DAY_WORDS.sub("", fold(text)).strip()
    if not t:
        return Amount(None, EMPTY)
    if t.startswith("-") and whole(t[1:].strip()) is not None:
        return Amount(None, NEGATIVE)
    n = whole(t)
    if n is None:
        return Amount(None, "not_days")
    if n == 0:
        return Amount(None, ZERO)
    return Amount(n)


# --- a day ----------------------------------------------------------------------------------------

_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}))?")


def parse_day(text: str, today: date) -> date | None:
    """25/8 (this year) or 25/08/2026, as people write dates; None if it is no real date."""
    m = _DAY.fullmatch(text.strip())
    if not m:
        return None
    try:
        return date(int(m.group(3) or today.year), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def looks_like_day(text: str) -> bool:
    return _DAY.fullmatch(text.strip()) is not None
