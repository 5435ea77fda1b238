"""One word for each thing in every sentence the bot says: a stage is a "bước", and a choice is
"chọn" (on Zalo a choice is a typed number, so nothing is pressed)."""

from __future__ import annotations

import pytest

from handlers.catalog import MESSAGES


@pytest.mark.parametrize("word", ["bấm", "nhấn", "giai đoạn", "mốc"])
def test_no_sentence_uses_another_word(word: str) -> None:
    used = [key for key, (vi, _) in MESSAGES.items() if word in vi.lower()]
    assert used == [], f"“{word}” in {used}"
