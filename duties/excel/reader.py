"""Reading a user's file into a table: file checks and limits (duties.excel.archive for what
an .xlsx unpacks to), the raw grid of cells, and its header placed by duties.excel.headers
(docs/contracts.md §1).

Everything here is independent of the database; the importers turn a ``Table`` into rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from duties.excel.archive import check_xlsx_archive, too_long_cell_message
from duties.excel.errors import ExcelFileError
from duties.excel.headers import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from duties.excel.spec import Sheet

MAX_COLUMNS = 80  # columns beyond this are not read (the widest sheet has 12)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000

XLSX = "xlsx"
CSV = "csv"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# A leading single quote that a CSV export put before a value Excel would run as a formula.
CSV_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def max_bytes() -> int:
    return int(getattr(settings, "QINGDAN", {}).get("EXCEL_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "QINGDAN", {}).get("EXCEL_MAX_ROWS", DEFAULT_MAX_ROWS))


def ooxml_unescape(text: str) -> str:
    """Undo the ``_xHHHH_`` escapes of OOXML strings (Excel writes a carriage return as
    ``_x000D_``; our exports escape control characters the same way)."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


def strip_csv_quote(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in CSV_FORMULA_TRIGGERS:
        return text[1:]
    return text


# --------------------------------------------------------------------------- file checks


def check_file(data: bytes, file_name: str = "") -> str:
    """The file's type (``"xlsx"`` or ``"csv"``) after the checks done before any parsing:
    empty, too big, an old .xls, not a zip when it says .xlsx. Raises ExcelFileError."""
    if not data:
        raise ExcelFileError(_("The file is empty."))
    limit = max_bytes()
    if len(data) > limit:
        raise ExcelFileError(
            _("The file is %(size).1f MB; files over %(limit)s MB are refused. "
              "Split it into smaller files.")
            % {"size": len(data) / 1024 / 1024, "limit": _megabytes(limit)}
        )
    name = (file_name or "").lower()
    if data.startswith(_OLE2_MAGIC):
        raise ExcelFileError(
            _("This is an old Excel 97–2003 (.xls) file or a password-protected workbook. "
              "Open it in Excel or WPS and save it as .xlsx without a password.")
        )
    if data[:4] == b"PK\x03\x04":
        return XLSX
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise ExcelFileError(_not_xlsx_message())
    if name.endswith((".csv", ".txt")) or not name:
        return CSV
    raise ExcelFileError(_("Only .xlsx and .csv files can be imported."))


def _megabytes(limit: int) -> str:
    value = limit / 1024 / 1024
    return f"{value:g}"


def _not_xlsx_message():
    return _(
        "The file is not a readable .xlsx workbook (it may be damaged, or another kind of "
        "file renamed to .xlsx). Open it in Excel or WPS and save it as .xlsx."
    )


def _too_many_rows_message():
    return _("The sheet has more than %(limit)s data rows; split it into smaller files.") % {
        "limit": max_rows()
    }


# --------------------------------------------------------------------------- raw grids


@dataclass
class Grid:
    """The cells of one sheet: ``rows[i]`` is Excel row ``i + 1`` (values, trailing blanks
    kept as None); ``formulas`` the (row number, column index) of cells holding a formula."""

    name: str
    rows: list[list]
    formulas: set = field(default_factory=set)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _open_workbook(data: bytes):
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except zipfile.BadZipFile:
        raise ExcelFileError(_not_xlsx_message()) from None
    except Exception:  # any other damage: a message, never a 500
        raise ExcelFileError(_not_xlsx_message()) from None


def _sheet_head(ws, rows=HEADER_SEARCH_ROWS + 1):
    head = []
    for row in ws.iter_rows(min_row=1, max_row=rows, max_col=MAX_COLUMNS, values_only=True):
        head.append(list(row))
    return head


def _count_data_rows_streaming(ws, stop_after: int) -> int:
    """Non-blank rows of a sheet, counted without keeping them (stops early)."""
    count = 0
    for row in ws.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        if any(not _is_blank(v) for v in row):
            count += 1
            if count > stop_after:
                break
    return count


def _read_xlsx_grid(ws, first_data_row: int) -> Grid:
    """All rows of ``ws``; refuses more than the row limit before anything is built."""
    _check_declared_rows(ws, first_data_row)
    # Values only (the fast path); a formula then reads as its text ("=SUM(…)"), so cells
    # whose value looks like one are checked against the cells' types afterwards.
    limit = max_rows()
    rows, suspects, data_rows = [], set(), 0
    for number, cells in enumerate(
        ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        values = list(cells)
        blank = _clean_row(number, values, suspects)
        rows.append(values)
        if number >= first_data_row and not blank:
            data_rows += 1
            if data_rows > limit:
                raise ExcelFileError(_too_many_rows_message())
    formulas = _formulas(ws, rows, suspects) if suspects else set()
    _fill_vertical_merges(ws, rows, formulas, first_data_row)
    return Grid(ws.title, rows, formulas)


def _check_declared_rows(ws, first_data_row):
    limit = max_rows()
    try:
        declared = ws.max_row  # from the sheet's <dimension>, when the writer recorded one
    except Exception:
        declared = None
    if declared and declared - first_data_row + 1 > limit:
        # The declared size may include formatted empty rows: count the real ones.
        if _count_data_rows_streaming(ws, limit + first_data_row) - first_data_row + 1 > limit:
            raise ExcelFileError(_too_many_rows_message())


_PLAIN = (int, float, datetime.datetime, datetime.date, datetime.time, datetime.timedelta)


def _clean_row(number, values, suspects) -> bool:
    """Undo OOXML escapes in place and note the cells that may hold a formula; whether the
    row is blank."""
    blank = True
    for index, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, str):
            if value.startswith("="):
                suspects.add((number, index))
            elif "_x" in value:
                values[index] = ooxml_unescape(value)
            if blank and value.strip():
                blank = False
        else:
            if not isinstance(value, _PLAIN):  # an array formula, or other non-value
                suspects.add((number, index))
            blank = False
    return blank


def _formulas(ws, rows, suspects) -> set:
    """The suspect cells that really hold a formula (the others get their text back)."""
    formulas = set()
    suspect_rows = {number for number, _index in suspects}
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1):
        if number not in suspect_rows:
            continue
        for index, cell in enumerate(cells):
            if (number, index) not in suspects:
                continue
            if cell.data_type == "f":
                formulas.add((number, index))
            elif isinstance(cell.value, str):
                rows[number - 1][index] = ooxml_unescape(cell.value)
    return formulas


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


