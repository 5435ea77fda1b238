"""What `chungtay migrate`, `backup` and `restore` print, Vietnamese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "cli_migrate_not_sqlite": (
        "chỉ chuyển được từ một tệp SQLite; [storage] database đang là PostgreSQL",
        "only a SQLite file can be migrated; [storage] database is PostgreSQL already",
    ),
    "cli_migrate_not_postgres": (
        "--to phải là địa chỉ PostgreSQL (postgresql://người_dùng@máy/tên_cơ_sở_dữ_liệu)",
        "--to must be a PostgreSQL address (postgresql://user@host/dbname)",
    ),
    "cli_target_not_empty": (
        "{target} đã có dữ liệu; không ghi đè (thêm --force nếu thật sự muốn thay thế)",
        "{target} holds data already; not overwritten (add --force to replace it)",
    ),
    "cli_migrate_target_not_empty": (
        "cơ sở dữ liệu đích đã có dữ liệu; chỉ chuyển vào một cơ sở dữ liệu PostgreSQL trống",
        "the target database holds data already; migrate only into an empty PostgreSQL database",
    ),
    "cli_migrate_mismatch": (
        "đã chép nhưng không khớp với nguồn; cơ sở dữ liệu đích được giữ nguyên để kiểm tra:",
        "copied, but it does not match the source; the target is left as it is for inspection:",
    ),
    "cli_migrate_failed": (
        "chuyển dữ liệu thất bại: {reason}",
        "migration failed: {reason}",
    ),
    "cli_migrate_done": (
        "đã chuyển xong: {tables} bảng, {houses} nhà, {reports} báo cáo; số lượng và tiến độ khớp với nguồn. "
        "Đặt [storage] database (hoặc CHUNGTAY_DATABASE) thành địa chỉ mới để dùng.",
        "migrated: {tables} tables, {houses} houses, {reports} reports; counts and progress match the "
        "source. Set [storage] database (or CHUNGTAY_DATABASE) to the new address to use it.",
    ),
    "cli_cannot_connect": (
        "không kết nối được cơ sở dữ liệu: {reason}",
        "cannot connect to the database: {reason}",
    ),
    "cli_pg_dump_missing": (
        "không tìm thấy pg_dump: hãy cài gói postgresql-client (sudo apt-get install postgresql-client)",
        "pg_dump not found: install the postgresql-client package (sudo apt-get install postgresql-client)",
    ),
    "cli_pg_restore_missing": (
        "không tìm thấy pg_restore: hãy cài gói postgresql-client (sudo apt-get install postgresql-client)",
        "pg_restore not found: install the postgresql-client package "
        "(sudo apt-get install postgresql-client)",
    ),
    "cli_backup_failed": ("sao lưu thất bại: {reason}", "backup failed: {reason}"),
    "cli_backup_pg_done": (
        "{file}: đã sao lưu bằng pg_dump (định dạng custom; khôi phục bằng chungtay restore). "
        "Ảnh vẫn nằm trong {media}",
        "{file}: backed up with pg_dump (custom format; restore with chungtay restore). "
        "Photos stay in {media}",
    ),
    "cli_restore_missing": ("không có tệp {file}", "no file {file}"),
    "cli_restore_failed": ("khôi phục thất bại: {reason}", "restore failed: {reason}"),
    "cli_restore_done": (
        "đã khôi phục {file} vào cơ sở dữ liệu; hãy khởi động lại bot",
        "restored {file} into the database; start the bot again",
    ),
}
