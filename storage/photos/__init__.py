"""Field photos: taken in (pipeline), decoded in helper processes (workers), noted on arrival
(files) and deleted when no report kept them (sweep).

The names below are what the rest of the bot uses; the modules hold the rest.
"""

from storage.photos.hashing import NEAR_DUPLICATE_DISTANCE, hamming, phash_bands
from storage.photos.pipeline import PhotoStore
from storage.photos.records import PhotoRejected, StoredPhoto

__all__ = [
    "NEAR_DUPLICATE_DISTANCE",
    "PhotoRejected",
    "PhotoStore",
    "StoredPhoto",
    "hamming",
    "phash_bands",
]
