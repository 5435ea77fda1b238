"""Sentences of the officers' commands, Vietnamese first, English second."""

from __future__ import annotations

from storage.codes import ReviewState

REVIEW_STATES: dict[str, tuple[str, str]] = {
    ReviewState.ACCEPTED: ("đã nhận", "accepted"),
    ReviewState.PENDING: ("chờ duyệt", "waiting for review"),
    ReviewState.APPROVED: ("đã duyệt", "approved"),
    ReviewState.RETURNED: ("trả lại", "returned"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # finding a unit
    "off_unit_not_found": (
        "Không tìm thấy đơn vị “{query}” trong {unit}. Gõ mã đơn vị hoặc tên (không cần dấu).",
        "No unit “{query}” in {unit}. Type the unit's code or name.",
    ),
    "off_unit_many": ("Có nhiều đơn vị khớp “{query}”:", "Several units match “{query}”:"),
    "off_unit_pick": (
        "Gõ lại kèm mã, ví dụ: /{command} {code}",
        "Type it again with the code, e.g. /{command} {code}",
    ),
    "off_cut": ("… (còn nữa, đã rút gọn)", "… (more, cut short)"),
    # /tiendo
    "off_status_title": ("📊 Tiến độ {unit} ({code}), ngày {date}", "📊 Progress of {unit} ({code}), {date}"),
    "off_status_quota": (
        "Chỉ tiêu: {quota} nhà · đã lập danh sách: {registered} nhà",
        "Quota: {quota} houses · listed: {registered} houses",
    ),
    "off_status_no_quota": (
        "Chưa giao chỉ tiêu · đã lập danh sách: {registered} nhà",
        "No quota assigned · listed: {registered} houses",
    ),
    "off_status_quota_mismatch": (
        "⚠️ Chỉ tiêu giao {quota} nhà, nhưng chỉ tiêu các đơn vị cấp dưới cộng lại {children} nhà.",
        "⚠️ The quota is {quota} houses, but the sub-units' quotas add up to {children}.",
    ),
    "off_status_stages": (
        "Chưa khởi công {s0} · đang thi công {s1} · hoàn thành {s2} · đã bàn giao {s3}",
        "Not started {s0} · under construction {s1} · completed {s2} · handed over {s3}",
    ),
    "off_status_shares": (
        "Lũy kế: đã khởi công {started} · hoàn thành {completed} ({completed_pct} chỉ tiêu) · "
        "bàn giao {handed} ({handed_pct} chỉ tiêu)",
        "In all: started {started} · completed {completed} ({completed_pct} of quota) · "
        "handed over {handed} ({handed_pct} of quota)",
    ),
    "off_status_direct": (
        "Trong đó {count} nhà thuộc trực tiếp {unit}, không thuộc đơn vị cấp dưới nào.",
        "Of these, {count} houses belong to {unit} itself, not to a sub-unit.",
    ),
    "off_status_no_deadline": (
        "Chưa có thời hạn nào về nhà trong cấu hình.", "No deadline about houses is configured."
    ),
    "off_deadline_next": (
        "⏰ Hạn “{name}”: {date}, còn {days} ngày.", "⏰ Deadline “{name}”: {date}, {days} days left."
    ),
    "off_deadline_today": (
        "⏰ Hôm nay là hạn “{name}” ({date}).", "⏰ Today is the deadline “{name}” ({date})."
    ),
    "off_deadline_passed": (
        "⏰ Hạn “{name}” ({date}) đã qua {days} ngày.",
        "⏰ The deadline “{name}” ({date}) passed {days} days ago."
    ),
    "off_deadline_missed": (
        "Còn {remaining} nhà chưa {goal} so với chỉ tiêu.",
        "{remaining} houses of the quota are not {goal} yet."
    ),
    "off_deadline_met": ("✅ Đã {goal} đủ chỉ tiêu.", "✅ The whole quota is {goal}."),
    "off_pace_short": (
        "Cần {goal} thêm {remaining} nhà: {need} nhà/ngày. 7 ngày qua: {pace} nhà/ngày ⚠️ chậm hơn mức cần.",
        "{remaining} more houses to be {goal}: {need} a day. Last 7 days: {pace} a day ⚠️ slower than needed.",
    ),
    "off_pace_ok": (
        "Cần {goal} thêm {remaining} nhà: {need} nhà/ngày. 7 ngày qua: {pace} nhà/ngày, kịp tiến độ.",
        "{remaining} more houses to be {goal}: {need} a day. Last 7 days: {pace} a day, on pace.",
    ),
    "off_pace_recent": ("7 ngày qua: {pace} nhà/ngày {goal}.", "Last 7 days: {pace} houses a day {goal}."),
    "off_laggards": (
        "Đơn vị cấp dưới chậm nhất ({goal} / chỉ tiêu), {count} đơn vị:",
        "Sub-units furthest behind ({goal} / quota), {count} in all:",
    ),
    "off_laggard_pace": (
        "{i}. {name}: {reached}/{quota} ({share}), cần {need}/ngày, 7 ngày qua {pace}/ngày",
        "{i}. {name}: {reached}/{quota} ({share}), needs {need}/day, last 7 days {pace}/day",
    ),
    "off_laggard": (
        "{i}. {name}: {reached}/{quota} ({share}), 7 ngày qua {pace}/ngày",
        "{i}. {name}: {reached}/{quota} ({share}), last 7 days {pace}/day",
    ),
    "off_laggard_done": (
        "{i}. {name}: {reached}/{quota} ({share}) ✅",
        "{i}. {name}: {reached}/{quota} ({share}) ✅",
    ),
    "off_laggard_no_quota": (
        "{i}. {name}: chưa giao chỉ tiêu ({registered} nhà trong danh sách)",
        "{i}. {name}: no quota ({registered} houses listed)",
    ),
    "off_laggards_rest": (
        "… và {count} đơn vị khác, đạt từ {low}% đến {high}%.",
        "… and {count} more, at {low}% to {high}%.",
    ),
    "off_laggards_rest_same": (
        "… và {count} đơn vị khác, đạt {share}%.",
        "… and {count} more, at {share}%.",
    ),
    "off_laggards_rest_plain": ("… và {count} đơn vị khác.", "… and {count} more."),
    "off_chart_title": ("Tiến độ: {unit}", "Progress: {unit}"),
    "off_chart_subtitle": (
        "Ngày {date} · chỉ tiêu {quota} · hoàn thành {completed}",
        "{date} · quota {quota} · completed {completed}",
    ),
    "off_chart_more": ("{shown} đơn vị chậm nhất / {count}", "the {shown} furthest behind of {count}"),
    "off_chart_started": ("Đang thi công", "Under construction"),
    "off_chart_quota": ("Chỉ tiêu", "Quota"),
    "off_chart_axis": ("Tỷ lệ so với chỉ tiêu", "Share of quota"),
    "off_chart_no_quota": ("chưa giao chỉ tiêu", "no quota"),
    # /nha
    "off_house_usage": (
        "Gõ /nha kèm mã nhà hoặc tên chủ hộ, ví dụ: /nha {example}",
        "Send /house with a house code or the household head's name, e.g. /house {example}",
    ),
    "off_house_usage_no_example": (
        "Gõ /nha kèm mã nhà hoặc tên chủ hộ.",
        "Send /house with a house code or the household head's name.",
    ),
    "off_house_not_found": (
        "Không tìm thấy nhà nào khớp “{query}” trong {unit}.", "No house matches “{query}” in {unit}."
    ),
    "off_house_many": ("Có {count} nhà khớp “{query}”:", "{count} houses match “{query}”:"),
    "off_house_many_more": (
        "… và {more} nhà khác; hãy gõ cụ thể hơn.",
        "… and {more} more; please narrow it.",
    ),
    "off_house_pick": (
        "Gõ lại kèm mã nhà, ví dụ: /{command} {code}",
        "Type it again with the house code, e.g. /{command} {code}",
    ),
    "off_house_title": ("🏠 Nhà {code} – {head}", "🏠 House {code} – {head}"),
    "off_house_unit": ("Đơn vị: {path}", "Unit: {path}"),
    "off_house_kind": ("Đối tượng: {category} · {support}", "Category: {category} · {support}"),
    "off_house_address": ("Địa chỉ: {address}", "Address: {address}"),
    "off_house_stage": ("Hiện tại: {stage}", "Now: {stage}"),
    "off_house_stage_since": ("Hiện tại: {stage} (từ {time})", "Now: {stage} (since {time})"),
    "off_house_no_reports": ("Chưa có báo cáo nào.", "No reports yet."),
    "off_house_reports": ("Báo cáo ({count}):", "Reports ({count}):"),
    "off_house_earlier": ("… {count} báo cáo cũ hơn không hiện.", "… {count} older reports not shown."),
    "off_house_report": (
        "• Số {number}, {time}: {stage}, {reporter}, {photos} ảnh, {state}",
        "• No. {number}, {time}: {stage}, {reporter}, {photos} photo(s), {state}",
    ),
    "off_house_reason": ("(lý do: {reason})", "(reason: {reason})"),
    # /chuabaocao
    "off_stale_usage": (
        "Gõ /chuabaocao hoặc /chuabaocao SỐ_NGÀY (1 đến {max}), ví dụ: /chuabaocao 14",
        "Send /stale or /stale DAYS (1 to {max}), e.g. /stale 14",
    ),
    "off_stale_none": (
        "✅ Mọi nhà chưa bàn giao của {unit} đều có báo cáo trong {days} ngày qua.",
        "✅ Every house of {unit} not yet handed over had a report in the last {days} days.",
    ),
    "off_stale_title": (
        "🔕 {count} nhà của {unit} chưa bàn giao và không có báo cáo {days} ngày qua:",
        "🔕 {count} houses of {unit} not handed over and with no report in {days} days:",
    ),
    "off_stale_group": ("▸ {unit}: {count} nhà", "▸ {unit}: {count} houses"),
    "off_stale_group_never": (
        "▸ {unit}: {count} nhà ({never} nhà chưa từng có báo cáo)",
        "▸ {unit}: {count} houses ({never} never reported)",
    ),
    "off_stale_house": (
        "  • {code} – {head}: {stage}, báo cáo cuối {date} ({days} ngày trước), {reporter}",
        "  • {code} – {head}: {stage}, last report {date} ({days} days ago), {reporter}",
    ),
    "off_stale_house_never": (
        "  • {code} – {head}: {stage}, chưa có báo cáo nào", "  • {code} – {head}: {stage}, never reported"
    ),
    "off_stale_rest": (
        "… và {groups} đơn vị khác, {count} nhà.", "… and {groups} more units, {count} houses."
    ),
    # /duyet
    "off_review_title": (
        "📝 Báo cáo số {number} chờ duyệt (còn {count})",
        "📝 Report no. {number} to review ({count} waiting)",
    ),
    "off_review_house": ("Nhà {code} – {head}", "House {code} – {head}"),
    "off_review_stage": (
        "Báo cáo bước: {stage} (nhà đang ở: {current})",
        "Reports: {stage} (house now: {current})",
    ),
    "off_review_by": ("Người báo cáo: {reporter}, lúc {time}", "Reported by {reporter} at {time}"),
    "off_review_note": ("Ghi chú: {note}", "Note: {note}"),
    "off_review_no_photos": ("(báo cáo không có ảnh)", "(the report has no photos)"),
    "off_flag_duplicate": (
        "⚠️ Ảnh số {position} trùng với ảnh trong báo cáo số {other} của nhà {code} – {head} (ảnh ghép: "
        "bên trái ảnh mới, bên phải ảnh cũ).",
        "⚠️ Photo {position} matches a photo of report no. {other} on house {code} – {head} (the joined "
        "picture: new on the left, earlier on the right).",
    ),
    "off_btn_approve": ("✅ Duyệt", "✅ Approve"),
    "off_btn_return": ("↩️ Trả lại", "↩️ Return"),
    "off_btn_later": ("⏭ Để sau", "⏭ Later"),
    "off_btn_stop": ("Dừng duyệt", "Stop reviewing"),
    "off_house_fixed": (
        "✏️ {time}: cán bộ {name} sửa {old} → {new} ({reason})",
        "✏️ {time}: officer {name} corrected {old} → {new} ({reason})",
    ),
    # /sua
    "off_fix_usage": (
        "Gõ /sua kèm mã nhà hoặc tên chủ hộ để sửa bước của nhà đó khi báo cáo bị nhầm, ví dụ: "
        "/sua {example}",
        "Send /correct with a house code or the household head's name to correct its stage when a "
        "report was wrong, e.g. /correct {example}",
    ),
    "off_fix_usage_no_example": (
        "Gõ /sua kèm mã nhà hoặc tên chủ hộ để sửa bước của nhà đó khi báo cáo bị nhầm.",
        "Send /correct with a house code or the household head's name to correct its stage when a "
        "report was wrong.",
    ),
    "off_fix_ask_stage": (
        "✏️ Sửa bước nhà {code} – {head}.\nHiện tại: {stage}. Chọn bước đúng:",
        "✏️ Correcting the stage of house {code} – {head}.\nNow: {stage}. Choose the right stage:",
    ),
    "off_fix_ask_reason": (
        "Nhà {code}: {old} → {new}. Gõ lý do sửa (người báo cáo gần nhất sẽ được báo):",
        "House {code}: {old} → {new}. Type the reason (the last reporter will be told):",
    ),
    "off_btn_stop_fix": ("Thôi, không sửa", "Leave it as it is"),
    "off_fix_stopped": ("Không sửa nhà {code}.", "House {code} left as it was."),
    "off_fix_moved": (
        "Nhà {code} vừa được cập nhật trong lúc bạn chọn nên chưa sửa. Gõ lại /sua {code} để xem "
        "bước mới.",
        "House {code} changed while you were choosing, so nothing was corrected. Send /correct {code} "
        "again to see its stage now.",
    ),
    "off_fix_done": (
        "✅ Đã sửa nhà {code}: {old} → {new}. Số liệu tiến độ đã tính lại.",
        "✅ House {code} corrected: {old} → {new}. Progress figures now count it so.",
    ),
    "off_fix_told": (
        "✏️ Cán bộ {name} đã sửa bước nhà {code}: {old} → {new}.\nLý do: {reason}",
        "✏️ Officer {name} corrected the stage of house {code}: {old} → {new}.\nReason: {reason}",
    ),
    "off_btn_keep": ("Quay lại báo cáo", "Back to the report"),
    "off_review_press": (
        "Hãy chọn: Duyệt, Trả lại, Để sau hoặc Dừng duyệt.",
        "Please choose: Approve, Return, Later or Stop reviewing.",
    ),
    "off_review_ask_reason": (
        "Gõ lý do trả lại báo cáo số {number}; người báo cáo sẽ nhận được ngay.",
        "Type why report no. {number} is returned; the reporter gets it at once.",
    ),
    "off_review_approved": (
        "✅ Đã duyệt báo cáo số {number}: nhà {code}, {stage}.",
        "✅ Report no. {number} approved: house {code}, {stage}.",
    ),
    "off_review_returned": (
        "↩️ Đã trả lại báo cáo số {number} (nhà {code}) và báo cho người báo cáo.",
        "↩️ Report no. {number} (house {code}) returned; the reporter has been told.",
    ),
    "off_review_gone": (
        "Báo cáo số {number} không còn chờ duyệt (có thể cán bộ khác đã xử lý).",
        "Report no. {number} no longer waits (another officer may have decided it).",
    ),
    "off_review_own": (
        "Báo cáo số {number} do chính bạn gửi, cần cán bộ khác duyệt.",
        "You filed report no. {number} yourself; another officer must review it.",
    ),
    "off_review_none": (
        "Không có báo cáo nào chờ duyệt trong {unit}.", "No reports wait for review in {unit}."
    ),
    "off_review_done_skipped": (
        "Đã xem hết. Còn {count} báo cáo chờ duyệt (đã để sau); gõ /duyet để xem lại.",
        "That is all. {count} reports still wait (left for later); send /review to see them again.",
    ),
    "off_review_stopped": (
        "Đã dừng duyệt. Còn {count} báo cáo chờ duyệt; gõ /duyet để tiếp tục.",
        "Stopped. {count} reports still wait; send /review to go on.",
    ),
    "off_review_told_approved": (
        "✅ Báo cáo số {number} (nhà {code}, {stage}) đã được cán bộ duyệt. Cảm ơn bạn!",
        "✅ Report no. {number} (house {code}, {stage}) was approved. Thank you!",
    ),
    "off_review_told_returned": (
        "↩️ Báo cáo số {number} (nhà {code}, {stage}) chưa được duyệt. Lý do: {reason}\n"
        "Hãy bổ sung rồi gửi báo cáo mới: /baocao {code}",
        "↩️ Report no. {number} (house {code}, {stage}) was returned. Reason: {reason}\n"
        "Please fix it and send a new report: /report {code}",
    ),
    # /xuat
    "off_export_working": ("Đang lập tệp Excel…", "Preparing the Excel file…"),
    "off_export_done": (
        "📎 Báo cáo tiến độ {unit}: {units} đơn vị, {houses} nhà, {reports} báo cáo. Lập lúc {time}.",
        "📎 Progress report of {unit}: {units} units, {houses} houses, {reports} reports. Made at {time}.",
    ),
    "off_export_failed": (
        "Xin lỗi, chưa lập được tệp Excel. Hãy thử lại sau ít phút.",
        "Sorry, the Excel file could not be made. Please try again in a few minutes.",
    ),
    # /khenthuong
    "off_awards_title": (
        "🏅 Số được đề nghị khen thưởng theo chỉ tiêu, {unit}:",
        "🏅 Commendations that may be proposed, by quota, {unit}:",
    ),
    "off_awards_deadline": (
        "Đúng hạn: {goal} đủ chỉ tiêu chậm nhất ngày {date} (“{name}”).",
        "On time: the whole quota {goal} by {date} at the latest (“{name}”).",
    ),
    "off_awards_no_deadline": (
        "Chưa có thời hạn hoàn thành, bàn giao nào trong cấu hình, nên chưa xét đúng hạn.",
        "No completion or handover deadline is configured, so timeliness is not judged.",
    ),
    "off_awards_line": (
        "{i}. {name}: chỉ tiêu {quota} → {collectives} tập thể, {individuals} cá nhân · đạt {share} · "
        "{verdict}",
        "{i}. {name}: quota {quota} → {collectives} collectives, {individuals} individuals · {share} · "
        "{verdict}",
    ),
    "off_awards_no_quota": (
        "{i}. {name}: chưa giao chỉ tiêu, chưa xét", "{i}. {name}: no quota, not assessed"
    ),
    "off_awards_on_time": ("✅ đúng hạn", "✅ on time"),
    "off_awards_late": ("❌ không kịp hạn", "❌ late"),
    "off_awards_not_yet": ("⏳ chưa xong, chưa đến hạn", "⏳ not done, deadline ahead"),
    "off_awards_more": (
        "… và {count} đơn vị khác; gõ /khenthuong MÃ_ĐƠN_VỊ để xem từng đơn vị.",
        "… and {count} more; send /awards UNITCODE for one of them.",
    ),
    "off_awards_total": (
        "Tổng: {collectives} tập thể, {individuals} cá nhân.",
        "In all: {collectives} collectives, {individuals} individuals.",
    ),
}
