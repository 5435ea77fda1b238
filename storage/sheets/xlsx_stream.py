"""A small streaming .xlsx writer for large workbooks.

openpyxl spends some 15 µs on every cell even in write-only mode; a province's workbook has
1.5 million cells, which is half a minute. XlsxWriter's constant_memory mode, made for this, took
6.5 times as long as this writer on the largest province (BENCHMARKS.md, 2026-12-02). This writes
the sheet XML straight into the zip, a cell per string format, with only what the officers'
workbook uses: text (inline, so never a formula), numbers, dates, percentages, links, a bold
header kept in view, column widths, a filter, and how the sheet prints (PrintSetup). Excel and
LibreOffice open it (tests/test_officers_export.py converts one with soffice, to CSV and to PDF).
"""

from __future__ import annotations

import contextlib
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from storage.sheets.deflater import Deflater
from storage.sheets.writers import cleaned, is_clean
from storage.sheets.xlsx_parts import RELS_HEAD, STYLES

_EPOCH = datetime(1899, 12, 30)
# Anything that needs more than wrapping in <t>: markup and control characters; and edge spaces,
# looked for apart (_text): an alternative for them made the search try three at every letter.
_SPECIAL = re.compile("[&<>\x00-\x1f\ufffe\uffff\ud800-\udfff]")
# What quoteattr changes: markup, both quotes, and the whitespace an attribute would fold.
_ATTR_SPECIAL = re.compile("[&<>\"'\n\r\t]")
_FLUSH_BYTES = 1 << 18
_CACHE_LIMIT = 100_000

# Indexes into cellXfs in STYLES below. Text with no style given is WRAP, so a long unit path or
# note grows its row on paper instead of widening the page until the print shrinks to nothing;
# PLAIN (a line above a table) runs across the columns.
PLAIN, HEADER, DATETIME, PERCENT, TITLE, LINK, WRAP = range(7)
# Excel keeps at most 65,530 hyperlinks in a sheet; past that a link is a HYPERLINK formula of our
# own text (the target and the names we made), which Excel and LibreOffice open the same way.
_MAX_LINKS = 65_530
_MAX_FORMULA_TEXT = 255  # a formula's string argument
_LINE_HEIGHT = 15  # points, one line of 11 pt Calibri
_MAX_LINES = 12  # a long note is cut on paper rather than filling a page


# Named tuples, not frozen dataclasses: a province's sheet makes two hundred thousand links, and a
# frozen dataclass sets each field through object.__setattr__.
class Percent(NamedTuple):
    value: float


