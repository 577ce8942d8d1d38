"""The county workbook (docs/contracts.md §1): one .xlsx with a county's sheets, imported in
dependency order in one transaction, all or nothing — from an empty database (no demo)."""

import copy
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from delegations.models import Assignment, Delegation
from duties.excel.workbook import import_workbook, kind_of_sheet
from duties.models import DutyItem, ListEntry
from tests.factories import CountyFactory, UserFactory, make_user
from tests.factories_excel import read_xlsx, workbook_bytes
from townships.models import County, Department, DepartmentAlias, Profile, Township

pytestmark = pytest.mark.django_db
D = datetime.date

TOWNSHIPS = [
    ["某县乡镇（街道）名录"],
    ["区县代码", "区县名称", "乡镇代码", "乡镇名称", "类型"],
    ["990500", "某县", "990500101", "城关镇", "镇"],
    ["990500", "某县", "990500102", "河口乡", "乡"],
]
DEPARTMENTS = [
    ["部门代码", "部门名称", "简称"],
    ["YJJ", "某县应急管理局", "应急局"],
    ["NYJ", "某县农业农村局", "农业农村局"],
    ["SCJ", "某县市场监督管理局", "市场监管局"],
]
POWER = [
    ["某县乡镇（街道）权责清单"],
    ["序号", "事项编码", "权力类型", "事项名称", "主管部门", "适用乡镇", "生效日期"],
    [1, "P-001", "行政检查", "安全生产日常检查", "县应急局", "全部", "2024-06-14"],
    [2, "P-002", "公共服务", "便民代办服务", None, "城关镇", "2024-06-14"],
]
TERRITORIAL = [
    ["事项编码", "领域", "事项名称", "主体责任部门", "乡镇（街道）配合职责", "生效日期"],
    ["T-001", "生态环境", "秸秆禁烧", "农业农村局", "开展日常巡查，发现问题及时报告", "2024-06-14"],
]
ADMISSION = [
    ["事项编码", "事项名称", "申请部门", "准入方式", "批准文号", "批准日期"],
    ["A-001", "人居环境巡查", "农业农村局", "交办", "某办发〔2024〕3号", "2024-03-01"],
]
RECLAIMED = [
    ["事项编码", "事项名称", "承接部门", "工作方式"],
    ["R-001", "特种设备安全检查", "市场监管局", "由县级部门直接实施"],
]
ASSIGNMENTS = [
    ["交办部门", "乡镇", "任务名称", "事项编码", "交办方式", "责任类型", "交办日期"],
    ["应急局", "全部", "汛期安全隐患排查", "P-001", "通知", "配合", "2025-06-01"],
]
DELEGATIONS = [
    ["部门", "方式", "事项编码", "适用乡镇", "批准文号", "批准日期", "生效日期", "委托事项范围", "委托权限", "委托期限",
     "公布日期"],
    ["应急局", "委托", "P-001", "城关镇", "某政发〔2024〕8号", "2024-05-20", "2024-06-01", "本辖区内生产经营单位的安全检查",
     "检查、责令改正", "2026-12-31", "2024-05-25"],
]
SHEETS = {
    "乡镇（街道）名录": TOWNSHIPS,
    "部门名录": DEPARTMENTS,
    "XX县乡镇权责清单": POWER,
    "属地管理事项清单": TERRITORIAL,
    "准入清单": ADMISSION,
    "收回清单": RECLAIMED,
    "交办事项": ASSIGNMENTS,
    "赋权委托": DELEGATIONS,
    "说明": [["本工作簿由某县编办整理"]],
}
LIST_SHEETS = ("XX县乡镇权责清单", "属地管理事项清单", "准入清单", "收回清单")


@pytest.fixture
def office(db):
    """The first office account of a fresh instance: every county, no demo."""
    return make_user(Profile.Role.OFFICE, username="office")


def workbook(sheets=None, **replace):
    """The county's workbook; ``replace``: sheet name -> rows."""
    sheets = copy.deepcopy(sheets or SHEETS)
    sheets.update(replace)
    return workbook_bytes(sheets)


def counts():
    """Every model a workbook can touch, with its history, to prove that nothing changed."""
    models = (County, Township, Department, DepartmentAlias, DutyItem, ListEntry, Assignment, Delegation)
    numbers = [model.objects.count() for model in models]
    numbers += [model.history.count() for model in (DutyItem, ListEntry, Assignment, Delegation)]
    numbers.append(ListEntry.townships.through.objects.count())
    return numbers


