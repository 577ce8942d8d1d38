"""Export of a township's list as it stood on a past day (rows rebuilt from the history,
which exist only in memory) to xlsx or csv. The live lists go through the Excel exporter
(``duties.excel.export_queryset``); this writer follows the same sheets.

The columns are the canonical headers of contracts.md §1 (Chinese: they are the file format),
in their order, with a title row above the header in the xlsx. Cell values that a spreadsheet
would take for a formula are written as text (CWE-1236).
"""

from __future__ import annotations

import csv
import io
import re

from django.utils import translation

from duties.models import ListKind

TITLES = {
    ListKind.POWER: "权责清单",
    ListKind.TERRITORIAL: "属地管理清单",
    ListKind.ADMISSION: "准入清单",
    ListKind.RECLAIMED: "收回清单",
}

_PAREN = re.compile(r"[（(]([^（）()]+)[)）]\s*$")


def _chinese_label(obj, field) -> str:
    """The Chinese term of a choice (our labels read "english (中文)")."""
    value = getattr(obj, field)
    if not value:
        return ""
    with translation.override("en"):
        label = str(getattr(obj, f"get_{field}_display")())
    match = _PAREN.search(label)
    return match.group(1) if match else label


def _name(department) -> str:
    return department.name if department is not None else ""


def _date(value) -> str:
    return value.isoformat() if value else ""


def _scope(entry, township) -> str:
    return "全部" if entry.all_townships else township.name


def _number(value):
    return "" if value is None else value


COLUMNS = {
    ListKind.POWER: [
        ("事项编码", lambda e, t: e.item.code),
        ("权力类型", lambda e, t: _chinese_label(e.item, "category")),
        ("事项名称", lambda e, t: e.item.name),
        ("子项", lambda e, t: e.item.sub_item),
        ("实施依据", lambda e, t: e.item.legal_basis),
        ("责任事项", lambda e, t: e.item.responsibility_stages),
        ("追责情形", lambda e, t: e.item.accountability_cases),
        ("承办机构", lambda e, t: e.handling_office),
        ("主管部门", lambda e, t: _name(e.item.department)),
        ("来源", lambda e, t: _chinese_label(e, "source")),
        ("适用乡镇", _scope),
        ("备注", lambda e, t: e.notes),
    ],
    ListKind.TERRITORIAL: [
        ("事项编码", lambda e, t: e.item.code),
        ("领域", lambda e, t: e.domain),
        ("事项名称", lambda e, t: e.item.name),
        ("主体责任部门", lambda e, t: _name(e.lead_department)),
        ("部门职责", lambda e, t: e.department_duty),
        ("乡镇（街道）配合职责", lambda e, t: e.township_duty),
        ("协同部门", lambda e, t: e.cooperating_departments),
        ("依据", lambda e, t: e.item.legal_basis),
        ("适用乡镇", _scope),
        ("备注", lambda e, t: e.notes),
    ],
    ListKind.ADMISSION: [
        ("事项编码", lambda e, t: e.item.code),
        ("事项名称", lambda e, t: e.item.name),
        ("申请部门", lambda e, t: _name(e.requesting_department)),
        ("准入方式", lambda e, t: _chinese_label(e, "admission_mode")),
        ("批准文号", lambda e, t: e.approval_document),
        ("批准日期", lambda e, t: _date(e.approved_on)),
        ("有效期至", lambda e, t: _date(e.effective_to)),
        ("保障编制", lambda e, t: _number(e.staff_posts)),
        ("保障经费（万元）", lambda e, t: _number(e.funding_wan_yuan)),
        ("依据", lambda e, t: e.item.legal_basis),
        ("适用乡镇", _scope),
        ("备注", lambda e, t: e.notes),
    ],
    ListKind.RECLAIMED: [
        ("事项编码", lambda e, t: e.item.code),
        ("事项名称", lambda e, t: e.item.name),
        ("承接部门", lambda e, t: _name(e.receiving_department)),
        ("工作方式", lambda e, t: e.working_method),
        ("依据", lambda e, t: e.item.legal_basis),
        ("适用乡镇", _scope),
        ("备注", lambda e, t: e.notes),
    ],
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rows(kind, entries, township):
    columns = COLUMNS[ListKind(kind)]
    yield [header for header, _ in columns]
    for entry in entries:
        yield [getter(entry, township) for _, getter in columns]


def title_of(kind, township, day) -> str:
    return f"{township.county.name}{township.name}{TITLES[ListKind(kind)]}（{day.isoformat()}）"


def to_csv(kind, entries, township) -> bytes:
    """CSV (UTF-8 with BOM); text that starts like a formula gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(kind, entries, township):
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in row]
        )
    # UTF-8 with BOM so that Excel on Windows opens Chinese text correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(kind, entries, township, day) -> bytes:
    """xlsx with a title row, a frozen header and column widths; every text cell is typed as
    a string, so nothing is ever evaluated as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TITLES[ListKind(kind)]
    data = list(rows(kind, entries, township))
    width = len(data[0])
    sheet.cell(row=1, column=1, value=title_of(kind, township, day)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for r, row in enumerate(data, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = TYPE_STRING  # never a formula, whatever it starts with
            else:
                cell.value = value
            if r == 2:
                cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    for c, header in enumerate(data[0], start=1):
        longest = max((len(str(row[c - 1])) for row in data[1:200]), default=0)
        sheet.column_dimensions[get_column_letter(c)].width = max(
            8, min(50, max(len(header) * 2 + 2, longest + 2))
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
