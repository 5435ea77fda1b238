"""An invite as a picture: the QR code of the Telegram link, the code in large letters under it
(Zalo has no deep link, people type `/start CODE`, which the card says), the unit, the role and the
expiry date; and a printable A4 sheet of them to cut out and hand over at a meeting, as a PDF or as
an XLSX sheet for an office that edits before printing.

A bot on Zalo alone has no link to put in a QR code: its card is the code, large, and the line
to type, which is what a commune's Zalo group needs forwarded.

Drawing is CPU work, so the callers run it in a worker thread.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass
from functools import cache
from pathlib import Path

import matplotlib
import segno
from PIL import Image, ImageDraw, ImageFont

from handlers.officers.files import made_once

# DejaVu ships inside matplotlib (already a dependency) and covers Vietnamese (ệ ở ữ đ ...).
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
QUIET = 4            # the quiet zone the QR standard asks for, in modules
ERROR_LEVEL = "m"    # survives a crease or a smudge on a printed card; segno raises it when it fits
CARD_WIDTH = 800     # a phone shows it whole; the sheet draws its cells at its own width
A4_300DPI = (2480, 3508)
SHEET_GRID = (3, 4)  # columns, rows: twelve cards a page, large enough to scan from a table
PAGE_MARGIN = 120


@dataclass(frozen=True)
class Card:
    link: str        # what the QR code holds
    code: str
    unit: str
    role: str
    expiry: str      # the sentence saying until when (and for how many, for a group code)
    title: str
    hint: str = ""   # what to send the bot on Zalo

    def key(self) -> str:
        return hashlib.sha256(repr(astuple(self)).encode()).hexdigest()[:24]


def qr(link: str) -> segno.QRCode:
    return segno.make(link, error=ERROR_LEVEL, micro=False)


def qr_layout(link: str, width: int) -> tuple[int, int, int, int]:
    """Where the code's modules are drawn in a card `width` wide: (left, top, module size, modules)."""
    modules = qr(link).symbol_size(scale=1, border=0)[0]
    scale = max(1, (width * 3 // 4) // (modules + 2 * QUIET))
    side = (modules + 2 * QUIET) * scale
    return (width - side) // 2 + QUIET * scale, QUIET * scale, scale, modules


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_FONTS / name), size)


