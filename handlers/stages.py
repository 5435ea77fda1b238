"""Reading a stage from what people type: 'hoàn thành', 'hoan thanh', 'completed'."""

from __future__ import annotations

from storage.textfold import fold

NOT_STARTED, STARTED, COMPLETED, HANDED_OVER = 0, 1, 2, 3

_WORDS: dict[str, int] = {
    "khoi cong": STARTED,
    "dang thi cong": STARTED,
    "thi cong": STARTED,
    "dang xay": STARTED,
    "started": STARTED,
    "under construction": STARTED,
    "start": STARTED,
    "hoan thanh": COMPLETED,
    "completed": COMPLETED,
    "complete": COMPLETED,
    "ban giao": HANDED_OVER,
    "da ban giao": HANDED_OVER,
    "handed over": HANDED_OVER,
    "handover": HANDED_OVER,
    "hand over": HANDED_OVER,
}
# Longest first, so "dang thi cong" wins over "thi cong" and "handed over" over "over".
_ORDERED = sorted(_WORDS.items(), key=lambda kv: -len(kv[0]))


def parse_stage(text: str) -> int | None:
    padded = f" {fold(text)} "
    for words, stage in _ORDERED:
        if f" {words} " in padded:
            return stage
    return None


def reportable(current: int) -> list[int]:
    """Stages a report may name: never backward; the same stage again adds evidence."""
    return [s for s in (STARTED, COMPLETED, HANDED_OVER) if s >= max(current, STARTED)]