class Link(NamedTuple):
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
    def __init__(self, book: Workbook, index: int, title: str, widths: Sequence[float]) -> None:
        self.book, self.index, self.title, self.widths = book, index, title, widths
        self.rows = 0
        self._cols = [get_column_letter(i) for i in range(1, len(widths) + 1)]
        # Characters a line of each column holds, a little under its width for wider letters.
        self._fits = [max(1, int(w * 0.9)) for w in widths]
        self._links: list[tuple[str, str]] = []
        self._filter: str | None = None
        self._freeze = 0
        self.printed: PrintSetup | None = None
        self._out = Deflater(book.zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True))
        self._started = False
        self._pending: list[str] = []
        self._pending_size = 0
        # Unit names, stages, states and reporters repeat on every row: escape each once.
        self._texts: dict[str, str] = {}

    def freeze_below(self, row: int) -> None:
        """Keep rows 1..row in view while scrolling; call before the first row."""
        self._freeze = row

    def print_as(self, setup: PrintSetup) -> None:
        """Print settings; call before the first row."""
        self.printed = setup

    def _start(self) -> None:
        self._started = True
        fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if self.printed else ""
        view = ""
        if self._freeze:
            top = f"A{self._freeze + 1}"
            view = (f'<pane ySplit="{self._freeze}" topLeftCell="{top}" activePane="bottomLeft" '
                    f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
        selected = ' tabSelected="1"' if self.index == 1 else ""
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(self.widths, 1))
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{fit}<sheetViews><sheetView workbookViewId="0"{selected}>'
            f'{view}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f'<cols>{cols}</cols><sheetData>'
        )

    def _write(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def append(self, values: Iterable[Cell], style: int | None = None) -> None:
        if not self._started:
            self._start()
        self.rows += 1
        n = self.rows
        if style is None:
            cells, lines = self._data_cells(n, values)
        else:
            cells, lines = self._styled_cells(n, values, style)
        # LibreOffice printed wrapped text over the next rows (seen converting to PDF): a row's
        # height is given, from its longest text against that column's width.
        tall = "" if lines == 1 else f' ht="{lines * _LINE_HEIGHT}" customHeight="1"'
        row = f'<row r="{n}"{tall}>{cells}</row>'
        self._pending.append(row)
        self._pending_size += len(row)
        if self._pending_size >= _FLUSH_BYTES:
            self._flush()

    def _styled_cells(self, n: int, values: Iterable[Cell], style: int) -> tuple[str, int]:
        """A title, a header or a line above a table: the few rows written with a style."""
        parts = []
        lines = 1
        for col, width, value in zip(self._cols, self._fits, values, strict=False):
            if value is not None:
                parts.append(self._cell(col, n, value, style))
                if style == HEADER:
                    lines = _lines(lines, value, width)
        return "".join(parts), lines

    def _data_cells(self, n: int, values: Iterable[Cell]) -> tuple[str, int]:
        """The cells of a table's row, and the lines its tallest text takes.

        Every row of a province's workbook comes here, some two million cells: the common types
        are written inline, each exactly as _cell writes it, the rest by _cell itself."""
        parts: list[str] = []
        add = parts.append
        texts = self._texts
        lines = 1
        for col, width, value in zip(self._cols, self._fits, values, strict=False):
            if value is None:
                continue
            # By exact type: a bool is an int, and subclasses go to _cell as before.
            if type(value) is str:
                text = texts.get(value)
                if text is None:
                    text = self._text(value)
                add(f'<c r="{col}{n}" t="inlineStr" s="{WRAP}"><is>{text}</is></c>')
                if len(value) > width or "\n" in value:  # as _lines, inline: the unit path of every row
                    wanted = max(-(-len(value) // width), value.count("\n") + 1)
                    if wanted > lines:
                        lines = min(wanted, _MAX_LINES)
            elif type(value) is int:
                add(f'<c r="{col}{n}" s="{WRAP}"><v>{value}</v></c>')
            elif type(value) is datetime:
                add(f'<c r="{col}{n}" s="{DATETIME}"><v>{_serial(value)!r}</v></c>')
            elif type(value) is Link:
                add(self._link(col, n, value))
                text = value.text
                if len(text) > width or "\n" in text:
                    wanted = max(-(-len(text) // width), text.count("\n") + 1)
                    if wanted > lines:
                        lines = min(wanted, _MAX_LINES)
            else:
                add(self._cell(col, n, value, None))
                lines = _lines(lines, value, width)
        return "".join(parts), lines

    def _flush(self) -> None:
        if self._pending:
            self._write("".join(self._pending))
            self._pending, self._pending_size = [], 0

    def _cell(self, col: str, n: int, value: Cell, style: int | None) -> str:
        s = "" if style is None else f' s="{style}"'
        if isinstance(value, str):
            s = s or f' s="{WRAP}"'
            return f'<c r="{col}{n}" t="inlineStr"{s}><is>{self._text(value)}</is></c>'
        if isinstance(value, bool):
            return f'<c r="{col}{n}" t="b"{s}><v>{int(value)}</v></c>'
        s = s or f' s="{WRAP}"'  # at the top of its cell, as the text beside it
        if isinstance(value, int):
            return f'<c r="{col}{n}"{s}><v>{value}</v></c>'
        if isinstance(value, float):
            return f'<c r="{col}{n}"{s}><v>{value!r}</v></c>' if math.isfinite(value) else ""
        if isinstance(value, datetime):
            return f'<c r="{col}{n}" s="{DATETIME}"><v>{_serial(value)!r}</v></c>'
        if isinstance(value, Percent):
            return f'<c r="{col}{n}" s="{PERCENT}"><v>{value.value!r}</v></c>'
        if isinstance(value, Link):
            return self._link(col, n, value)
        raise TypeError(f"cannot write {type(value).__name__} to a cell")

    def _link(self, col: str, n: int, link: Link) -> str:
        if len(self._links) < _MAX_LINKS:
            self._links.append((f"{col}{n}", link.target))
            return f'<c r="{col}{n}" t="inlineStr" s="{LINK}"><is>{self._text(link.text)}</is></c>'
        if len(link.target) <= _MAX_FORMULA_TEXT:
            formula = f"HYPERLINK({_quoted(link.target)},{_quoted(link.text[:_MAX_FORMULA_TEXT])})"
            return (f'<c r="{col}{n}" t="str" s="{LINK}"><f>{escape(formula)}</f>'
                    f'<v>{escape(cleaned(link.text))}</v></c>')
        return f'<c r="{col}{n}" t="inlineStr" s="{WRAP}"><is>{self._text(link.text)}</is></c>'

    def _text(self, value: str) -> str:
        found = self._texts.get(value)
        if found is None:
            found = _text(value)
            if len(self._texts) >= _CACHE_LIMIT:
                self._texts.clear()
            self._texts[value] = found
        return found

    def filter_from(self, header_row: int) -> None:
        """A filter on the header row over the rows written so far (call after the last row)."""
        self._filter = f"A{header_row}:{self._cols[-1]}{max(self.rows, header_row)}"

    def close(self) -> None:
        if not self._started:
            self._start()
        self._flush()
        tail = "</sheetData>"
        if self._filter:
            tail += f'<autoFilter ref="{self._filter}"/>'
        if self._links:
            tail += "<hyperlinks>" + "".join(
                f'<hyperlink ref="{ref}" r:id="rId{i}"/>' for i, (ref, _) in enumerate(self._links, 1)
            ) + "</hyperlinks>"
        tail += _print_tail(self.printed)
        self._write(tail + "</worksheet>")
        self._out.close()
        if self._links:
            rels = "".join(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/hyperlink" Target={_attr(target)} TargetMode="External"/>'
                for i, (_, target) in enumerate(self._links, 1)
            )
            self.book.zip.writestr(f"xl/worksheets/_rels/sheet{self.index}.xml.rels",
                                   RELS_HEAD + rels + "</Relationships>")


class Workbook:
    """Sheets are written one after the other, each streamed into the zip as its rows come."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.sheets: list[Sheet] = []

    def sheet(self, title: str, widths: Sequence[float]) -> Sheet:
        if self.sheets:
            self.sheets[-1].close()
        sheet = Sheet(self, len(self.sheets) + 1, title, widths)
        self.sheets.append(sheet)
        return sheet

    def close(self) -> None:
        if self.sheets:
            self.sheets[-1].close()
        names, filters = [], []
        for s in self.sheets:
            names.append(f'<sheet name={quoteattr(s.title)} sheetId="{s.index}" r:id="rId{s.index}"/>')
            quoted = "'" + s.title.replace("'", "''") + "'"
            if s.printed:
                row = s.printed.repeat_row
                filters.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{s.index - 1}">'
                               f'{escape(quoted)}!${row}:${row}</definedName>')
            if s._filter:
                first, last = s._filter.split(":")
                ref = "$" + re.sub(r"(\d+)", r"$\1", first) + ":$" + re.sub(r"(\d+)", r"$\1", last)
                filters.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{s.index - 1}" '
                               f'hidden="1">{escape(quoted)}!{ref}</definedName>')
        defined = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
        self.zip.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView/></bookViews><sheets>{"".join(names)}</sheets>{defined}</workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{s.index}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{s.index}.xml"/>' for s in self.sheets
        )
        styles_id = len(self.sheets) + 1
        rels += (f'<Relationship Id="rId{styles_id}" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/styles" Target="styles.xml"/>')
        self.zip.writestr("xl/_rels/workbook.xml.rels", RELS_HEAD + rels + "</Relationships>")
        self.zip.writestr("xl/styles.xml", STYLES)
        self.zip.writestr("_rels/.rels", RELS_HEAD + (
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{s.index}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for s in self.sheets
        )
        self.zip.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        self.zip.close()

    def abandon(self) -> None:
        """After a failure: every sheet's thread ended and the file closed, whatever closing them
        raises (a full disk raises again on each): the failure that got here is the one to show."""
        for s in self.sheets:
            with contextlib.suppress(Exception):
                s._out.abandon()
        with contextlib.suppress(Exception):
            self.zip.close()


def _serial(value: datetime) -> float:
    """Excel's number for a date and time: days since its epoch, the time a fraction of one."""
    naive = value if value.tzinfo is None else value.replace(tzinfo=None)
    return (naive - _EPOCH).total_seconds() / 86400


def _lines(lines: int, value: Cell, width: int) -> int:
    """The lines a row takes: `lines` so far, or more if `value` is text wrapped in `width`."""
    text = value.text if isinstance(value, Link) else value
    if isinstance(text, str) and (len(text) > width or "\n" in text):
        wanted = max(-(-len(text) // width), text.count("\n") + 1)
        return max(lines, min(wanted, _MAX_LINES))
    return lines


def _print_tail(printed: PrintSetup | None) -> str:
    if printed is None:
        return '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    # '&' starts a code in a page header, so a '&' of the text is doubled.
    left, right = (escape(cleaned(t).replace("&", "&&")) for t in (printed.left, printed.right))
    return ('<pageMargins left="0.4" right="0.4" top="0.7" bottom="0.6" header="0.3" footer="0.3"/>'
            # paperSize 9: A4; fitToHeight 0: as many pages tall as it takes
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            f'<headerFooter><oddHeader>&amp;L{left}&amp;R{right}</oddHeader>'
            '<oddFooter>&amp;CTrang &amp;P / &amp;N</oddFooter></headerFooter>')


def _attr(text: str) -> str:
    """quoteattr's result, without its three replacements and their dictionary where nothing needs
    them (a photo's path or signed link, tens of thousands to a sheet)."""
    return quoteattr(text) if _ATTR_SPECIAL.search(text) else f'"{text}"'


def _quoted(text: str) -> str:
    if '"' not in text and is_clean(text):  # a photo's path or names: nothing to clean or double
        return f'"{text}"'
    return '"' + cleaned(text).replace('"', '""') + '"'


def _text(value: str) -> str:
    if not (_SPECIAL.search(value) or value[:1].isspace() or value[-1:].isspace()):
        return f"<t>{value}</t>"
    clean = escape(cleaned(value))
    if clean != clean.strip() or "\n" in clean:
        return f'<t xml:space="preserve">{clean}</t>'
    return f"<t>{clean}</t>"