def draw_card(card: Card, width: int = CARD_WIDTH) -> Image.Image:
    unit = width // 40
    big = _font("DejaVuSansMono-Bold.ttf", unit * 3)
    text = _font("DejaVuSans.ttf", int(unit * 1.3))
    bold = _font("DejaVuSans-Bold.ttf", int(unit * 1.3))
    chars = max(12, int(width / (unit * 0.75)))
    lines = [(bold, line) for line in textwrap.wrap(card.title, chars)]
    lines += [(text, line) for part in (card.unit, card.role, card.expiry)
              for line in textwrap.wrap(part, chars)]
    lines += [(bold, line) for line in textwrap.wrap(card.hint, chars)]
    left = top = scale = 0
    matrix: Sequence[bytearray] = ()
    if card.link:
        left, top, scale, modules = qr_layout(card.link, width)
        matrix = qr(card.link).matrix
        qr_bottom = top + (modules + QUIET) * scale
    else:
        qr_bottom = unit * 3
    height = qr_bottom + unit * 4 + sum(int(f.size * 1.35) for f, _ in lines) + unit * 2
    image = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(image)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = left + c * scale, top + r * scale
                pen.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    y = qr_bottom
    pen.text((width // 2, y), card.code, font=big, fill=0, anchor="ma")
    y += unit * 4
    for font, line in lines:
        pen.text((width // 2, y), line, font=font, fill=0, anchor="ma")
        y += int(font.size * 1.35)
    pen.rectangle((0, 0, width - 1, height - 1), outline=160)  # where to cut, on a printed sheet
    return image


def card_file(folder: Path, card: Card, mode: int) -> Path:
    """The card as a PNG in `folder`, named by what it shows; drawn once, written atomically."""
    def draw() -> bytes:
        out = io.BytesIO()
        draw_card(card).save(out, "PNG", optimize=True)
        return out.getvalue()

    return made_once(folder, f"invite-{card.key()}.png", "invite-*.png", draw, mode)


def sheet_pages(cards: Sequence[Card]) -> Iterator[Image.Image]:
    """A4 pages at 300 dpi, twelve cards each, in black and white: a 500-code sheet stays small."""
    cols, rows = SHEET_GRID
    page_w, page_h = A4_300DPI
    cell_w = (page_w - 2 * PAGE_MARGIN) // cols
    cell_h = (page_h - 2 * PAGE_MARGIN) // rows
    per_page = cols * rows
    for start in range(0, len(cards), per_page):
        page = Image.new("L", A4_300DPI, 255)
        for i, card in enumerate(cards[start:start + per_page]):
            drawn = draw_card(card, cell_w - 20)
            if drawn.height > cell_h - 20:
                drawn = drawn.resize((drawn.width * (cell_h - 20) // drawn.height, cell_h - 20))
            x = PAGE_MARGIN + (i % cols) * cell_w + (cell_w - drawn.width) // 2
            y = PAGE_MARGIN + (i // cols) * cell_h + (cell_h - drawn.height) // 2
            page.paste(drawn, (x, y))
        yield page.convert("1", dither=Image.Dither.NONE)


def write_pdf(cards: Sequence[Card], out: Path) -> int:
    """A printable PDF of the cards; the number of pages."""
    pages = list(sheet_pages(cards))
    pages[0].save(out, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    return len(pages)


XLSX_COLUMNS = 3          # cards across an A4 portrait page, as on the PDF
XLSX_CARDS_A_PAGE = 12    # four rows of three: a page break after each, so no card is cut in two
XLSX_CARD_PX = 230        # how wide a card shows; drawn at three times that, so it prints sharp


def write_xlsx(cards: Sequence[Card], out: Path) -> int:
    """An XLSX sheet of the cards, a picture over each card's cell and its code in the cell below
    (an office sorts, types over or hands on the codes before printing); the number of A4 pages."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image as SheetImage
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.pagebreak import Break

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ma moi"
    for col in range(1, XLSX_COLUMNS + 1):
        # A column's width is in characters of the default font: about 7 pixels each, and 5 more.
        sheet.column_dimensions[get_column_letter(col)].width = (XLSX_CARD_PX + 10 - 5) / 7
    rows_a_page = XLSX_CARDS_A_PAGE // XLSX_COLUMNS
    for start in range(0, len(cards), XLSX_COLUMNS):
        picture_row = 2 * (start // XLSX_COLUMNS) + 1
        tallest = 0
        for col, card in enumerate(cards[start:start + XLSX_COLUMNS], 1):
            drawn = draw_card(card, XLSX_CARD_PX * 3).convert("1", dither=Image.Dither.NONE)
            png = io.BytesIO()
            drawn.save(png, "PNG", optimize=True)
            picture = SheetImage(io.BytesIO(png.getvalue()))
            picture.width, picture.height = XLSX_CARD_PX, drawn.height * XLSX_CARD_PX // drawn.width
            tallest = max(tallest, picture.height)
            sheet.add_image(picture, f"{get_column_letter(col)}{picture_row}")
            cell = sheet.cell(row=picture_row + 1, column=col, value=card.code)
            cell.font = Font(name="Consolas", size=14, bold=True)
            cell.alignment = Alignment(horizontal="center")
        sheet.row_dimensions[picture_row].height = (tallest + 8) * 0.75  # points: 3/4 of a pixel
        if (start // XLSX_COLUMNS + 1) % rows_a_page == 0 and start + XLSX_COLUMNS < len(cards):
            sheet.row_breaks.append(Break(id=picture_row + 1))
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = "portrait"
    setup.fitToWidth, setup.fitToHeight = 1, 0  # the width on one page, as many pages down as needed
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    book.save(out)
    return -(-len(cards) // XLSX_CARDS_A_PAGE)
