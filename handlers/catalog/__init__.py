"""Every sentence the bot says, Vietnamese first, English second."""

from __future__ import annotations

from typing import Any

from handlers.catalog import cli as catalog_cli
from handlers.catalog import cli_database as catalog_cli_database
from handlers.catalog import contributions as catalog_contributions
from handlers.catalog import dialog as catalog_dialog
from handlers.catalog import evidence as catalog_evidence
from handlers.catalog import exports as catalog_exports
from handlers.catalog import invites as catalog_invites
from handlers.catalog import officers as catalog_officers
from handlers.catalog import reminders as catalog_reminders
from handlers.catalog import zalo as catalog_zalo
from storage import codes
from storage.codes import Role, Stage

LANGS = ("vi", "en")

# The official names of the stored codes (storage/codes.py), which files use too.
STAGES = codes.STAGE_NAMES
CATEGORIES = codes.CATEGORY_NAMES
SUPPORT = codes.SUPPORT_NAMES
ROLES: dict[str, tuple[str, str]] = {
    Role.VOLUNTEER: ("tình nguyện viên", "volunteer"),
    Role.OFFICER: ("cán bộ phụ trách", "officer"),
    Role.ADMIN: ("quản trị", "admin"),
}
# A stage houses must reach, as it reads inside a sentence: "cần bàn giao thêm 12 nhà",
# "còn 5 nhà chưa hoàn thành".
GOALS: dict[int, tuple[str, str]] = {
    Stage.STARTED: ("khởi công", "started"),
    Stage.COMPLETED: ("hoàn thành", "completed"),
    Stage.HANDED_OVER: ("bàn giao", "handed over"),
}

# The end of the volunteers' help, the same on every channel.
_HELP_END = (
    "4. Kiểm tra rồi chọn “Gửi báo cáo”, bạn sẽ nhận số báo cáo.\n"
    "Cách nhanh: gửi ảnh kèm chú thích “MÃ_NHÀ hoàn thành”.\n"
    "/cuatoi: xem các báo cáo bạn đã gửi, đã được duyệt hay bị trả lại.\n"
    "/huy: hủy báo cáo đang soạn. /ngonngu: đổi ngôn ngữ (Tiếng Việt / English).",
    "4. Check it and choose “Send report”; you get a report number.\n"
    "Quick way: send photos with the caption “HOUSECODE completed”.\n"
    "/mine: the reports you sent, and whether each was approved or returned.\n"
    "/cancel: drop the report you are writing. /language: switch language.",
)

