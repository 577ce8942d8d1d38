"""Exports and blank templates (docs/contracts.md §1).

An .xlsx export has a title row, the canonical headers in the contract's order (frozen),
column widths and wrapped text. It is safe to open: every text is written as a text cell,
never as a formula, and a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return also carries Excel's quote prefix (CWE-1236). Characters XML cannot hold (control
characters, and the carriage return that XML would turn into a line feed) are written in
OOXML's ``_xHHHH_`` escape, which Excel shows as the character and the importer reads back,
so the text reads back unchanged.

A .csv export has the header line and the rows (no title line), UTF-8 with a BOM so that
Excel opens it as UTF-8. A value Excel would run as a formula gets a leading single quote
(the usual mitigation); the importer removes that quote again.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from copy import copy
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from duties.excel import spec
from duties.excel.reader import CSV_FORMULA_TRIGGERS

_OOXML_ESCAPE_RE = re.compile(r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0b\x0c\x0e-\x1f\r]")


def ooxml_escape(text: str) -> str:
    def replace(match):
        found = match.group(0)
        if len(found) > 1:  # a literal "_xHHHH_" is escaped by escaping its underscore
            return "_x005F" + found
        return f"_x{ord(found):04X}_"

    return _OOXML_ESCAPE_RE.sub(replace, text)


def is_formula_like(text: str) -> bool:
    return text.startswith(CSV_FORMULA_TRIGGERS)


# --------------------------------------------------------------------------- titles


def title_for(kind, *, county=None, township=None, as_of=None) -> str:
    """"××县××镇权责清单（截至YYYY-MM-DD）", county-wide "××县乡镇（街道）权责清单（截至…）"."""
    sheet = spec.SHEETS[kind]
    as_of = as_of or timezone.localdate()
    county_name = county.name if county is not None else ""
    if kind in spec.LIST_KINDS:
        where = township.name if township is not None else "乡镇（街道）"
        return f"{county_name}{where}{sheet.title}（截至{as_of.isoformat()}）"
    return f"{county_name}{sheet.title}（截至{as_of.isoformat()}）"


def file_name_for(kind, *, county=None, township=None, as_of=None, fmt="xlsx", template=False):
    """An ASCII file name (safe in any Content-Disposition header)."""
    if template:
        return f"qingdan-template-{kind}.xlsx"
    as_of = as_of or timezone.localdate()
    where = township.code if township is not None else (county.code if county is not None else "all")
    return f"qingdan-{kind}-{where}-{as_of.isoformat()}.{fmt}"


# --------------------------------------------------------------------------- rows


def _label(labels: dict, value) -> str:
    return labels.get(value, value or "")


def _department_name(department) -> str:
    return department.name if department is not None else ""


def list_queryset(kind, *, county, township=None, as_of=None):
    """The entries of a county's list (or of one township's) still in force on ``as_of``
    (default today), drafts included: the list as the office keeps it."""
    from duties.models import ListEntry

    as_of = as_of or timezone.localdate()
    queryset = ListEntry.objects.filter(kind=kind, item__county=county).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=as_of)
    )
    if township is not None:
        through = ListEntry.townships.through
        queryset = queryset.filter(
            Q(all_townships=True)
            | Q(pk__in=through.objects.filter(township_id=township.pk).values("listentry_id"))
        )
    return queryset


def _entry_rows(kind, queryset):
    from duties.models import ListEntry

    entries = list(
        ListEntry.objects.filter(pk__in=queryset.values("pk"))
        .select_related(
            "item", "item__department", "lead_department", "requesting_department",
            "receiving_department",
        )
        # An item's own entry first, then those of delegations: the order the importer matches
        # an item's rows with its entries in (duties.excel.lists), on every database.
        .order_by("item__code", F("delegation_id").asc(nulls_first=True), "id")
    )
    through = ListEntry.townships.through
    names = defaultdict(list)
    for entry_id, name in (
        through.objects.filter(listentry_id__in=queryset.values("pk"))
        .order_by("township__code")
        .values_list("listentry_id", "township__name")
    ):
        names[entry_id].append(name)
    for entry in entries:
        scope = spec.ALL_TOWNSHIPS_EXPORT if entry.all_townships else "、".join(names[entry.pk])
        yield _entry_row(kind, entry, scope)


def _entry_row(kind, entry, scope) -> list:
    """One list entry (a ListEntry or a historical one with ``item`` and departments loaded)
    as a row of the list's sheet; ``scope`` is the 适用乡镇 text."""
    item = entry.item
    if kind == spec.POWER:
        return [
            item.code, _label(spec.CATEGORY_LABELS, item.category), item.name, item.sub_item,
            item.legal_basis, item.responsibility_stages, item.accountability_cases,
            entry.handling_office, _department_name(item.department),
            _label(spec.SOURCE_LABELS, entry.source), scope, entry.effective_from, entry.notes,
        ]
    if kind == spec.TERRITORIAL:
        return [
            item.code, entry.domain, item.name, _department_name(entry.lead_department),
            entry.department_duty, entry.township_duty, entry.cooperating_departments,
            item.legal_basis, scope, entry.effective_from, entry.notes,
        ]
    if kind == spec.ADMISSION:
        return [
            item.code, item.name, _department_name(entry.requesting_department),
            _label(spec.ADMISSION_MODE_LABELS, entry.admission_mode), entry.approval_document,
            entry.approved_on, entry.effective_from, entry.effective_to, entry.staff_posts,
            entry.funding_wan_yuan, item.legal_basis, scope, entry.notes,
        ]
    return [
        item.code, item.name, _department_name(entry.receiving_department),
        entry.working_method, item.legal_basis, scope, entry.effective_from, entry.notes,
    ]


