"""Sentences of the workbook with photos (/xuat anh), Vietnamese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "export_photos_working": (
        "Đang lập tệp ZIP gồm bảng Excel và ảnh…",
        "Preparing the ZIP of the Excel file and the photos…",
    ),
    "export_photos_done": (
        "📎 Báo cáo tiến độ {unit} kèm ảnh: {units} đơn vị, {houses} nhà, {reports} báo cáo, "
        "{photos} ảnh. Giải nén rồi mở tệp Excel: liên kết ở cột Ảnh mở ảnh trong thư mục photos.",
        "📎 Progress report of {unit} with photos: {units} units, {houses} houses, {reports} reports, "
        "{photos} photos. Unzip it and open the Excel file: the links in the Ảnh column open the "
        "photos in the photos folder.",
    ),
    "export_photos_too_big": (
        "Tệp kèm ảnh của {unit} nặng khoảng {size} MB, quá mức {limit} MB mà chatbot được gửi. "
        "Hãy chọn một đơn vị nhỏ hơn (/xuat anh TÊN_ĐƠN_VỊ), gửi /xuat để nhận bảng Excel không "
        "kèm ảnh, hoặc nhờ quản trị chạy trên máy chủ:\n{command}",
        "The file with photos of {unit} is about {size} MB, over the {limit} MB a bot may send. "
        "Choose a smaller unit (/export photos UNIT), send /export for the Excel file without "
        "photos, or ask an admin to run on the server:\n{command}",
    ),
}
