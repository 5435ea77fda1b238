"""Sentences of reminders and nudges, Vietnamese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # deadline reminders
    "rem_deadline_days": (
        "⏰ Nhắc hạn: {name}\nHạn chót {date}, còn {days} ngày.",
        "⏰ Deadline reminder: {name}\nDue {date}, {days} days left.",
    ),
    "rem_deadline_tomorrow": (
        "⏰ Nhắc hạn: {name}\nHạn chót là ngày mai, {date}.",
        "⏰ Deadline reminder: {name}\nDue tomorrow, {date}.",
    ),
    "rem_deadline_today": (
        "⏰ Hôm nay, {date}, là hạn chót: {name}",
        "⏰ Today, {date}, is the deadline: {name}",
    ),
    "rem_officer_left": (
        "{unit}: còn {left}/{target} nhà chưa {stage}.",
        "{unit}: {left} of {target} houses not yet {stage}.",
    ),
    "rem_officer_pace": (
        "Cần {need} nhà/ngày để kịp hạn; 7 ngày qua đạt {pace} nhà/ngày.",
        "Needed: {need} houses a day to make it; the last 7 days: {pace} a day.",
    ),
    "rem_officer_behind": ("Chậm nhất: {units}.", "Most behind: {units}."),
    "rem_behind_unit": ("{name} còn {left}/{target}", "{name} {left} of {target} left"),
    "rem_volunteer_houses": (
        "Các nhà bạn báo cáo chưa {stage}:",
        "Houses you report on that are not yet {stage}:",
    ),
    "rem_newcomer_hint": (
        "Bạn chưa báo cáo nhà nào. Khi đến công trình, gõ /baocao để báo cáo tiến độ, kèm ảnh.",
        "You have not reported on a house yet. At a building site, send /report to report its "
        "progress, with photos.",
    ),
    "rem_house_line": ("• {code} – {head}: {current}", "• {code} – {head}: {current}"),
    "rem_more_houses": ("… và {count} nhà khác.", "… and {count} more."),
    "rem_report_hint": (
        "Gõ /baocao để báo cáo tiến độ, kèm ảnh.",
        "Send /report to report progress, with photos.",
    ),
    # stale work
    "rem_stale_head": (
        "🏗 Nhà đang thi công đã lâu chưa có báo cáo mới:",
        "🏗 Houses under construction with no new report for a while:",
    ),
    "rem_stale_line": (
        "• {code} – {head}: {days} ngày, báo cáo gần nhất {date}",
        "• {code} – {head}: {days} days, last report {date}",
    ),
    "rem_stale_hint": (
        "Gõ /baocao MÃ_NHÀ để cập nhật tiến độ, kèm ảnh.",
        "Send /report HOUSE_CODE to update its progress, with photos.",
    ),
    # the officers' daily digest
    "rem_digest_head": ("📋 Tổng hợp ngày {date} – {unit}", "📋 Daily digest {date} – {unit}"),
    "rem_digest_new": (
        "Báo cáo mới trong 24 giờ qua: {count} ({detail}).",
        "New reports in the last 24 hours: {count} ({detail}).",
    ),
    "rem_digest_stage": ("{stage} {count}", "{stage} {count}"),
    "rem_digest_no_new": (
        "Không có báo cáo mới trong 24 giờ qua.",
        "No new reports in the last 24 hours.",
    ),
    "rem_digest_no_review": ("Không có báo cáo nào chờ duyệt.", "Nothing waits for review."),
    "rem_pause_hint": ("Tạm dừng nhắc nhở: /nhacnho_tat", "Pause these nudges: /reminders_off"),
    # /nhacnho
    "rem_view_head": ("🔔 Nhắc nhở bạn sẽ nhận:", "🔔 Reminders you will receive:"),
    "rem_view_deadline": (
        "• {name}: hạn {date}, lần nhắc tới {next}.",
        "• {name}: due {date}, next reminder {next}.",
    ),
    "rem_view_deadline_done": (
        "• {name}: hạn {date}, không còn lần nhắc nào.",
        "• {name}: due {date}, no reminders left.",
    ),
    "rem_view_no_deadline": (
        "• Không có thời hạn nào sắp tới.",
        "• No deadlines ahead.",
    ),
    "rem_view_volunteer_rule": (
        "Nhắc hạn liệt kê các nhà bạn báo cáo chưa đạt yêu cầu; không còn nhà nào thì không nhắc. "
        "Khi bạn chưa báo cáo nhà nào, nhắc hạn cho biết đơn vị của bạn còn bao nhiêu nhà.",
        "A deadline reminder lists the houses you report on that are not there yet; none left, no "
        "reminder. Before your first report, it tells how many houses your area has left.",
    ),
    "rem_view_digest": (
        "• Tổng hợp hằng ngày lúc {time}: báo cáo mới và báo cáo chờ duyệt của đơn vị.",
        "• A daily digest at {time}: new reports and reports waiting for review in your area.",
    ),
    "rem_view_stale": (
        "• Lúc {time}, nếu một nhà bạn báo cáo đang thi công {days} ngày chưa có báo cáo mới.",
        "• At {time}, when a house you report on has been under construction {days} days without "
        "a new report.",
    ),
    "rem_view_quiet": (
        "Giờ yên lặng {start}–{end}: tin nhắc đến hạn lúc đó được giữ đến {end}.",
        "Quiet hours {start}–{end}: reminders due then wait until {end}.",
    ),
    "rem_view_active": (
        "Bạn đang nhận nhắc nhở. Tạm dừng: /nhacnho_tat",
        "Your reminders are on. Pause them: /reminders_off",
    ),
    "rem_view_paused": (
        "Bạn đã tạm dừng nhắc nhở. Nhận lại: /nhacnho_bat",
        "Your reminders are paused. Resume them: /reminders_on",
    ),
    "rem_view_officer_note": (
        "Nhắc hạn gửi cán bộ phụ trách không tạm dừng được.",
        "Deadline reminders to officers cannot be paused.",
    ),
    "rem_paused": (
        "Đã tạm dừng nhắc nhở. Gõ /nhacnho_bat để nhận lại.",
        "Reminders paused. Send /reminders_on to resume.",
    ),
    "rem_paused_officer": (
        "Đã tạm dừng bản tổng hợp hằng ngày và lời nhắc nhà lâu chưa báo cáo. Nhắc hạn gửi cán bộ "
        "phụ trách vẫn đến. Gõ /nhacnho_bat để nhận lại.",
        "The daily digest and stale-work nudges are paused. Deadline reminders to officers still "
        "come. Send /reminders_on to resume.",
    ),
    "rem_already_paused": (
        "Nhắc nhở đã đang tạm dừng. Gõ /nhacnho_bat để nhận lại.",
        "Reminders are already paused. Send /reminders_on to resume.",
    ),
    "rem_resumed": ("Bạn sẽ nhận lại nhắc nhở.", "Reminders are on again."),
    "rem_already_active": (
        "Bạn đang nhận nhắc nhở rồi. Gõ /nhacnho để xem.",
        "Your reminders are already on. Send /reminders to see them.",
    ),
    "rem_bad_arg": (
        "Không hiểu “{arg}”. Gõ /nhacnho để xem, /nhacnho_tat để tạm dừng, /nhacnho_bat để nhận lại.",
        "“{arg}” is not clear. Send /reminders to see them, /reminders_off to pause, /reminders_on "
        "to resume.",
    ),
}
