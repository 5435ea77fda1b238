"""Spreadsheets in and out: the CSV and XLSX files officers keep and forward.

readers: any officer's CSV or XLSX as rows of cells, for the import. writers: one sheet a row at
a time as CSV or XLSX, for the report export. xlsx_stream: the many-sheet workbook of an area.
"""
