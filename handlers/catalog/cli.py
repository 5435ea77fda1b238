"""What the `chungtay` command line prints, Vietnamese first, English second.

The admin's language is `[campaign] language` in config.toml; argparse's own help stays English.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "cli_import_done": (
        "{file}: {created} mới, {updated} cập nhật",
        "{file}: {created} created, {updated} updated",
    ),
    "cli_import_rejected": (
        "{file}: bị từ chối, không ghi gì cả:",
        "{file}: rejected, nothing was written:",
    ),
    "cli_import_line": ("dòng {line}", "line {line}"),
    "cli_import_file": ("tệp", "file"),
    "cli_unknown_unit": (
        "không có mã đơn vị {code!r}; hãy nhập danh sách đơn vị trước (chungtay import units)",
        "unknown unit code {code!r}; import the units first (chungtay import units)",
    ),
    "cli_invite_made": (
        "{role} của {unit}: {what}, đến hết ngày {until}.",
        "{role} of {unit}: {what}, until {until}.",
    ),
    "cli_invite_group": ("một mã cho tối đa {people} người", "one code for up to {people} people"),
    "cli_invite_personal": ("{count} mã, mỗi mã dùng một lần", "{count} code(s), each works once"),
    "cli_users_header": (
        "id\tkênh\tvai trò\tđơn vị\ttrạng thái\tlần cuối\ttên\tcùng người với",
        "id\tchannel\trole\tunit\tstatus\tlast seen\tname\tsame person as",
    ),
    "cli_users_count": ("{count} tài khoản", "{count} accounts"),
    "cli_no_account": (
        "không có tài khoản id {id}; xem `chungtay users`",
        "no account with id {id}; see `chungtay users`",
    ),
    "cli_not_disabled": (
        "tài khoản {id} đang {status}, không bị khóa: không cần làm gì",
        "account {id} is {status}, not disabled: nothing to do",
    ),
    "cli_access_set": (
        "tài khoản {id} ({channel}, {role}): {status}",
        "account {id} ({channel}, {role}): {status}",
    ),
    "cli_workbook_done": (
        "{file}: {units} đơn vị, {houses} nhà, {reports} báo cáo",
        "{file}: {units} units, {houses} houses, {reports} reports",
    ),
    "cli_export_done": ("{file}: {count} báo cáo", "{file}: {count} reports"),
    "cli_format_contradicts": (
        "--format {format} nhưng tệp {file} có đuôi {suffix}: hãy bỏ --format hoặc đổi tên tệp",
        "--format {format} but the file {file} ends in {suffix}: drop --format or rename the file",
    ),
    "cli_format_unknown": (
        "không biết ghi {file} theo định dạng nào: đặt tên .csv hoặc .xlsx, hoặc thêm --format",
        "cannot tell which format to write {file} in: name it .csv or .xlsx, or add --format",
    ),
    "cli_backup_exists": (
        "{file} đã có rồi; hãy chọn tên tệp mới",
        "{file} exists already; choose a new file name",
    ),
    "cli_backup_done": (
        "{file}: đã sao chép cơ sở dữ liệu (ảnh vẫn nằm trong {media})",
        "{file}: database copied (photos stay in {media})",
    ),
    # The terminal of the demo: one screen for several people, so a message meant for someone else
    # (an approval, a correction notice) says whom it is for and how to become that person.
    "console_for": (
        "📨 Gửi tới {name} — gõ :{persona} để làm người này:",
        "📨 For {name} — type :{persona} to be this person:",
    ),
    "console_for_other": ("📨 Gửi tới {channel} {user}:", "📨 For {channel} {user}:"),
    "cli_photos_need_unit": (
        "--with-photos cần --unit: ảnh của đơn vị nào?",
        "--with-photos needs --unit: the photos of which area?",
    ),
    "cli_zip_done": (
        "{file}: {units} đơn vị, {houses} nhà, {reports} báo cáo, {photos} ảnh, {mb} MB",
        "{file}: {units} units, {houses} houses, {reports} reports, {photos} photos, {mb} MB",
    ),
    "cli_invite_sheet_kind": (
        "--out ghi tờ mã mời để in: đặt tên TỆP.pdf hoặc TỆP.xlsx",
        "--out writes a printable sheet of codes: name it FILE.pdf or FILE.xlsx",
    ),
    "cli_until_too_far": (
        "--until {until}: mã nhóm dùng được tối đa {days} ngày kể từ hôm nay",
        "--until {until}: a group code lasts at most {days} days from today",
    ),
    "cli_group_volunteers_only": (
        "mã nhóm chỉ dành cho tình nguyện viên; cán bộ nhận mã riêng",
        "a group code is for volunteers only; officers get personal codes",
    ),
    "cli_count_range": ("--count và --max từ 1 đến {most}", "--count and --max go from 1 to {most}"),
    "cli_until_format": (
        "--until {until!r}: hãy viết ngày theo dạng NN/TT/NNNN",
        "--until {until!r}: write the day as DD/MM/YYYY",
    ),
    "cli_until_past": ("--until {until}: ngày này đã qua", "--until {until}: that day has passed"),
    "cli_sheet_needs_name": (
        "chưa biết tên Telegram của chatbot nên mã QR chưa chứa được đường liên kết: hãy chạy bot "
        "một lần, hoặc đặt [telegram] bot_username",
        "the bot's Telegram name is not known yet, so a QR code cannot hold its link: start the bot "
        "once, or set [telegram] bot_username",
    ),
    "cli_name_unknown": (
        "chưa biết tên Telegram của chatbot: hãy chạy bot một lần, hoặc đặt [telegram] bot_username",
        "the bot's Telegram name is not known yet: start the bot once, or set [telegram] bot_username",
    ),
    "cli_sheet_done": ("{file}: {count} mã trên {pages} trang", "{file}: {count} code(s) on {pages} page(s)"),
}
