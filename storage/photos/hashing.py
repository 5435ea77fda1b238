"""Scene hashes: the same picture, re-encoded, rescaled, cropped a little or made brighter, lands
near its own hash; a different picture does not, even when both are mostly plain.

A 64-bit difference hash of a wall, a sky or a drawn house is nearly constant (most of its bits
compare two equal flat cells), so different plain photos looked alike. This hash keeps only what
tells scenes apart: where the picture has edges (a Laplacian of a 18x18 grey grid, thresholded
into "brighter than around", "darker than around" or nothing, on the 16x16 inner cells) and its
colours (the hue of 4x4 cells, which brightness does not change). A picture with too few edges
(a flat colour, a smooth sky, one line of a plinth) gets no hash at all: it can never be called a
copy of another one, only an exact copy of its bytes can (bench/phash.py measures all this).

The hash is made from the stored thumbnail (~320 px, a decoded JPEG), by one call of scene_hash:
whoever makes the thumbnail (our resize, or Telegram's own small size) hashes it the same way.
"""

from __future__ import annotations

from functools import lru_cache
from operator import sub

from PIL import Image

GRID = 18                  # grey cells a side; the 16x16 inside each have four neighbours
_W = GRID - 2
_CELLS = _W * _W           # 256 bits a plane
EDGE = 12                  # Laplacian (0..255 grey levels, x4) beyond this is an edge
MIN_EDGES = 12             # fewer edge cells: too little detail to tell scenes apart
MIN_SPREAD = 4             # edges in at least this many rows and as many columns (not one line)
MAX_MISSED = 0.12          # share of edges with no like edge within one cell in the other picture
MAX_MOVED = 0.5            # share of edge cells that differ cell for cell
MAX_COLOUR = 10.0          # mean difference of the 4x4 hues (0..255)
HEX_CHARS = 2 * (2 * _CELLS // 8 + 32)   # two planes of 256 bits and 32 hue bytes

_FULL = (1 << _CELLS) - 1
_LEFT = sum(1 << (r * _W) for r in range(_W))
_RIGHT = _LEFT << (_W - 1)
BLOCK = 4                  # index keys: the edge pattern of each 4x4 block of cells
_KEY_MIN_EDGES = 3         # a block with fewer edges says too little to be a key
KEYS = 8                   # keys a photo is stored and looked up under


def scene_hash(img: Image.Image) -> str | None:
    """The thumbnail's scene hash as hex, or None when the picture has too little detail."""
    grey = img.convert("L").resize((GRID, GRID), Image.Resampling.BOX).tobytes()
    bright = dark = 0
    rows: set[int] = set()
    cols: set[int] = set()
    for r in range(GRID - 2, 0, -1):
        for c in range(GRID - 2, 0, -1):
            i = r * GRID + c
            lap = 4 * grey[i] - grey[i - GRID] - grey[i + GRID] - grey[i - 1] - grey[i + 1]
            bright, dark = bright << 1, dark << 1
            if lap > EDGE:
                bright |= 1
            elif lap < -EDGE:
                dark |= 1
            else:
                continue
            rows.add(r)
            cols.add(c)
    if (bright | dark).bit_count() < MIN_EDGES or min(len(rows), len(cols)) < MIN_SPREAD:
        return None
    colour = img.convert("RGB").resize((BLOCK, BLOCK), Image.Resampling.BOX).tobytes()
    hues = bytearray()
    for i in range(0, len(colour), 3):
        red, green, blue = colour[i:i + 3]
        total = red + green + blue + 1
        hues += bytes((red * 255 // total, green * 255 // total))
    size = _CELLS // 8
    return (bright.to_bytes(size, "big") + dark.to_bytes(size, "big") + bytes(hues)).hex()


@lru_cache(maxsize=4096)
def _planes(h: str) -> tuple[int, int, bytes]:
    # Cached: a lookup compares one new hash with many stored ones, and popular scenes come back.
    raw = bytes.fromhex(h)
    size = _CELLS // 8
    return (int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:2 * size], "big"),
            raw[2 * size:])


def _grown(x: int) -> int:
    """The cells within one step (8 neighbours) of a set cell: a crop or resize moves an edge."""
    y = x | (x << _W) | (x >> _W)
    return (y | ((y << 1) & ~_LEFT) | ((y >> 1) & ~_RIGHT)) & _FULL


def same_scene(a: str | None, b: str | None) -> bool:
    """Whether two scene hashes are the same picture; a missing hash matches nothing."""
    if not a or not b or len(a) != HEX_CHARS or len(b) != HEX_CHARS:
        return False
    ab, ad, ahue = _planes(a)
    bb, bd, bhue = _planes(b)
    # The hues first: cheap, and they tell most different scenes apart on their own.
    if sum(map(abs, map(sub, ahue, bhue))) > MAX_COLOUR * len(ahue):
        return False
    edges = ab.bit_count() + ad.bit_count() + bb.bit_count() + bd.bit_count()
    missed = ((ab & ~_grown(bb)).bit_count() + (ad & ~_grown(bd)).bit_count()
              + (bb & ~_grown(ab)).bit_count() + (bd & ~_grown(ad)).bit_count())
    union = (ab | ad | bb | bd).bit_count()
    moved = ((ab ^ bb) | (ad ^ bd)).bit_count()
    return missed <= MAX_MISSED * edges and moved <= MAX_MOVED * union


def difference(a: str | None, b: str | None) -> float:
    """How far apart two hashes are (0 the same edges, 1 nothing alike), to pick the nearest."""
    if not a or not b or len(a) != HEX_CHARS or len(b) != HEX_CHARS:
        return 1.0
    ab, ad, _ = _planes(a)
    bb, bd, _ = _planes(b)
    union = (ab | ad | bb | bd).bit_count()
    return ((ab ^ bb) | (ad ^ bd)).bit_count() / union if union else 1.0


def index_keys(h: str | None) -> list[int]:
    """Lookup keys: see _index_keys. Filing a photo asks twice (the check for copies, then the
    keys stored with it), on the event loop, for each of a burst's photos: computed once."""
    if not h or len(h) != HEX_CHARS:
        return []
    return list(_index_keys(h))


@lru_cache(maxsize=4096)
def _index_keys(h: str) -> tuple[int, ...]:
    """Lookup keys: the pattern of a 4x4 block of the edges grown by one cell (so that an edge
    a crop moved by a cell still lands in it), with the block's number, for the KEYS blocks with
    the most edges. The same scene shares at least one with its copies, nearly always
    (bench/phash.py); a candidate found by a key is then compared in full with same_scene."""
    bright, dark, _ = _planes(h)
    bright, dark = _grown(bright), _grown(dark)
    blocks: list[tuple[int, int, int]] = []
    per_row = _W // BLOCK
    mask = (1 << BLOCK) - 1
    for block in range(per_row * per_row):
        top, left = (block // per_row) * BLOCK, (block % per_row) * BLOCK
        pattern = edges = 0
        for r in range(top, top + BLOCK):
            shift = r * _W + left  # cell (row, column) is bit row * 16 + column
            lit, unlit = (bright >> shift) & mask, (dark >> shift) & mask
            pattern = (pattern << (2 * BLOCK)) | (lit << BLOCK) | unlit
            edges += (lit | unlit).bit_count()
        if edges >= _KEY_MIN_EDGES:
            blocks.append((-edges, block, pattern))
    return tuple(block << 32 | pattern for _, block, pattern in sorted(blocks)[:KEYS])