def _township_rows(queryset):
    for township in queryset.select_related("county").order_by("county__code", "code"):
        yield [
            township.county.code, township.county.name, township.code, township.name,
            _label(spec.TOWNSHIP_KIND_LABELS, township.kind),
            _label(spec.TOWNSHIP_CATEGORY_LABELS, township.category),
            township.population, township.area_km2,
        ]


def _department_rows(queryset):
    from townships.models import DepartmentAlias

    departments = list(queryset.select_related("county").order_by("county__code", "code"))
    aliases = defaultdict(list)
    for department_id, name in DepartmentAlias.objects.filter(
        department__in=[d.pk for d in departments]
    ).order_by("name").values_list("department_id", "name"):
        aliases[department_id].append(name)
    for department in departments:
        names = aliases[department.pk]
        # The first name is the short name; a blank short name before aliases stays blank.
        short = "、".join([department.short_name, *names]) if names else department.short_name
        yield [
            department.county.code, department.code, department.name, short,
            _label(spec.DEPARTMENT_KIND_LABELS, department.kind),
        ]


def rows_of(kind, queryset):
    if kind in spec.PAST_WORK_KINDS:
        from delegations.excel.exporters import rows_of as past_work_rows

        return past_work_rows(kind, queryset)
    if kind == spec.TOWNSHIPS:
        return _township_rows(queryset)
    if kind == spec.DEPARTMENTS:
        return _department_rows(queryset)
    return _entry_rows(kind, queryset)


def default_queryset(kind, *, county, township=None, as_of=None):
    from townships.models import Department, Township

    if kind in spec.PAST_WORK_KINDS:
        from delegations.excel.exporters import default_queryset as past_work_queryset

        return past_work_queryset(kind, county=county, township=township)
    if kind == spec.TOWNSHIPS:
        queryset = Township.objects.filter(county=county)
        return queryset.filter(pk=township.pk) if township is not None else queryset
    if kind == spec.DEPARTMENTS:
        return Department.objects.filter(county=county)
    return list_queryset(kind, county=county, township=township, as_of=as_of)


# --------------------------------------------------------------------------- writers