def _merged_ranges(ws):
    """The merged ranges of a read-only worksheet, scanned from its XML (openpyxl reads them
    only in normal mode, which costs far more memory and time)."""
    try:
        source = ws._get_source()
    except Exception:
        return set()
    found, tail = set(), b""
    with source:
        while True:
            chunk = source.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            if b"mergeCell" in data:  # a plain search first: the regex would try every "<"
                found.update(_MERGE_RE.findall(data))
            tail = data[-256:]
    return found


def _fill_vertical_merges(ws, rows, formulas, first_data_row):
    """Published lists merge a column down several rows (one 主管部门 or 权力类型 for a group
    of items). In the data rows, each such value is copied to the rows it spans that hold
    other data; merges across columns (section titles) are left alone."""
    from openpyxl.utils import column_index_from_string

    for first_col, first, last_col, last in _merged_ranges(ws):
        first, last = int(first), int(last)
        if last <= first or first < first_data_row or first > len(rows):
            continue
        column = column_index_from_string(first_col.decode()) - 1
        origin_row = rows[first - 1]
        origin = origin_row[column] if column < len(origin_row) else None
        if origin is None or column >= MAX_COLUMNS:
            continue
        for number in range(first + 1, min(last, len(rows)) + 1):
            row = rows[number - 1]
            if all(_is_blank(value) for value in row):
                continue
            if column >= len(row):
                row.extend([None] * (column + 1 - len(row)))
            if row[column] is None:
                row[column] = origin
                if (first, column) in formulas:
                    formulas.add((number, column))


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExcelFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _read_csv_grid(data: bytes) -> Grid:
    text = _decode_csv(data)
    if "\x00" in text:
        raise ExcelFileError(_("The file is not a readable CSV text file."))
    first_lines = text[:4096].splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = "\t" if sum(l.count("\t") for l in first_lines) > sum(
        l.count(",") for l in first_lines
    ) else ","
    limit = max_rows()
    rows = []
    data_rows = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            values = [strip_csv_quote(v) if v else None for v in row[:MAX_COLUMNS]]
            rows.append(values)
            if any(not _is_blank(v) for v in values):
                data_rows += 1
                if data_rows > limit + HEADER_SEARCH_ROWS:
                    raise ExcelFileError(_too_many_rows_message())
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ExcelFileError(too_long_cell_message()) from None
        raise ExcelFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": str(error)}
        ) from None
    return Grid("", rows, set())


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """The data of one sheet, its header mapped to canonical column keys."""

    file_name: str
    format: str
    sheet_name: str
    header: HeaderMatch
    rows: list  # [(Excel row number, values)] of the non-blank data rows
    formulas: set

    @property
    def columns(self) -> dict:
        return self.header.columns

    @property
    def unknown_columns(self) -> list:
        """The headers, as written, of the columns that are not imported."""
        return self.header.unknown

    @property
    def warnings(self) -> list:
        """HeaderWarning: the columns a field could have come from but did not."""
        return self.header.warnings

    def label(self, key: str) -> str:
        return self.header.labels.get(key, key)

    def has(self, key: str) -> bool:
        return key in self.header.columns


