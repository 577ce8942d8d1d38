"""The sheet of one-time passwords the office hands out (.xlsx): a title row, then 单位, 类型,
账号, 一次性密码 (the headers are data). Written the way duties.excel's exports are: every value
a text cell, never a formula, with Excel's quote prefix on a value that starts like one and
OOXML's escape for characters XML cannot hold."""

from __future__ import annotations

import io

from django.utils import timezone

from duties.excel.exporters import is_formula_like, ooxml_escape

HEADERS = ("单位", "类型", "账号", "一次性密码")
WIDTHS = (36, 8, 20, 18)
NOTE = "首次登录须修改密码。本表含密码，发放后请妥善保管或销毁。"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def title_for(where: str, today=None) -> str:
    today = today or timezone.localdate()
    return f"{where}账号及一次性密码（{today.isoformat()}）"


def file_name_for(code: str, today=None) -> str:
    """An ASCII file name (safe in any Content-Disposition header)."""
    today = today or timezone.localdate()
    return f"qingdan-accounts-{code}-{today.isoformat()}.xlsx"


def _text(cell, value: str) -> None:
    cell.value = ooxml_escape(value)
    cell.data_type = "s"  # text, never a formula
    if is_formula_like(value):
        cell.quotePrefix = True


def workbook(issued, title: str) -> bytes:
    """``issued``: IssuedAccount rows (townships.accounts)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = "账号"
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    _text(ws.cell(row=1, column=1), f"{title} {NOTE}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    ws.cell(row=1, column=1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[1].height = 36
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    for column, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=2, column=column)
        _text(cell, header)
        cell.font = Font(bold=True)
    for row, account in enumerate(issued, start=3):
        values = (account.unit, account.kind, account.username, account.password)
        for column, value in enumerate(values, start=1):
            _text(ws.cell(row=row, column=column), value)
    ws.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