def sheet(report, name):
    return next(s for s in report.sheets if s.name == name)


def test_sheet_names_are_recognised_by_meaning():
    assert [kind_of_sheet(name) for name in (
        "乡镇", "乡镇（街道）名录", "表1 乡镇", "部门名录", "权责清单", "XX县乡镇权责清单", "附件2：属地管理事项清单",
        "乡镇职责准入事项清单", "上级部门收回事项清单", "部门交办事项登记", "赋权委托", "说明", "Sheet1",
    )] == [
        "townships", "townships", "townships", "departments", "power", "power", "territorial",
        "admission", "reclaimed", "assignments", "delegations", None, None,
    ]


def test_a_whole_county_moves_in_from_one_workbook_on_an_empty_database(office):
    assert County.objects.count() == 0
    report = import_workbook(workbook(), "某县.xlsx", user=office)
    assert report.messages == []
    assert report.applied and (report.county_code, report.county_name) == ("990500", "某县")
    assert [s.kind for s in report.sheets] == [
        "townships", "departments", "power", "territorial", "admission", "reclaimed", "assignments",
        "delegations"]
    assert report.ignored == ["说明"]
    assert report.county_notes == [_("Created county %(code)s %(name)s.") % {"code": "990500", "name": "某县"}]

    county = County.objects.get(code="990500")
    assert county.townships.count() == 2 and county.departments.count() == 3
    # Each sheet planned against what the earlier ones wrote: the lists found the departments.
    assert DutyItem.objects.get(code="P-001").department.code == "YJJ"
    assert ListEntry.objects.get(kind="territorial").lead_department.code == "NYJ"
    own = ListEntry.objects.get(kind="power", item__code="P-001", delegation__isnull=True)
    assert own.effective_from == D(2024, 6, 14)
    assert ListEntry.objects.get(kind="admission", delegation__isnull=True).effective_from == D(2024, 3, 1)
    assert sheet(report, "XX县乡镇权责清单").report.effective_statements == [
        _("Effective date: as written in the file (%(rows)s rows).") % {"rows": 2}]
    assert Assignment.objects.get().assigned_on == D(2025, 6, 1)
    delegation = Delegation.objects.get()
    assert (delegation.decision_no, delegation.effective_from) == ("某政发〔2024〕8号", D(2024, 6, 1))
    assert {h.history_change_reason for h in ListEntry.history.filter(delegation__isnull=True)} == {"导入 某县.xlsx"}


@pytest.mark.parametrize("name, row, column", [
    ("乡镇（街道）名录", ["990500", "某县", "99050010", "东山镇", "镇"], "乡镇代码"),
    ("部门名录", ["", "某县水利局", ""], "部门代码"),
    ("XX县乡镇权责清单", [3, "P-003", "行政检查", "危房排查", "县住建局", "全部", "2024-06-14"], "主管部门"),
    ("属地管理事项清单", ["T-002", "安全", "汛期巡查", "农业农村局", "巡查", "明年"], "生效日期"),
    ("准入清单", ["A-002", "防汛巡查", "应急局", "交办", "", "2024-03-01"], "批准文号"),
    ("收回清单", ["R-002", "电梯检查", "市场监管局", "直接实施"], None),
    ("交办事项", ["应急局", "南山镇", "防汛值守", "", "通知", "配合", "2025-06-01"], "乡镇"),
    ("赋权委托", ["应急局", "委托", "P-002", "城关镇", "某政发〔2024〕9号", "2024-05-20", "2024-06-01", "", "", "",
              "2024-05-25"], None),
])
def test_one_bad_row_on_any_sheet_writes_nothing(office, name, row, column):
    rows = copy.deepcopy(SHEETS[name])
    if name == "收回清单":
        rows[1] = ["R-002", "电梯检查", "市场监管局", "直接实施"]
        rows.append(["R-002", "电梯检查", "市场监管局", "直接实施"])  # the same item twice
        row_number, column = 3, "事项名称"
    else:
        rows.append(row)
        row_number = len(rows)
    before = counts()
    report = import_workbook(workbook(**{name: rows}), "某县.xlsx", user=office)
    assert not report.ok and not report.applied
    assert counts() == before
    # Only that row is reported: the other sheets, checked against the sheet's good rows,
    # have no errors of their own.
    assert report.messages and all(m.startswith(f"工作表“{name}” 第{row_number}行") for m in report.messages)
    if column:
        assert report.messages[0].startswith(f"工作表“{name}” 第{row_number}行 {column}: ")


