"""The report dialog's newer sentences: dropping a draft, the volunteer's own reports, limits."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # dropping a draft that holds work
    "drop_ask": ("Bỏ báo cáo nhà {code} với {held}?", "Drop the report on house {code} with {held}?"),
    "drop_ask_no_house": ("Bỏ báo cáo đang soạn với {held}?", "Drop the report you are writing with {held}?"),
    "drop_held": ("{count} ảnh", "{count} photo(s)"),
    "drop_held_note": ("{count} ảnh và ghi chú", "{count} photo(s) and a note"),
    "drop_held_only_note": ("ghi chú đã viết", "the note you wrote"),
    "btn_drop": ("Bỏ", "Drop it"),
    "btn_keep": ("Không, tiếp tục", "No, go on"),
}
