"""A report's evidence codes (handlers/evidence.py) as the export's warning column reads them.

The workbook and the CSV are in Vietnamese only, like their headers; the chat says the same in
the reader's language from the catalog (handlers/evidence_texts.py)."""

from __future__ import annotations

from storage.evidence import day_text, distance_text

# Missing evidence is no warning: most photos come through Telegram and Zalo without EXIF, and a
# column full of it would hide the reasons. The review card says it; the export does not.
_MISSING = ("no_time", "no_gps", "no_reference")


def flag_text(flag: str | None, notes: str | None = None) -> str | None:
    """Every reason, then the values ignored as impossible ("Ghi nhận: …"); an unknown code as
    stored."""
    if not flag and not notes:  # most reports: nothing to split
        return None
    said = [_flag(part) for part in (flag or "").split(";") if part]
    noted = [_note(part) for part in (notes or "").split(";") if part and part not in _MISSING]
    if noted:
        said.append("Ghi nhận: " + ", ".join(noted))
    return "; ".join(said) or None


def _flag(code: str) -> str:
    kind, _, rest = code.partition(":")
    parts = rest.split(":")
    if kind == "duplicate_photo" and len(parts) == 2 and parts[1].startswith("report="):
        return f"Ảnh {parts[0]} trùng ảnh của báo cáo số {parts[1].removeprefix('report=')}"
    if kind == "far_location" and parts[0].isdigit():
        return f"Vị trí gửi cách nhà {distance_text(int(parts[0]))}"
    if kind == "far_photo" and len(parts) == 2 and parts[1].isdigit():
        return f"Ảnh {parts[0]} chụp cách nhà {distance_text(int(parts[1]))}"
    if kind == "old_photo" and len(parts) == 2:
        return f"Ảnh {parts[0]} chụp ngày {day_text(parts[1])}, đã lâu trước báo cáo"
    if kind == "future_photo" and len(parts) == 2:
        return f"Ảnh {parts[0]} ghi ngày chụp {day_text(parts[1])}, sau thời điểm gửi"
    if kind == "before_campaign" and len(parts) == 2:
        return f"Ảnh {parts[0]} chụp ngày {day_text(parts[1])}, trước khi chiến dịch bắt đầu"
    return code


def _note(code: str) -> str:
    kind, _, rest = code.partition(":")
    if kind == "bad_location":
        return f"vị trí gửi không hợp lệ ({rest[:60]}), đã bỏ qua"
    if kind == "bad_photo_time":
        position, _, value = rest.partition(":")
        return f"ảnh {position} ghi ngày chụp không hợp lệ ({day_text(value)}), đã bỏ qua"
    return code