def test_a_dry_run_previews_exactly_what_the_import_does_and_writes_nothing(office):
    preview = import_workbook(workbook(), "某县.xlsx", user=office, dry_run=True)
    assert preview.messages == [] and not preview.applied
    assert counts() == [0] * 12 + [0] and County.objects.count() == 0
    assert preview.county_notes == [_("County %(code)s %(name)s will be created.") % {"code": "990500", "name": "某县"}]
    report = import_workbook(workbook(), "某县.xlsx", user=office)
    planned = [(s.kind, s.report.created, s.report.updated, s.report.unchanged) for s in preview.sheets]
    done = [(s.kind, s.report.created, s.report.updated, s.report.unchanged) for s in report.sheets]
    assert planned == done
    assert all(s.report.created for s in report.sheets)


def test_importing_the_same_workbook_twice_changes_nothing_the_second_time(office):
    import_workbook(workbook(), "某县.xlsx", user=office)
    before = counts()
    again = import_workbook(workbook(), "某县.xlsx", user=office)
    assert again.messages == [] and again.applied
    assert [(s.report.created, s.report.updated) for s in again.sheets] == [(0, 0)] * len(again.sheets)
    assert again.county_notes == []
    assert counts() == before


def test_an_unrecognised_sheet_is_reported_as_ignored_never_dropped_silently(office, tmp_path):
    data = workbook({"乡镇": TOWNSHIPS, "联系人": [["姓名", "电话"], ["张三", "123"]]})
    report = import_workbook(data, "某县.xlsx", user=office)
    assert report.ignored == ["联系人"] and report.applied
    path = tmp_path / "某县.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_county", str(path), "--dry-run", stdout=out, stderr=io.StringIO())
    assert (_("Sheets not imported (not recognised): %(sheets)s") % {"sheets": "联系人"}) in out.getvalue()


def test_two_sheets_of_one_kind_refuse_the_workbook(office):
    report = import_workbook(workbook({"乡镇": TOWNSHIPS, "权责清单": POWER, "XX县权责清单": POWER}),
                             "某县.xlsx", user=office)
    assert not report.ok and report.sheets == []
    assert "权责清单" in report.messages[0] and "XX县权责清单" in report.messages[0]
    assert County.objects.count() == 0


def test_an_office_of_one_county_cannot_import_another_countys_workbook(office):
    own = CountyFactory(code="990101", name="示范县")
    CountyFactory(code="990202", name="邻县")
    office_a = make_user(Profile.Role.OFFICE, username="office_a", county=own)
    neighbour = copy.deepcopy(TOWNSHIPS)
    for row in neighbour[2:]:
        row[:3] = ["990202", "邻县", row[2].replace("990500", "990202")]
    for data in (workbook(), workbook({"乡镇": neighbour, "部门名录": DEPARTMENTS})):
        before = counts()
        report = import_workbook(data, "县.xlsx", user=office_a)
        assert not report.ok and all(s.report is None for s in report.sheets)
        assert "示范县" in report.messages[0]
        assert counts() == before
    # Without a 乡镇 sheet the workbook is the office's own county.
    report = import_workbook(workbook({"部门名录": DEPARTMENTS}), "县.xlsx", user=office_a)
    assert report.applied and report.county_code == "990101"
    assert own.departments.count() == 3


def test_the_county_comes_from_the_townships_sheet_or_is_given(office):
    CountyFactory(code="990101", name="示范县")
    report = import_workbook(workbook({"部门": DEPARTMENTS}), "部门.xlsx", user=office)
    assert not report.ok and not Department.objects.exists()
    report = import_workbook(workbook({"部门": DEPARTMENTS}), "部门.xlsx", user=office, county_code="990101")
    assert report.applied and Department.objects.filter(county__code="990101").count() == 3
    report = import_workbook(workbook(), "某县.xlsx", user=office, county_code="990101")
    assert not report.ok and "990500" in report.messages[0]


