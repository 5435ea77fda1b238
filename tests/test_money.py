"""Amounts as people type them: each spelling read to one amount, or asked back, never guessed."""

from __future__ import annotations

from datetime import date

import pytest

from storage.money import AMBIGUOUS, EMPTY, NEGATIVE, NOT_MONEY, ZERO, parse_day, parse_money, parse_workdays


@pytest.mark.parametrize(("typed", "value"), [
    ("5tr", 5_000_000),
    ("5 tr", 5_000_000),
    ("5TR", 5_000_000),
    ("5 triệu", 5_000_000),
    ("5 trieu", 5_000_000),
    ("5 củ", 5_000_000),
    ("500k", 500_000),
    ("500 nghìn", 500_000),
    ("500 ngàn", 500_000),
    ("5.000.000", 5_000_000),
    ("5.000.000đ", 5_000_000),
    ("5.000.000 đồng", 5_000_000),
    ("5.000.000 VND", 5_000_000),
    ("5000000", 5_000_000),
    ("5 000 000", 5_000_000),
    ("5,000,000", 5_000_000),
    ("5,5 triệu", 5_500_000),
    ("5.5 triệu", 5_500_000),
    ("1,25 tỷ", 1_250_000_000),
    ("2 tỉ", 2_000_000_000),
    ("1 tỷ 200 triệu", 1_200_000_000),
    ("5 triệu 500 nghìn", 5_500_000),
    ("5tr500k", 5_500_000),
    ("1.000", 1_000),
    ("  60tr  ", 60_000_000),
])
def test_what_people_type_reads_as_one_amount(typed: str, value: int) -> None:
    assert parse_money(typed).value == value


@pytest.mark.parametrize(("typed", "problem"), [
    ("5tr5", AMBIGUOUS),           # 5,5 or 5,05 million?
    ("5 triệu 500", AMBIGUOUS),    # 500 what?
    ("5k 3tr", AMBIGUOUS),         # units out of order
    ("5,5", AMBIGUOUS),            # five and a half what?
    ("5,000", AMBIGUOUS),          # five, or five thousand?
    ("1.500 triệu", AMBIGUOUS),    # 1,5 million or 1 500 million?
    ("5", AMBIGUOUS),              # five đồng is nobody's gift: five million? five thousand?
    ("1,2345 nghìn", AMBIGUOUS),   # not whole đồng
    ("năm triệu", NOT_MONEY),
    ("５tr", NOT_MONEY),           # full-width digit: ASCII digits only
    ("٣ triệu", NOT_MONEY),
    ("tr", NOT_MONEY),
    ("5 đô", NOT_MONEY),
    ("", EMPTY),
    ("   ", EMPTY),
    ("-5tr", NEGATIVE),
    ("-5.000.000", NEGATIVE),
    ("0", ZERO),
    ("0đ", ZERO),
    ("0 triệu", ZERO),
])
def test_unclear_spellings_are_refused_with_the_reason(typed: str, problem: str) -> None:
    amount = parse_money(typed)
    assert amount.value is None and amount.problem == problem


@pytest.mark.parametrize(("typed", "value", "problem"), [
    ("3", 3, None), ("3 ngày công", 3, None), ("12 ngay", 12, None), ("0", None, ZERO),
    ("-2", None, NEGATIVE), ("1,5", None, "not_days"), ("ba", None, "not_days"), ("３", None, "not_days"),
    ("", None, EMPTY),
])
def test_workdays_are_whole_person_days(typed: str, value: int | None, problem: str | None) -> None:
    amount = parse_workdays(typed)
    assert (amount.value, amount.problem) == (value, problem)


@pytest.mark.parametrize(("typed", "day"), [
    ("25/8", date(2026, 8, 25)), ("05/08/2025", date(2025, 8, 5)), ("31/2", None), ("hôm qua", None),
    ("25-8", None), ("２５/8", None),
])
def test_days_are_written_day_first(typed: str, day: date | None) -> None:
    assert parse_day(typed, date(2026, 9, 1)) == day
