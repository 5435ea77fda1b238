"""Loading units and houses from the spreadsheets officers already keep (CSV or XLSX).

A file is read and checked completely before anything is written: an officer fixes every
listed problem in one pass, and a rejected file leaves the database exactly as it was.
Reading the file is storage/sheets/readers.py; finding the columns, records.py; each kind of
row, unit_rows.py, house_rows.py,
contributions.py; writing a houses file in short transactions, staging.py.
"""

from storage.importer.contributions import import_contributions
from storage.importer.house_rows import import_houses
from storage.importer.outcome import ImportRejected, ImportResult, RowError
from storage.importer.records import HOUSE_COLUMNS, UNIT_COLUMNS
from storage.importer.unit_rows import import_units
from storage.importer.values import parse_decimal, parse_whole

__all__ = [
    "HOUSE_COLUMNS",
    "UNIT_COLUMNS",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "import_contributions",
    "import_houses",
    "import_units",
    "parse_decimal",
    "parse_whole",
]