def test_the_import_wide_date_applies_to_every_list_sheet(office):
    undated = copy.deepcopy(SHEETS)
    for name in LIST_SHEETS:
        rows = undated[name]
        header = next((row for row in rows if "生效日期" in row), None)
        for row in rows[rows.index(header) + 1:] if header else ():
            row[header.index("生效日期")] = None
    report = import_workbook(workbook_bytes(undated), "某县.xlsx", user=office, effective_from=D(2024, 1, 1))
    assert report.messages == []
    own = ListEntry.objects.filter(delegation__isnull=True)
    dates = dict(own.values_list("item__code", "effective_from"))
    assert dates == {"P-001": D(2024, 1, 1), "P-002": D(2024, 1, 1), "T-001": D(2024, 1, 1),
                     "A-001": D(2024, 3, 1), "R-001": D(2024, 1, 1)}  # 批准日期 comes first on admission
    assert report.import_day_warning == ""


def test_an_export_of_the_county_imports_back_unchanged(office, tmp_path):
    import_workbook(workbook(), "某县.xlsx", user=office)
    path = tmp_path / "导出.xlsx"
    call_command("export_county", "990500", "-o", str(path), stdout=io.StringIO())
    assert read_xlsx(path.read_bytes(), "权责清单")[1][-2] == "生效日期"
    before = counts()
    report = import_workbook(path.read_bytes(), "导出.xlsx", user=office)
    assert report.messages == [] and report.ignored == []
    assert [(s.report.created, s.report.updated) for s in report.sheets] == [(0, 0)] * 8
    assert counts() == before


def test_import_county_imports_and_prints_a_report_per_sheet(office, tmp_path):
    path = tmp_path / "某县.xlsx"
    path.write_bytes(workbook())
    out = io.StringIO()
    call_command("import_county", str(path), "--user", "office", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert _("Sheet “%(name)s” (%(kind)s):") % {"name": "XX县乡镇权责清单", "kind": "权责清单"} in text
    assert _("Created county %(code)s %(name)s.") % {"code": "990500", "name": "某县"} in text
    assert _("County %(code)s %(name)s imported.") % {"code": "990500", "name": "某县"} in text
    assert County.objects.filter(code="990500").exists()


def test_import_county_exits_non_zero_on_any_error_and_needs_an_office_user(office, tmp_path):
    bad = tmp_path / "坏.xlsx"
    rows = copy.deepcopy(DEPARTMENTS) + [["", "某县水利局", ""]]
    bad.write_bytes(workbook(**{"部门名录": rows}))
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_county", str(bad), "--user", "office", stdout=io.StringIO(), stderr=err)
    assert _("Nothing was imported.") in str(raised.value)
    assert err.getvalue().splitlines() == ["工作表“部门名录” 第5行 部门代码: " + _("This cell cannot be blank.")]
    assert counts() == [0] * 13
    good = tmp_path / "某县.xlsx"
    good.write_bytes(workbook())
    UserFactory(username="clerk", is_staff=True)  # staff, but not an office account
    for args in ([], ["--user", "clerk"], ["--user", "nobody"], ["--user", "office", "--effective-from", "2024-6"]):
        with pytest.raises(CommandError):
            call_command("import_county", str(good), *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert counts() == [0] * 13


def test_a_file_that_is_not_a_workbook_gets_a_message(office):
    report = import_workbook(b"a,b\n1,2\n", "乡镇.csv", user=office)
    assert not report.ok and report.messages
    report = import_workbook(b"PK\x03\x04 not really", "某县.xlsx", user=office)
    assert not report.ok and report.messages


def test_the_reader_limits_apply_to_a_workbook(office, settings):
    from duties.excel.archive import too_long_cell_message
    from tests.test_excel_limits import with_huge_cell

    huge = with_huge_cell(40)  # 40 MB of text in one cell: refused before it is read
    report = import_workbook(huge, "某县.xlsx", user=office)
    assert report.messages == [too_long_cell_message()] and report.sheets == []
    settings.QINGDAN = {**settings.QINGDAN, "EXCEL_MAX_BYTES": 1000}
    report = import_workbook(workbook(), "某县.xlsx", user=office)
    assert not report.ok and "MB" in report.messages[0]
    assert counts() == [0] * 13


def test_a_townships_sheet_without_rows_cannot_create_the_county(office):
    report = import_workbook(workbook({"乡镇": TOWNSHIPS[:2], "部门": DEPARTMENTS}), "某县.xlsx", user=office,
                             county_code="990500")
    assert not report.ok and "990500" in report.messages[0]
    assert counts() == [0] * 13
