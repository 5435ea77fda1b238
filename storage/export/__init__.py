"""Reports out of the database for officers: every report as one CSV or XLSX sheet
(report_file.py), or an area's workbook of summary, houses and reports (workbook.py)."""

from storage.export.report_file import export_reports
from storage.export.rows import EXPORT_COLUMNS, REPORT_COLUMNS, REVIEW_STATES
from storage.export.workbook import (
    HOUSE_COLUMNS,
    SUMMARY_COLUMNS,
    SUMMARY_NOTE,
    WorkbookCounts,
    export_workbook,
)
from storage.sheets.writers import TIME_FORMAT

__all__ = [
    "EXPORT_COLUMNS",
    "HOUSE_COLUMNS",
    "REPORT_COLUMNS",
    "REVIEW_STATES",
    "SUMMARY_COLUMNS",
    "SUMMARY_NOTE",
    "TIME_FORMAT",
    "WorkbookCounts",
    "export_reports",
    "export_workbook",
]