def _xlsx(sheet: spec.Sheet, title: str | None, rows, *, example=False, notes=None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _add_sheet(workbook, sheet, title, rows, example=example)
    if notes is not None:
        _notes_sheet(workbook, sheet, notes)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_sheet(workbook, sheet: spec.Sheet, title, rows, *, name=None, example=False):
    ws = workbook.create_sheet(name or sheet.title)
    _layout(ws, sheet, title)
    styles = _styles(ws, example)
    for values in rows:
        ws.append([_cell(ws, value, styles) for value in values])


def _layout(ws, sheet, title):
    """Column widths, the frozen header, the title row and the header row."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header_row = 2 if title else 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"1:{header_row}"
    if title:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True, size=14)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 30
        ws.merged_cells.add(f"A1:{get_column_letter(len(sheet.columns))}1")
        ws.append([cell])
    thin = Side(style="thin", color="999999")
    header_cells = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        header_cells.append(cell)
    ws.append(header_cells)


def _styles(ws, example) -> dict:
    """Styles set once on prototype cells, whose style arrays are copied to every cell:
    assigning style objects cell by cell costs more than writing the file."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wrap = Alignment(wrap_text=True, vertical="top")

    def prototype(**attributes):
        cell = WriteOnlyCell(ws)
        cell.alignment = wrap
        if example:
            cell.font = Font(italic=True, color="808080")
        for name, value in attributes.items():
            setattr(cell, name, value)
        return cell._style

    return {
        "text": prototype(),
        "quoted": prototype(quotePrefix=True),
        "date": prototype(number_format="yyyy-mm-dd"),
        "decimal": prototype(number_format="0.00"),
    }


def _cell(ws, value, styles):
    """A write-only cell for ``value`` (None for an empty one: it is not written at all)."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or value == "":
        return None
    cell = WriteOnlyCell(ws)
    style = styles["text"]
    if isinstance(value, str):
        cell.value = ooxml_escape(value)
        cell.data_type = "s"  # text, never a formula
        if is_formula_like(value):
            style = styles["quoted"]
    else:
        cell.value = value
        if isinstance(value, datetime.date):
            style = styles["date"]
        elif isinstance(value, Decimal):
            style = styles["decimal"]
    cell._style = copy(style)
    return cell


def _notes_sheet(workbook, sheet: spec.Sheet, notes):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    ws = workbook.create_sheet("说明")
    for letter, width in zip("ABCDE", (20, 10, 60, 36, 24)):
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    title = WriteOnlyCell(ws, value=f"{sheet.title}导入模板说明")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    for line in notes:
        ws.append([line])
    ws.append([])
    header = []
    for text in ("列名", "是否必填", "说明", "可用的别名（导入时同样识别）", "示例"):
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for column in sheet.columns:
        row = []
        for value in (
            column.header,
            "必填" if column.required else "",
            column.note,
            "、".join(column.aliases),
            column.example if column.example != "" else "",
        ):
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cell.alignment = wrap
            row.append(cell)
        ws.append(row)


def _csv(sheet: spec.Sheet, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for values in rows:
        out = []
        for value in values:
            if value is None:
                out.append("")
            elif isinstance(value, str):
                value = value.replace("\x00", "")
                out.append("'" + value if is_formula_like(value) else value)
            elif isinstance(value, datetime.date):
                out.append(value.isoformat())
            else:
                out.append(str(value))
        writer.writerow(out)
    return buffer.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- entry points


def export_queryset(kind, queryset, *, county=None, township=None, fmt="xlsx", as_of=None) -> bytes:
    """The rows of ``queryset`` (ListEntry of list ``kind``, Township or Department) as a
    file."""
    return _write(kind, rows_of(kind, queryset), county=county, township=township, fmt=fmt,
                  as_of=as_of)


def export_entries(
    kind, entries, *, scope_of, county=None, township=None, fmt="xlsx", as_of=None
) -> bytes:
    """List entries already in memory (e.g. the lists as they stood on a past day, rebuilt
    from the history) as a file of list ``kind``; ``scope_of(entry)`` gives its 适用乡镇."""
    rows = (_entry_row(kind, entry, scope_of(entry)) for entry in entries)
    return _write(kind, rows, county=county, township=township, fmt=fmt, as_of=as_of)


def _write(kind, rows, *, county, township, fmt, as_of) -> bytes:
    sheet = spec.SHEETS[kind]
    if fmt == "csv":
        return _csv(sheet, rows)
    if fmt != "xlsx":
        raise ValueError(f"Unknown export format {fmt!r}; use xlsx or csv.")
    title = title_for(kind, county=county, township=township, as_of=as_of)
    return _xlsx(sheet, title, rows)


def export_file(kind, *, county, township=None, fmt="xlsx", as_of=None) -> bytes:
    """A county's sheet (or one township's lists) as it stands on ``as_of`` (default today)."""
    queryset = default_queryset(kind, county=county, township=township, as_of=as_of)
    return export_queryset(kind, queryset, county=county, township=township, fmt=fmt, as_of=as_of)


def workbook_file(county, *, sheet_names, as_of=None) -> bytes:
    """A county's sheets in one .xlsx (``sheet_names``: kind -> worksheet name, in order),
    each as ``export_file`` writes it: the county workbook that imports back unchanged."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for kind, name in sheet_names.items():
        queryset = default_queryset(kind, county=county, as_of=as_of)
        title = title_for(kind, county=county, as_of=as_of)
        _add_sheet(workbook, spec.SHEETS[kind], title, rows_of(kind, queryset), name=name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_file(kind) -> bytes:
    """A blank template: the canonical headers, one example row, and a 说明 sheet."""
    sheet = spec.SHEETS[kind]
    example = [column.example for column in sheet.columns]
    return _xlsx(sheet, None, [example], example=True, notes=sheet.notes or spec.GENERAL_NOTES)
