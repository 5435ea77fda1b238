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
MESSAGES.update({
    "duplicate_where": ("báo cáo số {number} (nhà {code})", "report no. {number} (house {code})"),
})
MESSAGES.update({
    "ask_house_with_stage": (
        "Đã nhận {count} ảnh, bước “{stage}”. Ảnh này của nhà nào? Gửi mã nhà hoặc tên chủ hộ.",
        "Got {count} photo(s), stage “{stage}”. Which house are they of? Send its code or the "
        "household head's name.",
    ),
    "house_recent": (
        "Hoặc chọn một nhà bạn báo cáo gần đây:",
        "Or choose a house you reported on lately:",
    ),
    "house_has_waiting": (
        "⏳ Nhà {code} đã có báo cáo số {number} ({stage}, lúc {time}) đang chờ cán bộ duyệt.",
        "⏳ House {code} already has report no. {number} ({stage}, at {time}) waiting for an officer.",
    ),
    # /cuatoi
    "mine_none": ("Bạn chưa gửi báo cáo nào. Gõ /baocao để bắt đầu.",
                  "You have not sent any report yet. Send /report to start."),
    "mine_head": ("{count} báo cáo gần nhất của bạn:", "Your last {count} report(s):"),
    "mine_line": ("• Số {number}: nhà {code}, {stage}, {photos} ảnh, {time}: {state}",
                  "• No. {number}: house {code}, {stage}, {photos} photo(s), {time}: {state}"),
    "mine_pending": ("⏳ chờ duyệt", "⏳ waiting for review"),
    "mine_accepted": ("✅ đã ghi nhận", "✅ counted"),
    "mine_approved": ("✅ đã duyệt", "✅ approved"),
    "mine_returned": ("↩️ bị trả lại: {reason}", "↩️ returned: {reason}"),
})
MESSAGES.update({
    "help_officer": ("Lệnh của cán bộ phụ trách:", "Officer commands:"),
})
MESSAGES.update({
    "off_house_report_note": ("    Ghi chú: {note}", "    Note: {note}"),
    "off_house_report_map": ("    Vị trí: https://maps.google.com/?q={lat},{lon}",
                             "    Location: https://maps.google.com/?q={lat},{lon}"),
})
