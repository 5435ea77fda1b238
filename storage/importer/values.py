"""Reading a cell as the value a column needs: codes, numbers as officers type them, and the
category and support words in their official, short or unaccented forms."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable

from storage.codes import CATEGORY_NAMES as CATEGORIES
from storage.codes import SUPPORT_NAMES as SUPPORT
from storage.numbers import whole
from storage.sheets.readers import Cell, cell_text
from storage.textfold import fold


def code_key(code: str) -> str:
    """Codes compare like the database's COLLATE NOCASE, which folds ASCII letters only."""
    return code.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MAX_WHOLE = 10**9  # far above any quota; stops a typo from overflowing SQLite's integers
_GROUPED = re.compile(r"\d{1,3}(?P<sep>[.,\s])\d{3}(?:(?P=sep)\d{3})*")


def parse_whole(value: Cell) -> int:
    """A non-negative whole number: 120, 120.0, '120', '1.200' or '1,200' (grouped thousands)."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        if not (isinstance(value, int) or value.is_integer()):
            raise ValueError("is not a whole number")
        number = int(value)
    else:
        text = cell_text(value)
        if re.fullmatch(r"-\s*[\d.,]+", text):
            raise ValueError("is negative")
        if _GROUPED.fullmatch(text):
            text = re.sub(r"\D", "", text)
        parsed = whole(text)
        if parsed is None:
            raise ValueError("is not a whole number" if len(text) <= 18 else "is too large")
        number = parsed
    if number < 0:
        raise ValueError("is negative")
    if number > _MAX_WHOLE:
        raise ValueError("is too large")
    return number


def parse_decimal(value: Cell) -> float:
    """A decimal as spreadsheets write it, a comma decimal ('9,60') included."""
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = cell_text(value)
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError("is not a number") from None
    if not math.isfinite(number):
        raise ValueError("is not a number")
    return number


def _synonyms(table: dict[str, tuple[str, str]], extra: Iterable[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, (vi, en) in table.items():
        for word in (key, vi, en):
            found[value_key(word)] = key
    for word, key in extra:
        found[value_key(word)] = key
    return found


@functools.lru_cache(maxsize=256)  # a column of thousands of rows repeats a handful of words
def value_key(text: str) -> str:
    return fold(text.replace("_", " "))


# storage/codes.py holds the full official wording; officers also type these short forms.
_SHORT_CATEGORY = {"disaster": "Thiên tai", "merit": "Người có công"}
CATEGORY = _synonyms(CATEGORIES, [(word, key) for key, word in _SHORT_CATEGORY.items()])
SUPPORT_TYPE = _synonyms(SUPPORT, [])


def _hint(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1]


CATEGORY_HINT = _hint([_SHORT_CATEGORY.get(key, vi) for key, (vi, _) in CATEGORIES.items()])
SUPPORT_HINT = _hint([vi for vi, _ in SUPPORT.values()])
