"""Exports and templates (docs/contracts.md §1): layout, formula safety, and round trips."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from duties.excel import export_file, import_file, template_file
from duties.excel.reader import read_table
from duties.excel.spec import SHEETS
from duties.models import DutyItem, ListEntry
from tests.factories import (
    CountyFactory,
    DelegationFactory,
    DepartmentAliasFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
)
from tests.factories_excel import read_xlsx

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+2", "+8613800000000", "-5", "@SUM(A1)", "\t制表开头", "\r回车开头", "含\x01控制\x0b字符",
             "字面量_x000D_保留", "多行\r\n文本"]


def workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def today():
    return timezone.localdate().isoformat()


SHEET_FIELDS = {
    "power": ("item.sub_item", "item.category", "item.department_id", "item.responsibility_stages",
              "item.accountability_cases", "source", "handling_office", "effective_from"),
    "territorial": ("domain", "lead_department_id", "department_duty", "township_duty",
                    "cooperating_departments", "effective_from"),
    "admission": ("requesting_department_id", "admission_mode", "approval_document", "approved_on",
                  "effective_from", "effective_to", "staff_posts", "funding_wan_yuan"),
    "reclaimed": ("receiving_department_id", "working_method", "effective_from"),
}


def entry_fields(kind):
    """What the rows of a list say (the columns of its sheet), independent of database ids."""
    rows = []
    for entry in ListEntry.objects.filter(kind=kind).select_related("item").prefetch_related("townships"):
        values = [entry.item.code, entry.item.name, entry.item.legal_basis, entry.notes, entry.all_townships,
                  tuple(sorted(t.pk for t in entry.townships.all()))]
        for name in SHEET_FIELDS[kind]:
            owner = entry.item if name.startswith("item.") else entry
            values.append(getattr(owner, name.removeprefix("item.")))
        rows.append(tuple(values))
    return sorted(rows)


@pytest.fixture
def lists(world):
    """A few entries on each of the four lists, with awkward values."""
    a, b = world.dept_a, world.dept_b
    power = DutyItemFactory(county=world.county, code="QZ-1", name="对违法行为的处罚", sub_item="子项一",
                            category="penalty", legal_basis="《安全生产法》\n第九十七条", department=a,
                            responsibility_stages="1.立案\n2.调查", accountability_cases=DANGEROUS[0])
    ListEntryFactory(item=power, source="granted", handling_office="执法队", notes=DANGEROUS[1],
                     townships=[world.township_a])
    own = DutyItemFactory(county=world.county, code="QZ-2", name="自有事项", category="public_service",
                          department=None, legal_basis="")
    ListEntryFactory(item=own, source="statutory", notes="\t".join(DANGEROUS))
    ListEntryFactory(kind="territorial", item=DutyItemFactory(county=world.county, code="SD-1", name="秸秆禁烧",
                                                              department=b),
                     domain="生态环境", lead_department=b, department_duty="-负责监督", township_duty="@巡查",
                     cooperating_departments="生态环境局", townships=[world.township_a, world.township_b])
    ListEntryFactory(kind="admission", item=DutyItemFactory(county=world.county, code="ZR-1", name="人居环境巡查",
                                                            department=b),
                     requesting_department=b, admission_mode="assign", approval_document="示办发〔2025〕3号",
                     approved_on=datetime.date(2025, 3, 1), effective_from=datetime.date(2025, 3, 1),
                     effective_to=datetime.date(2099, 12, 31), staff_posts=2, funding_wan_yuan=Decimal("12.50"))
    ListEntryFactory(kind="admission", item=DutyItemFactory(county=world.county, code="ZR-2", name="防汛巡查",
                                                            department=a),
                     requesting_department=None, admission_mode="", approval_document="=HYPERLINK(\"x\")",
                     effective_from=datetime.date(2025, 1, 1))
    ListEntryFactory(kind="reclaimed", item=DutyItemFactory(county=world.county, code="SH-1", name="特种设备检查",
                                                            department=a),
                     receiving_department=a, working_method=DANGEROUS[5], townships=[world.township_b])
    return world


# --------------------------------------------------------------------------- layout


def test_an_export_has_a_title_row_the_canonical_headers_and_a_frozen_header(lists):
    data = export_file("power", county=lists.county)
    ws = workbook(data).worksheets[0]
    assert ws["A1"].value == f"示范县乡镇（街道）权责清单（截至{today()}）"
    assert [cell.value for cell in ws[2]] == SHEETS["power"].headers
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["C"].width == SHEETS["power"].columns[2].width
    assert "A1:M1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C3"].alignment.wrap_text is True
    assert [row[0] for row in read_xlsx(data)[2:]] == ["QZ-1", "QZ-2"]


def test_a_township_export_names_the_township_and_holds_only_its_entries(lists):
    data = export_file("power", county=lists.county, township=lists.township_b)
    rows = read_xlsx(data)
    assert rows[0][0] == f"示范县西河乡权责清单（截至{today()}）"
    assert [row[0] for row in rows[2:]] == ["QZ-2"]  # QZ-1 applies to 东城镇 only


def test_entries_that_have_ended_are_not_exported(lists):
    ListEntryFactory(item__county=lists.county, item__code="OLD", effective_from=datetime.date(2019, 1, 1),
                     effective_to=datetime.date(2020, 1, 1))
    assert "OLD" not in [row[0] for row in read_xlsx(export_file("power", county=lists.county))[2:]]


# --------------------------------------------------------------------------- formula safety


def test_values_excel_would_run_are_written_as_text_cells_and_read_back_unchanged(world):
    for number, value in enumerate(DANGEROUS):
        item = DutyItemFactory(county=world.county, code=f"F{number}", name=f"事项{number}", department=world.dept_a)
        ListEntryFactory(item=item, handling_office="承办", notes=value)
    data = export_file("power", county=world.county)
    ws = workbook(data).worksheets[0]
    column = SHEETS["power"].headers.index("备注") + 1
    notes = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=column) for r in range(3, ws.max_row + 1)}
    for number, value in enumerate(DANGEROUS):
        cell = notes[f"F{number}"]
        assert cell.data_type == "s"
        if value[0] in "=+-@\t\r":
            assert cell.quotePrefix is True
    table = read_table(data, "x.xlsx", SHEETS["power"])
    assert table.formulas == set()
    column = table.columns["notes"]
    assert sorted(values[column] for _n, values in table.rows) == sorted(DANGEROUS)


def test_a_csv_export_quotes_formula_starts_and_the_import_strips_the_quote(world):
    for number, value in enumerate(DANGEROUS[:6]):
        item = DutyItemFactory(county=world.county, code=f"F{number}", name=f"事项{number}", department=world.dept_a)
        ListEntryFactory(item=item, notes=value)
    data = export_file("power", county=world.county, fmt="csv")
    assert data.startswith("\ufeff事项编码,权力类型".encode())
    text = data.decode("utf-8-sig")
    assert "'=1+2" in text and "'-5" in text and "'@SUM(A1)" in text
    report = import_file("power", data, "清单.csv", county=world.county)
    assert (report.messages, report.unchanged, report.updated) == ([], 6, 0)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind", ["power", "territorial", "admission", "reclaimed"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_exported_list_reimports_to_identical_data(lists, kind, fmt):
    before = entry_fields(kind)
    history = ListEntry.history.count()
    data = export_file(kind, county=lists.county, fmt=fmt)

    again = import_file(kind, data, f"导出.{fmt}", county=lists.county)
    assert (again.messages, again.created, again.updated) == ([], 0, 0)
    assert ListEntry.history.count() == history

    ListEntry.objects.filter(kind=kind).delete()
    DutyItem.objects.filter(entries__isnull=True).delete()
    report = import_file(kind, data, f"导出.{fmt}", county=lists.county)
    assert report.messages == []
    assert entry_fields(kind) == before


def test_an_entry_of_a_delegation_round_trips_onto_itself(world):
    item = DutyItemFactory(county=world.county, code="WT-1", name="委托事项", department=world.dept_a)
    delegation = DelegationFactory(department=world.dept_a, duty_items=[item], townships=[world.township_a])
    ListEntryFactory(item=item, source="entrusted", delegation=delegation, townships=[world.township_a])
    report = import_file("power", export_file("power", county=world.county), "x.xlsx", county=world.county)
    assert (report.messages, report.unchanged) == ([], 1)
    assert ListEntry.objects.count() == 1


def test_exported_townships_reimport_to_identical_data(db):
    county = CountyFactory(code="990301", name="往返县")
    TownshipFactory(county=county, code="990301101", name="城关镇", population=41000, area_km2=Decimal("88.50"))
    TownshipFactory(county=county, code="990301201", name="河口乡", kind="township", category="large")
    fields = ("county_id", "code", "name", "kind", "category", "population", "area_km2")
    before = list(county.townships.order_by("code").values_list(*fields))
    data = export_file("townships", county=county)
    assert read_xlsx(data)[0][0] == f"往返县乡镇（街道）名录（截至{today()}）"
    assert import_file("townships", data, "乡镇.xlsx").unchanged == 2
    county.townships.all().delete()
    assert import_file("townships", data, "乡镇.xlsx").created == 2
    assert list(county.townships.order_by("code").values_list(*fields)) == before


def test_exported_departments_reimport_to_identical_data(db):
    county = CountyFactory(code="990301", name="往返县")
    DepartmentAliasFactory(department=DepartmentFactory(county=county, code="YJJ", name="往返县应急管理局",
                                                        short_name="应急局"), name="安监局")
    DepartmentAliasFactory(department=DepartmentFactory(county=county, code="NYJ", name="往返县农业农村局",
                                                        kind="vertical"), name="农业局")

    def state():
        return [
            (d.code, d.name, d.short_name, d.kind, sorted(a.name for a in d.aliases.all()))
            for d in county.departments.order_by("code").prefetch_related("aliases")
        ]

    before = state()
    data = export_file("departments", county=county, fmt="csv")
    assert import_file("departments", data, "部门.csv").unchanged == 2
    county.departments.all().delete()
    assert import_file("departments", data, "部门.csv").messages == []
    assert state() == before


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", list(SHEETS))
def test_a_template_has_the_headers_an_example_row_and_a_notes_sheet(kind):
    book = workbook(template_file(kind))
    sheet = SHEETS[kind]
    ws = book.worksheets[0]
    assert [cell.value for cell in ws[1]] == sheet.headers
    assert any(cell.value not in (None, "") for cell in ws[2])
    assert ws.freeze_panes == "A2"
    notes = [row for row in book["说明"].iter_rows(values_only=True)]
    explained = {row[0]: row[2] for row in notes if row and row[0] in sheet.headers}
    assert set(explained) == set(sheet.headers)
    assert all(explained.values())