MESSAGES: dict[str, tuple[str, str]] = {
    # joining
    "stranger": (
        "Xin chào! Bạn chưa được đăng ký dùng chatbot báo cáo nhà. Hãy xin cán bộ phụ trách "
        "một mã mời, rồi gửi: /start MÃ_MỜI",
        "Hello! You are not registered for the housing report bot yet. Ask your officer for an "
        "invite code, then send: /start CODE",
    ),
    "invite_expired": (
        "Mã mời “{code}” đã hết hạn ngày {date}. Hãy xin cán bộ phụ trách một mã mới.",
        "The invite code “{code}” expired on {date}. Please ask your officer for a new one.",
    ),
    "code_wait": (
        "Bạn đã nhập sai mã nhiều lần. Hãy chờ {minutes} phút rồi thử lại, hoặc xin cán bộ phụ trách "
        "một mã mới.",
        "Too many wrong codes. Please wait {minutes} minutes and try again, or ask your officer for "
        "a new code.",
    ),
    "code_wait_all": (
        "Có quá nhiều mã sai gửi đến, nên việc nhận mã tạm dừng. Hãy thử lại sau {minutes} phút.",
        "Too many wrong codes have been sent, so codes are paused. Please try again in {minutes} "
        "minutes.",
    ),
    "bad_invite": (
        "Mã mời “{code}” không đúng hoặc đã được dùng. Kiểm tra lại từng chữ, hoặc xin cán bộ "
        "phụ trách một mã mới.",
        "The invite code “{code}” is wrong or already used. Check it, or ask your officer for a "
        "new one.",
    ),
    "joined": (
        "Chào {name}! Bạn đã tham gia với vai trò {role} của {unit}.\n"
        "Gõ /baocao để báo cáo tiến độ một căn nhà, /trogiup để xem hướng dẫn.",
        "Welcome, {name}! You joined as {role} of {unit}.\n"
        "Send /report to report progress on a house, /help for help.",
    ),
    "already_joined": (
        "Bạn đã là {role} của {unit}. Gõ /baocao để báo cáo, /trogiup để xem hướng dẫn.",
        "You are already {role} of {unit}. Send /report to report, /help for help.",
    ),
    "disabled": (
        "Tài khoản của bạn đã bị tạm khóa. Hãy liên hệ cán bộ phụ trách.",
        "Your account is suspended. Please contact your officer.",
    ),
    "help": (
        "Hướng dẫn báo cáo:\n"
        "1. Gõ /baocao, chọn nhà (mã nhà hoặc tên chủ hộ, không cần dấu).\n"
        "2. Chọn bước: khởi công, hoàn thành hay bàn giao.\n"
        "3. Gửi ảnh (bước hoàn thành và bàn giao cần {photos_done} ảnh), thêm vị trí, ghi chú nếu có.\n"
        + _HELP_END[0],
        "How to report:\n"
        "1. Send /report and pick the house (its code, or part of the household head's name).\n"
        "2. Pick the stage: started, completed or handed over.\n"
        "3. Send photos (completed and handed over need {photos_done}), a location and a note if "
        "you like.\n"
        + _HELP_END[1],
    ),
    "help_more": ("\nCác lệnh khác:", "\nOther commands:"),
    # Zalo cannot send a location or a file: the same steps without them.
    "help@zalo": (
        "Hướng dẫn báo cáo:\n"
        "1. Gõ /baocao, chọn nhà (mã nhà hoặc tên chủ hộ, không cần dấu).\n"
        "2. Chọn bước: khởi công, hoàn thành hay bàn giao (gõ số hoặc chữ).\n"
        "3. Gửi ảnh (bước hoàn thành và bàn giao cần {photos_done} ảnh), thêm ghi chú nếu có.\n"
        + _HELP_END[0],
        "How to report:\n"
        "1. Send /report and pick the house (its code, or part of the household head's name).\n"
        "2. Pick the stage: started, completed or handed over (type its number or its name).\n"
        "3. Send photos (completed and handed over need {photos_done}) and a note if you like.\n"
        + _HELP_END[1],
    ),
    "lang_set": ("Đã chuyển sang Tiếng Việt.", "Language set to English."),
    "idle_hint": (
        "Gõ /baocao để báo cáo tiến độ một căn nhà, hoặc /trogiup để xem hướng dẫn.",
        "Send /report to report progress on a house, or /help for help.",
    ),
    "unknown_command": (
        "Không có lệnh /{command}. Gõ /trogiup để xem các lệnh.",
        "There is no /{command} command. Send /help to see the commands.",
    ),
    "unsupported": (
        "Chatbot chỉ đọc được chữ, ảnh (gửi dạng ảnh hoặc tệp) và vị trí.",
        "The bot reads text, images (as photos or files) and locations.",
    ),
    # Every limit on typed text (handlers/limits.py) is stated by this one sentence.
    "too_long": (
        "Quá dài: tối đa {limit} ký tự, bạn đã gửi {length}. Hãy viết ngắn lại.",
        "Too long: {limit} characters at most, and you sent {length}. Please shorten it.",
    ),
    "error": (
        "Xin lỗi, chatbot gặp lỗi khi xử lý tin nhắn này. Báo cáo đang soạn của bạn vẫn được giữ; "
        "hãy thử lại sau ít phút.",
        "Sorry, something went wrong with that message. The report you are writing is kept; "
        "please try again in a few minutes.",
    ),
    # the report dialog
    "ask_house": (
        "Báo cáo nhà nào? Gửi mã nhà (ví dụ {example}) hoặc vài chữ trong tên chủ hộ, không cần dấu.",
        "Which house? Send its code (for example {example}) or part of the household head's name.",
    ),
    "ask_house_no_example": (
        "Báo cáo nhà nào? Gửi mã nhà hoặc vài chữ trong tên chủ hộ, không cần dấu.",
        "Which house? Send its code or part of the household head's name.",
    ),
    "ask_house_with_photos": (
        "Đã nhận {count} ảnh. Ảnh này của nhà nào? Gửi mã nhà hoặc tên chủ hộ.",
        "Got {count} photo(s). Which house are they of? Send its code or the household head's name.",
    ),
    "house_not_found": (
        "Không tìm thấy nhà nào khớp “{query}” trong {unit}. Kiểm tra mã nhà, hoặc gõ tên chủ hộ.",
        "No house matches “{query}” in {unit}. Check the code, or type the household head's name.",
    ),
    "house_pick": ("Có {count} nhà khớp “{query}”. Chọn một:", "{count} houses match “{query}”. Pick one:"),
    "house_too_many": (
        "Có {count} nhà khớp “{query}”. Gõ cụ thể hơn (tên đầy đủ hoặc mã nhà).",
        "{count} houses match “{query}”. Please type more (the full name or the house code).",
    ),
    "house_outside": (
        "Nhà {code} không thuộc {unit} của bạn nên bạn không báo cáo được. Nếu có nhầm lẫn, hãy báo "
        "cán bộ phụ trách.",
        "House {code} is not in your area ({unit}), so you cannot report on it. If this is a "
        "mistake, tell your officer.",
    ),
    "ask_stage": (
        "Nhà {code} – {head}, hiện tại: {current}.\nNhà đã đến bước nào?",
        "House {code} – {head}, now: {current}.\nWhich stage has it reached?",
    ),
    "stage_backward": (
        "Nhà {code} đã ở bước “{current}”, không báo cáo lùi về “{stage}” được. Nếu số liệu sai, hãy "
        "báo cán bộ phụ trách để sửa.",
        "House {code} is already at “{current}”; a report cannot go back to “{stage}”. If the "
        "figures are wrong, ask your officer to correct them.",
    ),
    "stage_unknown": (
        "Chưa rõ bước nào. Chọn một bước ở trên, hoặc gõ: khởi công, hoàn thành, bàn giao.",
        "Which stage? Choose one above, or type: started, completed, handed over.",
    ),
    "ask_photos": (
        "Gửi ảnh chụp nhà {code} (bước “{stage}” cần ít nhất {need} ảnh). Có thể gửi nhiều ảnh một "
        "lúc; gửi xong chọn “Xong”.",
        "Send photos of house {code} (“{stage}” needs at least {need}). You can send several at "
        "once; choose “Done” when finished.",
    ),
    "ask_photos_optional": (
        "Gửi ảnh chụp nhà {code} nếu có (bước “{stage}” không bắt buộc ảnh), rồi chọn “Xong”.",
        "Send photos of house {code} if you have them (“{stage}” needs none), then choose “Done”.",
    ),
    "photos_received": ("Đã nhận {count} ảnh.", "Got {count} photo(s) so far."),
    "photos_need_more": ("Cần thêm {more} ảnh nữa.", "{more} more needed."),
    "photos_enough": ("Gửi thêm hoặc chọn “Xong”.", "Send more or choose “Done”."),
    "photos_too_few": (
        "Bước “{stage}” cần ít nhất {need} ảnh, mới có {have}. Hãy gửi thêm {more} ảnh.",
        "“{stage}” needs at least {need} photos; you sent {have}. Please send {more} more.",
    ),
    "photos_over_max": (
        "Mỗi báo cáo giữ tối đa {max} ảnh; {dropped} ảnh còn lại không được thêm.",
        "A report keeps at most {max} photos; the other {dropped} were not added.",
    ),
    "album_joined": (
        "📎 Đã thêm {count} ảnh gửi cùng đợt vào báo cáo số {number} (nhà {code}); báo cáo nay có "
        "{total} ảnh.",
        "📎 Added {count} photo(s) sent with the others to report no. {number} (house {code}); it "
        "now has {total} photo(s).",
    ),
    "album_photo_used_elsewhere": (
        "Một ảnh gửi cùng đợt trùng với ảnh của báo cáo số {other} cho nhà khác nên không được thêm "
        "vào báo cáo số {number}.",
        "A photo sent with the others matches one in report no. {other} for another house, so it was "
        "not added to report no. {number}.",
    ),
    "report_already_received": (
        "♻️ Các ảnh này đã nhận trong báo cáo số {number} (nhà {code}, {stage}, lúc {time}); không "
        "tạo báo cáo mới.",
        "♻️ These photos were already received in report no. {number} (house {code}, {stage}, at "
        "{time}); no new report was made.",
    ),
    "album_nothing_new": (
        "Các ảnh này đã có trong báo cáo số {number}.",
        "These photos are already in report no. {number}.",
    ),
    "photo_duplicate_in_draft": (
        "Ảnh này đã có trong báo cáo đang soạn.", "That photo is already in this report."
    ),
    "expect_photo": (
        "Đang chờ ảnh nhà {code}. Hãy gửi ảnh, chọn “Xong” khi đủ, hoặc /huy để hủy.",
        "Waiting for photos of house {code}. Send photos, choose “Done” when finished, or /cancel.",
    ),
    "photo_not_image": (
        "Tệp “{name}” không phải là ảnh. Hãy gửi ảnh JPEG, PNG, WebP hoặc HEIC.",
        "The file “{name}” is not an image. Please send a JPEG, PNG, WebP or HEIC photo.",
    ),
    "photo_unsupported": (
        "Định dạng ảnh “{name}” chưa được hỗ trợ. Hãy gửi ảnh JPEG, PNG, WebP hoặc HEIC.",
        "The image format of “{name}” is not supported. Please send JPEG, PNG, WebP or HEIC.",
    ),
    "photo_too_many_pixels": (
        "Ảnh “{name}” quá lớn (quá nhiều điểm ảnh). Hãy gửi ảnh chụp từ điện thoại.",
        "The image “{name}” is too large (too many pixels). Please send a phone photo.",
    ),
    "photo_too_large_to_decode": (
        "Ảnh “{name}” quá lớn để xử lý. Hãy gửi dạng ảnh thay vì dạng tệp, hoặc gửi ảnh nhỏ hơn.",
        "The image “{name}” is too large to process. Please send it as a photo instead of a file, "
        "or send a smaller picture.",
    ),
    "photo_too_large": (
        "Tệp “{name}” quá nặng (tối đa 20 MB). Hãy gửi dạng ảnh thay vì dạng tệp.",
        "The file “{name}” is too big (20 MB at most). Please send it as a photo instead.",
    ),
    "photo_corrupt": (
        "Ảnh “{name}” bị hỏng hoặc gửi chưa hết. Hãy gửi lại ảnh này.",
        "The image “{name}” is damaged or incomplete. Please send it again.",
    ),
    "photo_download_failed": (
        "Chưa tải được ảnh “{name}”. Hãy gửi lại ảnh này.",
        "Could not fetch the image “{name}”. Please send it again.",
    ),
    "photo_no_report": (
        "Ảnh chỉ được lưu trong một báo cáo. Gõ /baocao để bắt đầu, hoặc gửi ảnh kèm chú thích "
        "“MÃ_NHÀ hoàn thành”.",
        "Photos are kept only inside a report. Send /report to start, or send photos with the "
        "caption “HOUSECODE completed”.",
    ),
    "ask_extras": (
        "Nếu được, gửi vị trí của nhà (📎 → Vị trí) và/hoặc một ghi chú ngắn. Không có thì chọn “Bỏ qua”.",
        "If you can, send the house's location (📎 → Location) and/or a short note. Otherwise choose "
        "“Skip”.",
    ),
    "ask_extras@zalo": (
        "Nếu được, gửi một ghi chú ngắn (ví dụ: đã lợp mái, chờ cửa). Không có thì chọn “Bỏ qua”.",
        "If you can, send a short note (e.g. roof done, waiting for doors). Otherwise choose “Skip”.",
    ),
    "location_received": (
        "Đã nhận vị trí. Gửi ghi chú nếu có, hoặc chọn “Tiếp”.",
        "Location received. Send a note if you have one, or choose “Next”.",
    ),
    "summary": (
        "Kiểm tra báo cáo:\nNhà: {code} – {head}\nBước: {stage}\nẢnh: {photos}\nVị trí: {location}\n"
        "Ghi chú: {note}\n\nGửi báo cáo này?",
        "Check the report:\nHouse: {code} – {head}\nStage: {stage}\nPhotos: {photos}\n"
        "Location: {location}\nNote: {note}\n\nSend this report?",
    ),
    "summary_none": ("không có", "none"),
    "confirm_expected": (
        "Chọn “Gửi báo cáo” để gửi, hoặc “Hủy” để bỏ.",
        "Choose “Send report” to send it, or “Cancel” to drop it.",
    ),
    "receipt": (
        "✅ Đã nhận báo cáo số {number}: nhà {code}, {stage}, {photos} ảnh, lúc {time}. Cảm ơn bạn!",
        "✅ Report no. {number} received: house {code}, {stage}, {photos} photo(s), at {time}. "
        "Thank you!",
    ),
    "receipt_pending": (
        "Báo cáo sẽ được cán bộ phụ trách duyệt trước khi tính vào tiến độ.",
        "An officer will review the report before it counts in the progress figures.",
    ),
    "duplicate_photo": (
        "Lưu ý: ảnh số {positions} trùng với ảnh đã dùng trong {where}, nên cán bộ phụ trách sẽ kiểm "
        "tra báo cáo này.",
        "Note: photo(s) {positions} match photos already used in {where}, so an officer will check "
        "this report.",
    ),
    "stage_changed_meanwhile": (
        "Trong lúc bạn soạn, nhà {code} đã được báo cáo tới bước “{current}”, nên không gửi được "
        "báo cáo “{stage}”. Gõ /baocao để báo cáo lại.",
        "While you were writing, house {code} was reported at “{current}”, so this “{stage}” "
        "report cannot be sent. Send /report to start again.",
    ),
    "cancelled": ("Đã hủy báo cáo đang soạn. Gõ /baocao để bắt đầu lại.",
                  "The report you were writing is dropped. Send /report to start again."),
    "stopped": ("Đã dừng. Gõ /trogiup để xem các lệnh.", "Stopped. Send /help to see the commands."),
    "nothing_to_cancel": ("Không có báo cáo nào đang soạn.", "There is no report in progress."),
    "draft_replaced": (
        "Bản nháp báo cáo nhà {code} đã được bỏ để bắt đầu báo cáo mới.",
        "The unfinished report on house {code} was dropped to start a new one.",
    ),
    "resume": (
        "Tiếp tục báo cáo đang soạn cho nhà {code}.", "Continuing your report on house {code}."
    ),
    "officers_only": (
        "Lệnh này dành cho cán bộ phụ trách.", "This command is for officers."
    ),
    "someone": ("bạn", "there"),
    "console_switched": ("— Bây giờ bạn là {name} ({persona}).", "— You are now {name} ({persona})."),
    # button labels
    "btn_done": ("Xong", "Done"),
    "btn_skip": ("Bỏ qua", "Skip"),
    "btn_next": ("Tiếp", "Next"),
    "btn_send": ("Gửi báo cáo", "Send report"),
    "btn_cancel": ("Hủy", "Cancel"),
    "btn_location": ("📍 Gửi vị trí", "📍 Send location"),
}


