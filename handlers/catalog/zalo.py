"""Sentences of the Zalo channel and of account linking, Vietnamese first, English second."""

from __future__ import annotations

CHANNELS: dict[str, tuple[str, str]] = {
    "telegram": ("Telegram", "Telegram"),
    "zalo": ("Zalo", "Zalo"),
    "console": ("máy tính", "the terminal"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # how a Zalo message shows what a button would elsewhere
    "zalo_answer_hint": (
        "(Trả lời bằng số, ví dụ: {example})",
        "(Reply with the number, e.g. {example})",
    ),
    "zalo_no_location": (
        "📍 Zalo chưa gửi được vị trí: hãy gửi mã nhà, hoặc một ảnh chụp tại nhà.",
        "📍 Zalo cannot send a location: send the house code, or a photo taken at the house.",
    ),
    "zalo_unsupported": (
        "Trên Zalo, chatbot chỉ đọc được tin nhắn chữ và ảnh (gửi dạng ảnh). Tệp, vị trí, nhãn dán, "
        "tin thoại và danh thiếp chưa đọc được: hãy gõ chữ hoặc gửi ảnh.",
        "On Zalo the bot reads text and pictures (sent as photos). Files, locations, stickers, voice "
        "messages and contacts cannot be read: please type, or send a photo.",
    ),
    "zalo_document_link": (
        "📎 Tải tệp {name} tại: {url}\n(Liên kết dùng được trong {minutes} phút; Zalo không gửi kèm tệp "
        "được.)",
        "📎 Download {name} here: {url}\n(The link works for {minutes} minutes; Zalo cannot attach "
        "files.)",
    ),
    "zalo_document_unavailable": (
        "Zalo không gửi kèm tệp được nên tệp {name} chưa gửi được. Hãy dùng lệnh này trên Telegram, hoặc "
        "nhờ cán bộ quản trị gửi tệp cho bạn.",
        "Zalo cannot attach files, so {name} was not sent. Use this command on Telegram, or ask your "
        "administrator to send you the file.",
    ),
    "zalo_images_unavailable": (
        "({count} ảnh chưa gửi được qua Zalo; xem trên Telegram.)",
        "({count} picture(s) could not be sent on Zalo; see them on Telegram.)",
    ),
    # /lienket
    "link_code": (
        "Mã liên kết: {code}\nTrong {minutes} phút, từ tài khoản của bạn trên kênh kia (Telegram hoặc "
        "Zalo) hãy gửi: /lienket {code}\nHai tài khoản sẽ được xem là của một người; quyền và đơn vị của "
        "mỗi tài khoản giữ nguyên. Đừng đưa mã này cho người khác.",
        "Link code: {code}\nWithin {minutes} minutes, from your account on the other channel (Telegram "
        "or Zalo) send: /link {code}\nBoth accounts will be seen as one person; each keeps its role "
        "and area. Do not give this code to anyone.",
    ),
    "link_list": (
        "Đã liên kết với: {accounts}. Gửi /lienket bo để gỡ liên kết.",
        "Already linked with: {accounts}. Send /link remove to undo the link.",
    ),
    "link_bad_code": (
        "Mã liên kết “{code}” không đúng, đã dùng hoặc đã hết hạn. Gửi /lienket trên tài khoản kia để "
        "lấy mã mới.",
        "The link code “{code}” is wrong, used or expired. Send /link on your other account for a "
        "new one.",
    ),
    "link_own_code": (
        "Mã này là của chính tài khoản này. Hãy gửi nó từ tài khoản của bạn trên kênh kia.",
        "This code belongs to this very account. Send it from your account on the other channel.",
    ),
    "link_same_channel": (
        "Mã này được tạo trên {channel}. Hãy gửi nó từ tài khoản của bạn trên kênh khác.",
        "This code was made on {channel}. Send it from your account on the other channel.",
    ),
    "link_already": (
        "Hai tài khoản này đã được liên kết từ trước.", "These two accounts are already linked."
    ),
    "link_done": (
        "✅ Đã liên kết tài khoản {here} này với tài khoản {there} của bạn.",
        "✅ This {here} account is now linked with your {there} account.",
    ),
    "link_done_other": (
        "🔗 Tài khoản {channel} “{name}” vừa được liên kết với tài khoản này bằng mã liên kết của bạn. "
        "Nếu không phải bạn, hãy gửi ngay /lienket bo để gỡ liên kết, rồi báo cho cán bộ quản trị.",
        "🔗 The {channel} account “{name}” was just linked with this account using your link code. "
        "If that was not you, send /link remove at once to undo it, then tell your administrator.",
    ),
    "unlink_none": (
        "Tài khoản này chưa liên kết với tài khoản nào khác.",
        "This account is not linked with any other.",
    ),
    "unlink_done": (
        "✅ Đã gỡ liên kết với: {accounts}.",
        "✅ No longer linked with: {accounts}.",
    ),
    "unlink_closed": (
        "Tài khoản {accounts} chỉ vào được nhờ mã liên kết nên không còn dùng được bot nữa.",
        "{accounts} came in only through the link code, so it can no longer use the bot.",
    ),
    "unlink_self_closed": (
        "Tài khoản này cũng chỉ vào được nhờ mã liên kết nên từ nay không dùng được bot nữa. Nếu cần, "
        "hãy xin cán bộ phụ trách một mã mời rồi gửi /start MÃ_MỜI.",
        "This account, too, came in only through the link code, so it can no longer use the bot. If "
        "you need it, ask your officer for an invite code and send /start CODE.",
    ),
    "unlink_other_kept": (
        "🔗 Tài khoản này không còn liên kết với tài khoản {channel} “{name}”. Vai trò và đơn vị của "
        "bạn giữ nguyên.",
        "🔗 This account is no longer linked with the {channel} account “{name}”. Your role and area "
        "are unchanged.",
    ),
    "unlink_other_closed": (
        "🔒 Tài khoản {channel} “{name}” đã gỡ liên kết với tài khoản này, nên tài khoản này không còn "
        "dùng được bot. Nếu đây đúng là tài khoản của bạn, hãy xin cán bộ phụ trách một mã mời rồi gửi "
        "/start MÃ_MỜI.",
        "🔒 The {channel} account “{name}” removed its link with this account, so this account can no "
        "longer use the bot. If this is your account, ask your officer for an invite code and send "
        "/start CODE.",
    ),
    "link_joined": (
        "Chào {name}! Tài khoản này đã được liên kết với tài khoản {there} của bạn: {role} của {unit}.\n"
        "Gõ /baocao để báo cáo tiến độ một căn nhà, /trogiup để xem hướng dẫn.",
        "Welcome, {name}! This account is linked with your {there} account: {role} of {unit}.\n"
        "Send /report to report progress on a house, /help for help.",
    ),
}
