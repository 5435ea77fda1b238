"""Field photos: taken in (pipeline), decoded in helper processes (workers), noted on arrival
(files) and deleted when no report kept them (sweep).

The names below are what the rest of the bot uses; the modules hold the rest.
"""

from storage.photos.hashing import difference, index_keys, lookup_keys, same_scene
from storage.photos.pipeline import PhotoStore
from storage.photos.records import PhotoRejected, StoredPhoto

__all__ = [
    "PhotoRejected",
    "PhotoStore",
    "StoredPhoto",
    "difference",
    "index_keys",
    "lookup_keys",
    "same_scene",
]