def _merge(*parts: dict[str, tuple[str, str]]) -> None:
    for part in parts:
        clash = MESSAGES.keys() & part.keys()
        if clash:
            raise ValueError(f"message keys defined twice: {sorted(clash)}")
        MESSAGES.update(part)


_merge(catalog_officers.MESSAGES, catalog_reminders.MESSAGES, catalog_zalo.MESSAGES, catalog_invites.MESSAGES,
       catalog_cli.MESSAGES, catalog_dialog.MESSAGES, catalog_exports.MESSAGES,
       catalog_contributions.MESSAGES, catalog_evidence.MESSAGES)
_merge(catalog_cli_database.MESSAGES)


def t(lang: str, key: str, /, **values: Any) -> str:
    """The message in the user's language, filled in."""
    pair = MESSAGES[key]
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def t_on(channel: str, lang: str, key: str, /, **values: Any) -> str:
    """The message as worded for one channel, where that channel needs its own words (Zalo has no
    attachment menu to send a location from): the key "<key>@<channel>" when the catalog has it."""
    return t(lang, f"{key}@{channel}" if f"{key}@{channel}" in MESSAGES else key, **values)


def label(table: dict[Any, tuple[str, str]], key: Any, lang: str) -> str:
    pair = table[key]
    return pair[1] if lang == "en" else pair[0]


def pick_lang(hint: str | None) -> str:
    return "en" if hint and hint.lower().startswith("en") else "vi"
