"""Spreadsheets in and out: the CSV and XLSX files officers keep and forward.

readers: any officer's CSV or XLSX as rows of cells, for the import.
"""