def read_table(data: bytes, file_name: str, sheet: Sheet) -> Table:
    """Read ``data`` (the bytes of an .xlsx or .csv file) as ``sheet``; in a workbook, the
    worksheet whose header matches best. Raises ExcelFileError for any file-level problem
    (including a missing required column)."""
    file_format = check_file(data, file_name)
    if file_format == XLSX:
        with xlsx_workbook(data) as workbook:
            try:
                grid, header = _pick_xlsx_sheet(workbook, sheet)
            except ExcelFileError:
                raise
            except Exception:
                raise ExcelFileError(_not_xlsx_message()) from None
    else:
        grid = _read_csv_grid(data)
        header = find_header(sheet, grid.rows[: HEADER_SEARCH_ROWS + 1])
        if header is None:
            _raise_no_header(sheet)
    return _table(file_name, file_format, grid, header, sheet)


@contextmanager
def xlsx_workbook(data: bytes):
    """The read-only openpyxl workbook of ``data`` (already through ``check_file``), after the
    unpacked-size checks; closed on exit."""
    check_xlsx_archive(data, _not_xlsx_message())
    workbook = _open_workbook(data)
    try:
        yield workbook
    finally:
        workbook.close()


def read_worksheet(ws, file_name: str, sheet: Sheet, *, allow_empty=False) -> Table:
    """One worksheet of an open workbook read as ``sheet`` (a county workbook names the kind
    of each of its sheets). Raises ExcelFileError like ``read_table``; ``allow_empty``: a
    header without rows below it is a table without rows, not an error."""
    try:
        header = find_header(sheet, _sheet_head(ws))
        if header is None:
            _raise_no_header(sheet)
        grid = _read_xlsx_grid(ws, header.last_row + 1)
    except ExcelFileError:
        raise
    except Exception:
        raise ExcelFileError(_not_xlsx_message()) from None
    return _table(file_name, XLSX, grid, header, sheet, allow_empty=allow_empty)


def _table(file_name, file_format, grid, header, sheet, *, allow_empty=False) -> Table:
    _check_required(sheet, header)
    rows = _data_rows(grid, header)
    if len(rows) > max_rows():
        raise ExcelFileError(_too_many_rows_message())
    if not rows and not allow_empty:
        raise ExcelFileError(_("The file has no data rows below the header."))
    return Table(file_name, file_format, grid.name, header, rows, grid.formulas)


def _data_rows(grid, header):
    """[(Excel row number, values)] of the rows below the header with data in a placed column."""
    mapped = set(header.columns.values())
    rows = []
    for number in range(header.last_row + 1, len(grid.rows) + 1):
        values = grid.rows[number - 1]
        if any(
            index in mapped and not _is_blank(value) for index, value in enumerate(values)
        ) or any((number, index) in grid.formulas for index in mapped):
            rows.append((number, values))
    return rows


def _pick_xlsx_sheet(workbook, sheet: Sheet):
    """The worksheet whose header matches ``sheet`` best (the first one on a tie)."""
    best = None
    for ws in workbook.worksheets:
        head = _sheet_head(ws)
        match = find_header(sheet, head)
        if match is not None and (best is None or match.rank > best[1].rank):
            best = (ws, match)
    if best is None:
        _raise_no_header(sheet)
    ws, match = best
    grid = _read_xlsx_grid(ws, match.last_row + 1)
    return grid, match


def _raise_no_header(sheet: Sheet):
    required = [c.header for c in sheet.columns if c.required] or [sheet.columns[0].header]
    raise ExcelFileError(
        _("No header row was found in the first %(rows)s rows. The header must name "
          "columns such as %(columns)s.")
        % {"rows": HEADER_SEARCH_ROWS, "columns": "、".join(f"“{h}”" for h in required)}
    )


def _check_required(sheet: Sheet, header: HeaderMatch):
    missing = [c for c in sheet.columns if c.required and c.key not in header.columns]
    if not missing:
        return
    message = _("The required column “%(column)s” is missing.") % {
        "column": "”、“".join(c.header for c in missing)
    }
    for column in missing:
        guesses = [w.label for w in header.warnings if w.key == column.key]
        if guesses:
            message += " " + _(
                "The column “%(label)s” may be it: name it “%(column)s” and import again."
            ) % {"label": "”、“".join(guesses), "column": column.header}
    raise ExcelFileError(message)
