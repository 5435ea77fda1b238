"""A many-sheet .xlsx streamed to disk row by row, set up to print as a report.

XlsxWriter in its constant_memory mode does the writing: each row goes to a temporary file as it
is appended, so a province's workbook stays in bounded memory, and it knows Excel's print settings
(orientation, fit to width, rows repeated on each page, page header and footer). Text goes in with
write_string only, so nothing a household or a reporter typed is ever read as a formula or a link.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from storage.sheets.writers import cleaned

# LINE: a line of text above a table, left to run across the columns rather than wrap in one.
PLAIN, HEADER, DATETIME, PERCENT, TITLE, LINK, LINE = range(7)
# Excel keeps at most 65,530 hyperlinks in a sheet; past that a link is a HYPERLINK formula of our
# own text (the target and the name we made), which Excel and LibreOffice open the same way.
_MAX_LINKS = 65_530
# A formula's string argument holds at most 255 characters.
_MAX_FORMULA_TEXT = 255
_PAPER_A4 = 9


@dataclass(frozen=True)
class Percent:
    value: float


@dataclass(frozen=True)
class Link:
    text: str
    target: str


Cell = str | int | float | datetime | Percent | Link | None


@dataclass(frozen=True)
class PrintSetup:
    """How a sheet prints: landscape A4, one page wide, `repeat_row` (1-based) on every page,
    `left` and `right` in the page header, the page number in the footer."""

    repeat_row: int
    left: str
    right: str


class Sheet:
    def __init__(self, book: Workbook, title: str, widths: Sequence[float]) -> None:
        self.book = book
        self.rows = 0
        self._width = len(widths)
        self._ws: Worksheet = book.xlsx.add_worksheet(title)
        self._links = 0
        # Wrapped and top-aligned by default, so a long unit path or note grows its row on paper
        # instead of widening the page until the print shrinks to nothing.
        for i, width in enumerate(widths):
            self._ws.set_column(i, i, width, book.formats[PLAIN])

    def freeze_below(self, row: int) -> None:
        """Keep rows 1..row in view while scrolling."""
        self._ws.freeze_panes(row, 0)

    def print_as(self, setup: PrintSetup) -> None:
        ws = self._ws
        ws.set_landscape()
        ws.set_paper(_PAPER_A4)
        ws.fit_to_pages(1, 0)  # as wide as one page, as many pages tall as it takes
        ws.repeat_rows(setup.repeat_row - 1)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.set_header(f"&L{_header_text(setup.left)}&R{_header_text(setup.right)}", {"margin": 0.3})
        ws.set_footer("&CTrang &P / &N", {"margin": 0.3})

    def append(self, values: Iterable[Cell], style: int | None = None) -> None:
        row = self.rows
        self.rows += 1
        formats = self.book.formats
        chosen = None if style is None else formats[style]
        ws = self._ws
        for col, value in enumerate(values):
            if col >= self._width and self._width:
                break
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(row, col, cleaned(value), chosen)
            elif isinstance(value, bool):
                ws.write_boolean(row, col, value, chosen)
            elif isinstance(value, int | float):
                if math.isfinite(value):
                    ws.write_number(row, col, value, chosen)
            elif isinstance(value, datetime):
                naive = value if value.tzinfo is None else value.replace(tzinfo=None)
                ws.write_datetime(row, col, naive, formats[DATETIME])
            elif isinstance(value, Percent):
                ws.write_number(row, col, value.value, formats[PERCENT])
            elif isinstance(value, Link):
                self._link(row, col, value)
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")

    def _link(self, row: int, col: int, link: Link) -> None:
        text, fmt, target = cleaned(link.text), self.book.formats[LINK], link.target
        if self._links < _MAX_LINKS:
            self._links += 1
            # A target with no scheme is a file beside the workbook, relative to it.
            url = target if "://" in target else "external:" + target
            if self._ws.write_url(row, col, url, fmt, text) >= 0:
                return
        elif len(target) <= _MAX_FORMULA_TEXT:
            formula = f"HYPERLINK({_quoted(target)},{_quoted(text[:_MAX_FORMULA_TEXT])})"
            self._ws.write_formula(row, col, formula, fmt, text)
            return
        self._ws.write_string(row, col, text)  # a target Excel cannot hold: the names stay

    def filter_from(self, header_row: int) -> None:
        """A filter on the header row (1-based) over the rows written so far."""
        self._ws.autofilter(header_row - 1, 0, max(self.rows, header_row) - 1, self._width - 1)


class Workbook:
    """Sheets are written one after the other, each streamed to disk as its rows come."""

    def __init__(self, path: Path) -> None:
        path = Path(path)
        self.xlsx = xlsxwriter.Workbook(str(path), {
            "constant_memory": True,
            "tmpdir": str(path.parent),  # households' names stay in the private export folder
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
        })
        self.xlsx.set_calc_mode("auto")
        self.formats: list[Format] = [self.xlsx.add_format(spec) for spec in _FORMATS]

    def sheet(self, title: str, widths: Sequence[float]) -> Sheet:
        return Sheet(self, title, widths)

    def close(self) -> None:
        self.xlsx.close()

    def abandon(self) -> None:
        # XlsxWriter keeps the partial rows in temporary files of tmpdir: closing removes them.
        for ws in self.xlsx.worksheets():
            handle = getattr(ws, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
            name = getattr(ws, "row_data_filename", None)
            if name:
                Path(name).unlink(missing_ok=True)


_FORMATS: list[dict[str, Any]] = [
    {"text_wrap": True, "valign": "top"},
    {"bold": True, "valign": "top", "text_wrap": True, "bottom": 1},
    {"num_format": "dd/mm/yyyy hh:mm", "valign": "top"},
    {"num_format": "0.0%", "valign": "top"},
    {"bold": True, "font_size": 13},
    {"font_color": "#0563C1", "underline": 1, "text_wrap": True, "valign": "top"},
    {},
]


def _header_text(text: str) -> str:
    """Text as the page header shows it: '&' starts a code there, so it is doubled."""
    return cleaned(text).replace("&", "&&")


def _quoted(text: str) -> str:
    return '"' + cleaned(text).replace('"', '""') + '"'
