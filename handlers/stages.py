"""Reading a stage from what people type: 'hoàn thành', 'hoan thanh', 'completed'."""

from __future__ import annotations

import re

from storage.codes import REPORTED_STAGES, Stage
from storage.textfold import fold

_WORDS: dict[str, Stage] = {
    "khoi cong": Stage.STARTED,
    "dang thi cong": Stage.STARTED,
    "thi cong": Stage.STARTED,
    "dang xay": Stage.STARTED,
    "started": Stage.STARTED,
    "under construction": Stage.STARTED,
    "start": Stage.STARTED,
    "hoan thanh": Stage.COMPLETED,
    "completed": Stage.COMPLETED,
    "complete": Stage.COMPLETED,
    "xong": Stage.COMPLETED,        # "nhà xong rồi": what people write in a caption
    "da xong": Stage.COMPLETED,
    "done": Stage.COMPLETED,
    "ban giao": Stage.HANDED_OVER,
    "da ban giao": Stage.HANDED_OVER,
    "handed over": Stage.HANDED_OVER,
    "handover": Stage.HANDED_OVER,
    "hand over": Stage.HANDED_OVER,
}
_PUNCT = re.compile(r"[^\w\s]")
# Longest first, so "dang thi cong" wins over "thi cong" and "handed over" over "over".
_ORDERED = sorted(_WORDS.items(), key=lambda kv: -len(kv[0]))


def parse_stage(text: str) -> Stage | None:
    # Punctuation parts words, as in "nhà MH-003, đã xong." from a caption.
    padded = f" {_PUNCT.sub(' ', fold(text))} "
    for words, stage in _ORDERED:
        if f" {words} " in padded:
            return stage
    return None


def reportable(current: int) -> list[Stage]:
    """Stages a report may name: never backward; the same stage again adds evidence."""
    return [s for s in REPORTED_STAGES if s >= max(current, Stage.STARTED)]
