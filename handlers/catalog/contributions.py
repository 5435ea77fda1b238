"""Sentences of contributions (/ngaycong, /donggop) and commendation files, Vietnamese first."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # shared
    "ct_btn_cancel": ("Hủy", "Cancel"),
    "ct_cancelled": ("Đã hủy, không ghi gì.", "Cancelled; nothing was recorded."),
    "ct_days": ("{days} ngày công", "{days} workdays"),
    "ct_money_part": ("{amount} tiền", "{amount} money"),
    "ct_materials_part": ("{amount} vật liệu", "{amount} in materials"),
    "ct_line": ("#{number} · {date} · {what} · {source}", "#{number} · {date} · {what} · {source}"),
    "ct_day_future": (
        "Ngày {date} chưa đến. Chỉ ghi đóng góp đã có, với ngày đã qua hoặc hôm nay.",
        "{date} has not come yet. Record a contribution once made, dated today or earlier.",
    ),
    "ct_day_before": (
        "Ngày {date} trước khi đợt vận động bắt đầu ({start}). Kiểm tra lại năm.",
        "{date} is before the campaign began ({start}). Check the year.",
    ),
    "ct_day_bad": (
        "“{text}” không phải một ngày. Viết ngày/tháng, ví dụ 25/8 hoặc 25/08/2026.",
        "“{text}” is not a date. Write day/month, e.g. 25/8 or 25/08/2026.",
    ),
    # amounts
    "money_empty": ("Hãy gõ số tiền, ví dụ 5tr, 500k hoặc 5.000.000.",
                    "Type the amount, e.g. 5tr, 500k or 5.000.000."),
    "money_not_money": (
        "“{text}” không phải số tiền. Gõ bằng chữ số, ví dụ 5tr, 5 triệu, 500k hoặc 5.000.000.",
        "“{text}” is not an amount. Type it in digits, e.g. 5tr, 5 triệu, 500k or 5.000.000.",
    ),
    "money_ambiguous": (
        "“{text}” có thể hiểu nhiều cách, nên chưa ghi. Gõ rõ hơn, ví dụ 5,5 triệu hoặc 5.500.000.",
        "“{text}” could mean more than one amount, so nothing was recorded. Type it plainly, e.g. "
        "5,5 triệu or 5.500.000.",
    ),
    "money_negative": ("Số tiền phải lớn hơn 0.", "The amount must be more than 0."),
    "money_zero": ("Số tiền phải lớn hơn 0.", "The amount must be more than 0."),
    "wd_empty": ("Hãy gõ số ngày công, ví dụ 3.", "Type the number of workdays, e.g. 3."),
    "wd_not_days": (
        "“{text}” không phải số ngày công. Gõ một số nguyên bằng chữ số, ví dụ 3.",
        "“{text}” is not a number of workdays. Type a whole number in digits, e.g. 3.",
    ),
    "wd_negative": ("Số ngày công phải lớn hơn 0.", "The workdays must be more than 0."),
    "wd_zero": ("Số ngày công phải lớn hơn 0.", "The workdays must be more than 0."),
    "wd_too_many": (
        "{days} ngày công trong một lần ghi là quá nhiều (tối đa {most}). Kiểm tra lại số.",
        "{days} workdays in one entry is too many (at most {most}). Check the number.",
    ),
    # /ngaycong
    "wd_usage": (
        "Ghi ngày công: /ngaycong MÃ_NHÀ SỐ_NGÀY, ví dụ /ngaycong MH-001 3 (hôm nay), hoặc thêm ngày: "
        "/ngaycong MH-001 3 25/8. Gõ /ngaycong để được hỏi từng bước.",
        "Log workdays: /workdays HOUSECODE DAYS, e.g. /workdays MH-001 3 (today), or with a date: "
        "/workdays MH-001 3 25/8. Type /workdays to be asked step by step.",
    ),
    "wd_not_your_house": (
        "Không có nhà “{code}” trong đơn vị của bạn. Chỉ ghi ngày công cho nhà thuộc đơn vị mình.",
        "There is no house “{code}” in your unit. Workdays are logged for your unit's houses only.",
    ),
    "wd_ask_house": (
        "👷 Ghi ngày công. Bạn đã góp tổng {total} ngày công.\nNhà nào? Chọn dưới đây hoặc gõ mã nhà.",
        "👷 Logging workdays. You have given {total} workdays in all.\n"
        "Which house? Pick one or type its code.",
    ),
    "wd_ask_days": (
        "Nhà {code} – {head}: bạn góp bao nhiêu ngày công hôm nay? Gõ số, ví dụ 3.",
        "House {code} – {head}: how many workdays did you give today? Type a number, e.g. 3.",
    ),
    "wd_done": (
        "✅ Đã ghi {days} ngày công tại nhà {code} – {head}, ngày {date}. Số phiếu: {number}.\n"
        "Tổng ngày công bạn đã góp: {total}.",
        "✅ Logged {days} workdays at house {code} – {head}, on {date}. Receipt number: {number}.\n"
        "Your workdays in all: {total}.",
    ),
    # /donggop
    "dg_ask_target": (
        "💰 Ghi đóng góp. Cho nhà hay đơn vị nào? Gõ mã nhà (ví dụ MH-001) hoặc mã đơn vị.",
        "💰 Recording a contribution. For which house or unit? Type a house code (e.g. MH-001) "
        "or a unit code.",
    ),
    "dg_target_unknown": (
        "Không có nhà hay đơn vị “{text}” trong {unit}. Gõ đúng mã nhà hoặc mã đơn vị.",
        "No house or unit “{text}” in {unit}. Type a house code or a unit code exactly.",
    ),
    "dg_ask_kind": ("Đóng góp cho {target}. Loại đóng góp?", "Contribution for {target}. What kind?"),
    "dg_ask_what": (
        "Vật liệu gì, bao nhiêu? Ví dụ: 50 bao xi măng.",
        "Which materials, how much? E.g. 50 bao xi măng (50 bags of cement).",
    ),
    "dg_ask_money": (
        "Số tiền? Gõ như thường viết: 5tr, 5 triệu, 500k, 5.000.000.",
        "How much money? Type it as usual: 5tr, 5 triệu, 500k, 5.000.000.",
    ),
    "dg_ask_value": (
        "Giá trị ước tính của vật liệu (đồng)? Ví dụ 4tr hoặc 4.000.000.",
        "The materials' estimated value (VND)? E.g. 4tr or 4.000.000.",
    ),
    "dg_ask_days": ("Bao nhiêu ngày công? Gõ số, ví dụ 12.", "How many workdays? Type a number, e.g. 12."),
    "dg_ask_big": (
        "⚠️ {amount} trong một lần ghi là rất lớn (trên 10 tỷ đồng). Có đúng không, hay thừa mấy số 0?",
        "⚠️ {amount} in one entry is very large (over 10 billion VND). Is it right, or are there extra zeros?",
    ),
    "dg_btn_big_yes": ("Đúng, số này", "Yes, this amount"),
    "dg_btn_big_again": ("Nhập lại số tiền", "Type the amount again"),
    "dg_ask_source": ("Nguồn đóng góp thuộc loại nào?", "Which type of source?"),
    "dg_ask_who": (
        "Ai đóng góp? Gõ tên tổ chức hoặc người, ví dụ “Công an huyện Kế Sách”.",
        "Who gave it? Type the organisation's or the person's name, e.g. “Công an huyện Kế Sách”.",
    ),
    "dg_btn_no_name": ("Không ghi tên", "No name"),
    "dg_ask_private": (
        "“{name}” là tổ chức hay cá nhân? (Số tiền của cá nhân chỉ cán bộ trong địa bàn được xem.)",
        "Is “{name}” an organisation or a private person? (A person's amounts are shown only to "
        "officers of the area.)",
    ),
    "dg_btn_org": ("Tổ chức, cơ quan, doanh nghiệp", "Organisation, agency, business"),
    "dg_btn_person": ("Cá nhân", "Private person"),
    "dg_no_name": ("(không ghi tên)", "(no name)"),
    "dg_private_mark": ("(cá nhân)", "(private person)"),
    "dg_summary": (
        "Kiểm tra trước khi lưu:\n• Cho: {target}\n• Loại: {what}\n• Số lượng: {amount}\n"
        "• Nguồn: {source} – {who}\n• Ngày: {date}",
        "Check before saving:\n• For: {target}\n• Kind: {what}\n• Amount: {amount}\n"
        "• Source: {source} – {who}\n• Date: {date}",
    ),
    "ct_money_amount": ("{amount} đ", "{amount} VND"),
    "dg_summary_photo": ("• Ảnh: đã đính kèm (gửi ảnh khác để thay).",
                         "• Photo: attached (send another to replace it)."),
    "dg_summary_no_photo": ("Có ảnh biên nhận, bàn giao? Gửi một ảnh lúc này (không bắt buộc).",
                            "A receipt or handover photo? Send one now (optional)."),
    "dg_btn_save": ("Lưu", "Save"),
    "dg_btn_day": ("Đổi ngày", "Change the date"),
    "dg_ask_day": ("Ngày đóng góp? Ví dụ 25/8 hoặc 25/08/2026.",
                   "The date it was given? E.g. 25/8 or 25/08/2026."),
    "dg_done": (
        "✅ Đã ghi đóng góp số {number}: {amount} cho {target}.\nSửa nếu nhầm: /donggop sua {number}",
        "✅ Contribution number {number} recorded: {amount} for {target}.\n"
        "To correct it: /contribute fix {number}",
    ),
    "dg_fix_usage": (
        "Sửa một đóng góp: /donggop sua SỐ, ví dụ /donggop sua 12 (số trên phiếu).",
        "Correct a contribution: /contribute fix NUMBER, e.g. /contribute fix 12 (the receipt's number).",
    ),
    "dg_fix_not_found": (
        "Không có đóng góp số {number} trong địa bàn của bạn.",
        "There is no contribution number {number} in your area.",
    ),
    "dg_fix_ask_money": (
        "Đang sửa: {line}\nSố tiền đúng là bao nhiêu? (số cũ được giữ trong nhật ký)",
        "Correcting: {line}\nWhat is the right amount? (the old one is kept in the log)",
    ),
    "dg_fix_ask_days": (
        "Đang sửa: {line}\nSố ngày công đúng là bao nhiêu? (số cũ được giữ trong nhật ký)",
        "Correcting: {line}\nHow many workdays is right? (the old number is kept in the log)",
    ),
    "dg_fix_done": (
        "✅ Đã sửa đóng góp số {number}: {old} → {new}. Số cũ vẫn lưu trong nhật ký.",
        "✅ Contribution number {number} corrected: {old} → {new}. The old figure stays in the log.",
    ),
    # views
    "ct_status_none": (
        "💰 Huy động: chưa ghi nhận đóng góp nào (/donggop, /ngaycong).",
        "💰 Mobilised: no contributions recorded yet (/contribute, /workdays).",
    ),
    "ct_status": ("💰 Huy động: {total} — {parts}", "💰 Mobilised: {total} — {parts}"),
    "ct_house_support": (
        "💰 Hỗ trợ chuẩn {standard} · đã ghi nhận {given} · còn thiếu {missing}",
        "💰 Standard support {standard} · recorded {given} · still missing {missing}",
    ),
    "ct_house_earlier": ("  … và {count} đóng góp trước đó", "  … and {count} earlier contributions"),
    "ct_awards_mobilised": ("💰 Cả địa bàn huy động: {sums}", "💰 Mobilised in the whole area: {sums}"),
    "ct_awards_unit": ("   đúng hạn {on_time} · {sums}", "   on time {on_time} · {sums}"),
    "ct_awards_suggest": (
        "💡 Gợi ý cá nhân để xem xét (chỉ là gợi ý, Hội đồng thi đua – khen thưởng quyết định):",
        "💡 Suggested individuals to consider (suggestions only; the commendation council decides):",
    ),
    "ct_awards_workers": ("• Nhiều ngày công nhất: {people}", "• Most workdays: {people}"),
    "ct_awards_reporters": ("• Nhiều báo cáo được nhận nhất: {people}", "• Most accepted reports: {people}"),
    "ct_awards_person": ("{name} ({unit}) {count}", "{name} ({unit}) {count}"),
    # the commendation deadline's reminder
    "rem_awards_allowed": (
        "{unit} (chỉ tiêu {quota} nhà) được đề nghị khen thưởng tối đa {collectives} tập thể và "
        "{individuals} cá nhân.",
        "{unit} (quota {quota} houses) may propose at most {collectives} collectives and {individuals} "
        "individuals.",
    ),
    "rem_awards_file": (
        "Hồ sơ gồm: tờ trình, biên bản họp Hội đồng thi đua – khen thưởng, báo cáo thành tích (Mẫu số 08, "
        "Nghị định 98/2023/NĐ-CP) với số liệu: nhà hoàn thành đúng hạn so với chỉ tiêu, tiền và ngày công "
        "huy động, báo cáo đã gửi. Gõ /khenthuong để xem, /xuat để lấy bảng Excel (trang “Khen thưởng”).",
        "The file holds: the proposal, the commendation council's minutes, an achievement report "
        "(form 08, Decree 98/2023/NĐ-CP) with the figures: houses finished on time against quota, "
        "money and workdays "
        "mobilised, reports filed. Type /awards to see them, /export for the Excel sheet "
        "“Khen thưởng”.",
    ),
}
