"""Sentences of inviting and of managing the people of an area, Vietnamese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # several bots, one per area: someone wrote to a bot that does not serve them
    "bot_elsewhere": (
        "Bot này phục vụ khu vực khác. {unit} của bạn do bot @{bot} phục vụ: hãy nhắn cho @{bot} "
        "để báo cáo và nhận nhắc việc.",
        "This bot serves another area. Your area, {unit}, is served by @{bot}: please write to "
        "@{bot} to report and get reminders.",
    ),
    "bot_elsewhere_join": (
        "Mã “{code}” dành cho {unit}, do bot @{bot} phục vụ. Hãy mở @{bot} và gửi lại mã ở đó.",
        "The code “{code}” is for {unit}, which is served by @{bot}. Please open @{bot} and send "
        "the code there.",
    ),
    # joining with a code that exists but can no longer be used
    "inv_join_revoked": (
        "Mã mời “{code}” đã bị cán bộ phụ trách hủy. Hãy xin một mã mới.",
        "The invite code “{code}” was revoked by an officer. Please ask for a new one.",
    ),
    "inv_join_full": (
        "Mã mời “{code}” đã đủ số người tham gia. Hãy xin cán bộ phụ trách một mã mới.",
        "The invite code “{code}” has reached its number of people. Please ask your officer for a "
        "new one.",
    ),
    # /moi
    "inv_ask_unit": (
        "Mời người vào đơn vị nào? Chọn dưới đây, hoặc gõ mã hay tên một đơn vị thuộc {unit} "
        "(không cần dấu).",
        "Invite people to which unit? Pick one below, or type the code or name of a unit of {unit}.",
    ),
    "inv_ask_unit_again": (
        "Gõ mã hoặc tên đơn vị, hoặc chọn một nút.",
        "Type a unit's code or name, or choose one of the buttons."
    ),
    "inv_ask_role": ("Mời vào {unit} với vai trò nào?", "Invite to {unit} as what?"),
    "inv_pick_button": ("Hãy chọn một nút, hoặc gõ số thứ tự.",
                        "Please choose a button, or type its number."),
    "inv_gone": (
        "Đơn vị này không còn thuộc khu vực của bạn. Gõ /moi để bắt đầu lại.",
        "That unit is no longer in your area. Send /invite to start again.",
    ),
    "inv_ask_kind": (
        "Mã cá nhân (một người dùng một lần) hay mã nhóm (cho buổi họp, nhóm Zalo của xã)?",
        "A personal code (one person, once) or a group code (for a meeting or a commune's Zalo "
        "group)?",
    ),
    "inv_btn_personal": ("Mã cá nhân", "Personal code"),
    "inv_btn_group": ("Mã nhóm", "Group code"),
    "inv_ask_limits": (
        "Mã nhóm dùng cho bao nhiêu người, đến ngày nào? Gõ ví dụ “80 30/9”, hoặc chọn mặc định "
        "({people} người, {days} ngày). Tối đa {limit} người.",
        "How many people may join with the group code, and until when? Type e.g. “80 30/9”, or "
        "take the defaults ({people} people, {days} days). At most {limit} people.",
    ),
    "inv_btn_defaults": ("{people} người, {days} ngày", "{people} people, {days} days"),
    "inv_bad_limits": (
        "Không hiểu. Gõ số người và ngày hết hạn, ví dụ “80 30/9”.",
        "Not understood. Type the number of people and the last day, e.g. “80 30/9”.",
    ),
    "inv_too_many": (
        "Một mã nhóm dùng cho từ 1 đến {limit} người. Không có mã nào được tạo; gõ lại số người.",
        "A group code is for 1 to {limit} people. No code was made; type the number again.",
    ),
    "inv_bad_date": (
        "Ngày hết hạn phải từ hôm nay đến tối đa {days} ngày nữa. Không có mã nào được tạo; gõ lại.",
        "The last day must be from today to {days} days ahead. No code was made; type it again.",
    ),
    "inv_made": (
        "Mã mời {code}: {role} của {unit}. {expiry}.\n"
        "Mở liên kết: {link}\nTrên Zalo, gửi cho chatbot: /start {code}",
        "Invite code {code}: {role} of {unit}. {expiry}.\n"
        "Open the link: {link}\nOn Zalo, send the bot: /start {code}",
    ),
    "inv_made_group": (
        "Mã nhóm {code}: {role} của {unit}. {expiry}.\n"
        "Mở liên kết: {link}\nTrên Zalo, gửi cho chatbot: /start {code}\n"
        "Hủy mã khi không cần nữa: /moi huy {code}",
        "Group code {code}: {role} of {unit}. {expiry}.\n"
        "Open the link: {link}\nOn Zalo, send the bot: /start {code}\n"
        "Revoke it when no longer needed: /invite revoke {code}",
    ),
    "inv_no_link": (
        "(chưa biết tên chatbot trên Telegram)", "(the bot's Telegram name is not known yet)"
    ),
    "inv_card_title": ("Mã mời tham gia chatbot báo cáo nhà", "Invite to the housing report bot"),
    "inv_card_zalo": ("Trên Zalo, gửi cho chatbot: /start {code}", "On Zalo, send the bot: /start {code}"),
    "inv_card_once": ("Một người dùng, đến hết ngày {date}", "For one person, until {date}"),
    "inv_card_group": ("Dùng đến hết ngày {date}, tối đa {people} người",
                       "Until {date}, for up to {people} people"),
    "inv_none_open": ("{unit} không có mã mời nào còn dùng được.", "{unit} has no open invite codes."),
    "inv_open_head": ("Mã mời còn dùng được của {unit}:", "Open invite codes of {unit}:"),
    "inv_open_once": ("• {code} – {role}, {unit}, đến {date}", "• {code} – {role}, {unit}, until {date}"),
    "inv_open_group": ("• {code} – nhóm, {role}, {unit}, đến {date}, đã dùng {uses}/{max}",
                       "• {code} – group, {role}, {unit}, until {date}, used {uses}/{max}"),
    "inv_open_more": ("… chỉ hiện {shown} mã mới nhất.", "… only the newest {shown} are shown."),
    "inv_open_revoke_hint": ("Hủy một mã: /moi huy MÃ", "Revoke one: /invite revoke CODE"),
    "inv_revoke_usage": ("Gõ kèm mã cần hủy, ví dụ: /moi huy ABCD2345",
                         "Add the code to revoke, e.g. /invite revoke ABCD2345"),
    "inv_revoke_unknown": ("Không có mã mời “{code}” trong {unit}.", "No invite code “{code}” in {unit}."),
    "inv_revoke_already": ("Mã {code} đã được hủy trước đó.", "The code {code} was already revoked."),
    "inv_revoked": (
        "Đã hủy mã {code}: không ai tham gia thêm được bằng mã này; {uses} người đã tham gia vẫn giữ "
        "nguyên.",
        "Code {code} revoked: nobody more can join with it; the {uses} who joined stay.",
    ),
    # /nguoi
    "ppl_none": ("Chưa có ai khác tham gia trong {unit}.", "Nobody else has joined in {unit} yet."),
    "ppl_head": ("{count} người trong {unit} (báo cáo = số báo cáo 7 ngày qua):",
                 "{count} people in {unit} (reports = in the last 7 days):"),
    "ppl_line": ("#{id} {name} – {role}, {unit}, lần cuối {seen}, {reports} báo cáo",
                 "#{id} {name} – {role}, {unit}, last seen {seen}, {reports} reports"),
    "ppl_line_off": ("#{id} {name} – {role}, {unit}, ĐÃ KHÓA", "#{id} {name} – {role}, {unit}, DISABLED"),
    "ppl_never": ("chưa thấy", "never"),
    "ppl_more": ("… chỉ hiện {shown} người đầu.", "… only the first {shown} are shown."),
    "ppl_hint": ("Khóa tài khoản (mất điện thoại): /nguoi khoa SỐ. Mở lại: /nguoi mo SỐ",
                 "Disable an account (a lost phone): /people disable NUMBER. Again: /people enable NUMBER"),
    "ppl_usage": ("Gõ kèm số của người đó, ví dụ: /nguoi khoa 12",
                  "Add the person's number, e.g. /people disable 12"),
    "ppl_not_found": ("Không có người số {id} mà bạn quản lý trong {unit}.",
                      "No person no. {id} that you manage in {unit}."),
    "ppl_confirm": (
        "Khóa tài khoản #{id} {name} ({role}, {unit})? Người này sẽ không dùng được chatbot nữa "
        "cho đến khi được mở lại.",
        "Disable account #{id} {name} ({role}, {unit})? They will not be able to use the bot until "
        "it is enabled again.",
    ),
    "ppl_btn_yes": ("Khóa", "Disable"),
    "ppl_btn_no": ("Không", "No"),
    "ppl_kept": ("Không khóa ai.", "Nobody was disabled."),
    "ppl_disabled": ("Đã khóa tài khoản #{id} {name}.", "Account #{id} {name} is disabled."),
    "ppl_enabled": ("Đã mở lại tài khoản #{id} {name}.", "Account #{id} {name} is enabled again."),
    "ppl_already_off": ("Tài khoản #{id} {name} đã bị khóa rồi.",
                        "Account #{id} {name} is already disabled."),
    "ppl_not_off": ("Tài khoản #{id} {name} đang hoạt động.", "Account #{id} {name} is active."),
}
