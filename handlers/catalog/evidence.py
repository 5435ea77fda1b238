"""Sentences of the evidence checks (handlers/evidence.py), Vietnamese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # one reason each, as the volunteer, the review card and the export read it
    "ev_far_location": ("vị trí gửi cách nhà {distance}", "the location sent is {distance} from the house"),
    "ev_far_photo": ("ảnh {position} chụp cách nhà {distance}",
                     "photo {position} was taken {distance} from the house"),
    "ev_old_photo": ("ảnh {position} chụp ngày {date}, trước báo cáo hơn {days} ngày",
                     "photo {position} was taken on {date}, more than {days} days before the report"),
    "ev_future_photo": ("ảnh {position} ghi ngày chụp {date}, sau thời điểm gửi",
                        "photo {position} says it was taken on {date}, after it was sent"),
    "ev_before_campaign": ("ảnh {position} chụp ngày {date}, trước khi chiến dịch bắt đầu ({start})",
                           "photo {position} was taken on {date}, before the campaign began ({start})"),
    "ev_reused_same_house": ("ảnh {position} đã dùng cho bước “{stage}” của chính nhà này "
                             "(báo cáo số {other})",
                             "photo {position} was already used for “{stage}” of this house (report "
                             "no. {other})"),
    "ev_reused_other_house": ("ảnh {position} đã dùng cho nhà {code} (báo cáo số {other})",
                              "photo {position} was already used for house {code} (report no. {other})"),
    # noted, not a violation
    "ev_no_time": ("ảnh không có thông tin thời gian chụp", "the photos carry no capture time"),
    "ev_no_gps": ("ảnh không có thông tin vị trí", "the photos carry no position"),
    "ev_no_reference": ("nhà chưa có tọa độ để so vị trí", "the house has no coordinates to compare with"),
    "ev_bad_location": ("vị trí gửi không hợp lệ ({value}), đã bỏ qua",
                        "the location sent is not valid ({value}) and was ignored"),
    "ev_bad_photo_time": ("ảnh {position} ghi ngày chụp không hợp lệ ({value}), đã bỏ qua",
                          "photo {position} has an impossible capture date ({value}), ignored"),
    # the volunteer, once, after the receipt
    "ev_told": (
        "Cán bộ phụ trách sẽ kiểm tra báo cáo này vì: {reasons}. Nếu bạn chọn nhầm nhà, hãy gõ /baocao "
        "để gửi lại đúng nhà.",
        "An officer will check this report because: {reasons}. If you picked the wrong house, send "
        "/baocao again with the right one.",
    ),
    # the review card
    "ev_card_reason": ("⚠️ {reason}", "⚠️ {reason}"),
    "ev_card_note": ("ℹ️ {note}", "ℹ️ {note}"),
    "ev_card_reference": ("Vị trí nhà ({source}): {link}", "House location ({source}): {link}"),
    "ev_card_location": ("Vị trí gửi: {link}", "Location sent: {link}"),
    "ev_source_house": ("tọa độ của nhà", "the house's coordinates"),
    "ev_source_report": ("theo báo cáo số {number}", "from report no. {number}"),
    "ev_reference_set": (
        "Nhà {code} chưa có tọa độ: lấy vị trí của báo cáo số {number} làm vị trí nhà.",
        "House {code} had no coordinates: the location of report no. {number} is now its location.",
    ),
}
MESSAGES.update({
    # /tiendo and the officers' daily digest
    "ev_waiting": (
        "Chờ duyệt: {count} báo cáo, {flagged} có cảnh báo; cũ nhất: số {oldest} lúc {time} (/duyet).",
        "Waiting for review: {count} report(s), {flagged} flagged; oldest: no. {oldest} at {time} "
        "(/duyet).",
    ),
})
