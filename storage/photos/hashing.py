"""Perceptual hashes: the same picture, re-encoded or rescaled, lands within a few bits."""

from __future__ import annotations

from PIL import Image

NEAR_DUPLICATE_DISTANCE = 3

_U64 = (1 << 64) - 1


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _U64).bit_count()


def phash_bands(h: int) -> tuple[int, int, int, int]:
    u = h & _U64
    return (u >> 48) & 0xFFFF, (u >> 32) & 0xFFFF, (u >> 16) & 0xFFFF, u & 0xFFFF


def dhash(img: Image.Image) -> int:
    # dHash: is each of 8 cells brighter than its left neighbour, on a 9x8 grey copy. Area
    # averaging makes it blind to re-encoding and rescaling but not to a different picture.
    grey = img.convert("L").resize((9, 8), Image.Resampling.BOX)
    px = grey.tobytes()
    h = 0
    for row in range(8):
        for col in range(8):
            h = (h << 1) | (px[row * 9 + col + 1] > px[row * 9 + col])
    return h - (1 << 64) if h >> 63 else h
