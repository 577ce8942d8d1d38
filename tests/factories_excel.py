"""Building real-shaped spreadsheet files for the Excel tests (openpyxl, csv)."""

import csv
import io

import openpyxl


def xlsx_bytes(rows, *, merges=(), title="Sheet1", extra_sheets=None, formulas=()):
    """An .xlsx file whose first sheet holds ``rows`` (lists of cell values, None = empty)
    from A1 down; ``merges`` are ranges such as "D2:E2"; ``formulas`` (row, column, text)
    are written as real formula cells."""
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for cell_range in merges:
        ws.merge_cells(cell_range)
    for row, column, formula in formulas:
        ws.cell(row=row, column=column, value=formula)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = workbook.create_sheet(name)
        for row in sheet_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, *, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode(encoding)


def read_xlsx(data, sheet=None):
    """All values of a sheet (the first by default), as lists."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def workbook_bytes(sheets):
    """An .xlsx file with one worksheet per ``{name: rows}`` item, in that order."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        ws = workbook.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
