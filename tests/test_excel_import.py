"""Importing the sheets counties publish (docs/contracts.md §1): messy headers, look-ups, scope,
identity, all-or-nothing, idempotence and history."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from duties.excel import import_file
from duties.excel.base import history_reason
from duties.excel.lists import generated_code
from duties.models import DutyItem, ListEntry
from tests.factories import DepartmentAliasFactory, DutyItemFactory, ListEntryFactory
from tests.factories_excel import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

TITLE = ["示范县乡镇（街道）权责清单"]
POWER_HEADER = ["序号", "事项编码", "权力类型", "事项名称", "子项", "实施依据", "主管部门", "来源", "适用乡镇", "备注"]


def power_file(*rows, header=POWER_HEADER, title=True):
    lines = [TITLE, ["单位：项"]] if title else []
    return xlsx_bytes([*lines, header, *rows])


def power_row(number, code, name, **values):
    row = {
        "category": "行政检查", "sub": "", "basis": "《安全生产法》", "department": "应急局",
        "source": "法定", "scope": "", "notes": "",
    }
    row.update(values)
    return [number, code, row["category"], name, row["sub"], row["basis"], row["department"],
            row["source"], row["scope"], row["notes"]]


def snapshot():
    """Everything an import can touch, to prove that nothing changed."""
    return (
        list(DutyItem.objects.order_by("pk").values()),
        list(ListEntry.objects.order_by("pk").values()),
        list(ListEntry.townships.through.objects.order_by("pk").values()),
        DutyItem.history.count(),
        ListEntry.history.count(),
    )


def run(kind, data, world, name="清单.xlsx", **kwargs):
    kwargs.setdefault("county", world.county)
    kwargs.setdefault("user", world.office)
    return import_file(kind, data, name, **kwargs)


# --------------------------------------------------------------------------- headers


def test_a_published_power_list_lands_exactly(world):
    data = power_file(
        [1, "QZ-001", "行政许可（省级）", "危险化学品经营许可", "", "《危险化学品安全管理条例》", "YJJ", "赋权",
         "东城镇，西河乡", "试点"],
        [2, "QZ-002", "行政处罚(国办)", "对未开展安全检查的处罚", "子项甲", "《安全生产法》第九十七条",
         "示范县应急管理局", "委托", "990101101；\n西河乡", ""],
        [3, None, "公共服务", "农业技术推广", None, None, "农业农村局", None, "全部", None],
        [None] * 10,
        [None] * 10,
        header=["序号", "项目编码", "职权类型", "职权名称", "子项名称", "权力依据", "业务指导部门", "权力来源",
                "适用乡镇", "备注"],
    )
    report = run("power", data, world)
    assert report.messages == []
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)

    permit = DutyItem.objects.get(code="QZ-001")
    assert (permit.name, permit.category, permit.department, permit.legal_basis) == (
        "危险化学品经营许可", "licensing", world.dept_a, "《危险化学品安全管理条例》")
    entry = permit.entries.get()
    assert (entry.kind, entry.source, entry.notes, entry.all_townships) == ("power", "granted", "试点", False)
    assert set(entry.townships.all()) == {world.township_a, world.township_b}

    penalty = DutyItem.objects.get(code="QZ-002")
    assert (penalty.sub_item, penalty.category) == ("子项甲", "penalty")
    assert penalty.entries.get().source == "entrusted"
    assert set(penalty.entries.get().townships.all()) == {world.township_a, world.township_b}

    service = DutyItem.objects.get(name="农业技术推广")
    assert service.code == generated_code("990101", "农业技术推广", "")
    assert (service.category, service.department, service.legal_basis) == ("public_service", world.dept_b, "")
    entry = service.entries.get()
    assert (entry.source, entry.all_townships, entry.townships.count()) == ("statutory", True, 0)


def test_a_two_row_merged_header_gives_the_department_and_township_duties(world):
    data = xlsx_bytes(
        [
            ["示范县乡镇（街道）属地管理事项清单"],
            ["序号", "领域", "事项名称", "主体责任部门", "职责边界划分", None, "协同部门", "依据"],
            [None, None, None, None, "县级部门", "乡镇（街道）", None, None],
            [1, "安全生产", "非煤矿山安全监管", "应急局", "负责行业监管、执法检查", "日常巡查、发现报告", "自然资源局",
             "《安全生产法》"],
        ],
        merges=["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3", "H2:H3"],
    )
    report = run("territorial", data, world)
    assert report.messages == []
    entry = ListEntry.objects.get(kind="territorial")
    assert (entry.domain, entry.lead_department, entry.department_duty, entry.township_duty,
            entry.cooperating_departments) == (
        "安全生产", world.dept_a, "负责行业监管、执法检查", "日常巡查、发现报告", "自然资源局")
    assert entry.item.legal_basis == "《安全生产法》"
    assert entry.item.department == world.dept_a  # a new item is owned by the lead department
    assert report.unknown_columns == []


def test_alias_headers_and_messy_header_text_are_recognised(world):
    data = xlsx_bytes([
        ["具体\n事项", " 牵头 部门* ", "县级部门职责：", "镇街配合职责", "配合部门", "法律依据（条款）", "适用乡镇（街道）"],
        ["秸秆禁烧", "农业农村局", "负责监督指导", "巡查劝阻", "生态环境局", "《大气污染防治法》", "东城镇"],
    ])
    report = run("territorial", data, world)
    assert report.messages == []
    entry = ListEntry.objects.get(kind="territorial")
    assert (entry.item.name, entry.lead_department, entry.department_duty, entry.township_duty,
            entry.cooperating_departments) == ("秸秆禁烧", world.dept_b, "负责监督指导", "巡查劝阻", "生态环境局")
    assert list(entry.townships.all()) == [world.township_a]
    assert entry.item.legal_basis == "《大气污染防治法》"  # 法律依据 with a bracketed note
    assert report.unknown_columns == []


def test_full_width_and_half_width_brackets_and_units_are_the_same_header(world):
    data = xlsx_bytes([
        ["区县代码", "乡镇（街道）代码", "乡镇(街道)名称", "类型", "类别", "人口", "面积(平方公里)"],
        ["990101", "990101103", "南山街道", "街道", "一类", "52000", "38.25"],
    ])
    report = run("townships", data, world)
    assert report.messages == []
    township = world.county.townships.get(code="990101103")
    assert (township.name, township.kind, township.category, township.population, township.area_km2) == (
        "南山街道", "subdistrict", "extra_large", 52000, Decimal("38.25"))


def test_unknown_columns_are_ignored_and_named_and_row_numbers_are_ignored(world):
    data = xlsx_bytes([
        TITLE,
        [*POWER_HEADER, "联系电话", "办理时限"],
        [*power_row(1, "QZ-001", "检查事项"), "0000-1234567", "5个工作日"],
    ])
    report = run("power", data, world)
    assert report.messages == []
    assert report.unknown_columns == ["联系电话", "办理时限"]
    assert DutyItem.objects.get().code == "QZ-001"


def test_a_sheet_without_a_header_in_the_first_ten_rows_is_refused(world):
    data = xlsx_bytes([[f"说明第{i}行"] for i in range(11)] + [POWER_HEADER, power_row(1, "Q", "事项")])
    report = run("power", data, world)
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert "“事项名称”" in report.messages[0]
    assert DutyItem.objects.count() == 0


def test_a_missing_required_column_is_refused(world):
    data = xlsx_bytes([["事项编码", "事项名称", "部门职责"], ["SD-1", "秸秆禁烧", "负责监督"]])
    before = snapshot()
    report = run("territorial", data, world)
    assert report.messages == [_("The required column “%(column)s” is missing.") % {"column": "主体责任部门"}]
    assert snapshot() == before


def test_blank_rows_and_rows_holding_only_a_row_number_or_a_section_title_are_skipped(world):
    data = power_file(
        ["一、行政许可（2项）"] + [None] * 9,
        power_row(1, "QZ-001", "许可甲", category="行政许可"),
        [None] * 10,
        power_row(2, "QZ-002", "许可乙", category="行政许可"),
        [3] + [None] * 9,
        [None] * 10,
    )
    report = run("power", data, world)
    assert report.messages == []
    assert report.created == 2


# --------------------------------------------------------------------------- look-ups


def test_departments_are_found_by_code_full_name_short_name_alias_or_bare_name(world):
    DepartmentAliasFactory(department=world.dept_a, name="安监局")
    data = power_file(*[
        power_row(i, f"QZ-{i}", f"事项{i}", department=name)
        for i, name in enumerate(["YJJ", "示范县应急管理局", "应急局", "安监局", "应急管理局", "县应急管理局"], 1)
    ])
    report = run("power", data, world)
    assert report.messages == []
    assert set(DutyItem.objects.values_list("department", flat=True)) == {world.dept_a.pk}


def test_an_unknown_department_is_a_row_error_naming_the_value(world):
    data = power_file(power_row(1, "QZ-1", "事项一"), power_row(2, "QZ-2", "事项二", department="应急办"))
    before = snapshot()
    report = run("power", data, world)
    assert report.messages == [
        "第5行 主管部门: " + _("Unknown department “%(value)s”: no department of this county has that "
                            "code, name, short name or alias.") % {"value": "应急办"}
    ]
    assert snapshot() == before


def test_a_blank_or_all_scope_means_every_township_and_names_or_codes_name_some(world):
    data = power_file(
        power_row(1, "A", "甲", scope=""),
        power_row(2, "B", "乙", scope="全部"),
        power_row(3, "C", "丙", scope="东城镇"),
        power_row(4, "D", "丁", scope="990101101、西河乡"),
        power_row(5, "E", "戊", scope="东城镇,西河乡"),
        power_row(6, "F", "己", scope="东城镇;\n990101102"),
    )
    assert run("power", data, world).messages == []
    scopes = {
        e.item.code: (e.all_townships, {t.code for t in e.townships.all()})
        for e in ListEntry.objects.prefetch_related("townships").select_related("item")
    }
    both = {"990101101", "990101102"}
    assert scopes == {
        "A": (True, set()), "B": (True, set()), "C": (False, {"990101101"}), "D": (False, both),
        "E": (False, both), "F": (False, both),
    }


def test_an_unknown_township_in_the_scope_is_a_row_error(world):
    data = power_file(power_row(1, "A", "甲", scope="东城镇、北山镇"))
    before = snapshot()
    report = run("power", data, world)
    assert report.messages == [
        "第4行 适用乡镇: " + _("Unknown township %(names)s: no township of this county has that name or "
                            "code.") % {"names": "“北山镇”"}
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("written", "category"),
    [("行政许可(国办)", "licensing"), ("行政许可（省级）", "licensing"), ("行政处罚类", "penalty"),
     ("行政强制措施", "coercion"), ("其它行政权力", "other_power"), ("公共服务事项", "public_service"),
     ("行政检查", "inspection"), ("", "other")],
)
def test_category_variants_map_to_the_canonical_set(world, written, category):
    assert run("power", power_file(power_row(1, "A", "甲", category=written)), world).messages == []
    assert DutyItem.objects.get().category == category


def test_an_unknown_category_is_a_row_error(world):
    before = snapshot()
    report = run("power", power_file(power_row(1, "A", "甲", category="安全生产")), world)
    assert len(report.errors) == 1
    assert report.messages[0].startswith("第4行 权力类型: ")
    assert "“安全生产”" in report.messages[0]
    assert snapshot() == before


# --------------------------------------------------------------------------- identity


def test_an_item_is_found_by_code_else_by_name_and_sub_item(world):
    by_code = DutyItemFactory(county=world.county, code="QZ-9", name="旧名称", department=world.dept_a)
    by_name = DutyItemFactory(county=world.county, code="OLD-7", name="事项乙", sub_item="子项",
                              department=world.dept_a)
    data = power_file(power_row(1, "QZ-9", "新名称"), power_row(2, None, "事项乙", sub="子项"))
    report = run("power", data, world)
    assert report.messages == []
    assert DutyItem.objects.count() == 2
    by_code.refresh_from_db()
    assert by_code.name == "新名称"
    assert by_name.entries.get().kind == "power"


def test_a_generated_code_is_stable_and_gives_way_to_a_real_code(world):
    data = power_file(power_row(1, None, "无编码事项"))
    run("power", data, world)
    item = DutyItem.objects.get()
    assert item.code == generated_code("990101", "无编码事项", "")
    run("power", data, world, name="again.xlsx")
    assert DutyItem.objects.get().code == item.code
    report = run("power", power_file(power_row(1, "QZ-100", "无编码事项")), world)
    assert report.messages == []
    assert list(DutyItem.objects.values_list("pk", "code")) == [(item.pk, "QZ-100")]


def test_a_duplicate_item_within_the_file_is_refused(world):
    data = power_file(
        power_row(1, "QZ-1", "事项一"),
        power_row(2, "QZ-1", "事项一"),
        power_row(3, None, "事项三"),
        power_row(4, None, "事项三"),
    )
    before = snapshot()
    report = run("power", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(5, "事项名称"), (7, "事项名称")]
    assert "4" in report.errors[0].message and "6" in report.errors[1].message
    assert snapshot() == before


def test_a_code_that_another_item_already_has_under_this_name_is_a_row_error(world):
    DutyItemFactory(county=world.county, code="REAL-1", name="事项甲")
    report = run("power", power_file(power_row(1, "REAL-2", "事项甲")), world)
    assert [(e.row, e.column) for e in report.errors] == [(4, "事项编码")]


# --------------------------------------------------------------------------- all or nothing


def test_every_bad_row_is_reported_and_nothing_changes(world):
    ListEntryFactory(item__county=world.county, item__code="KEEP", item__department=world.dept_a)
    data = power_file(
        power_row(1, "OK-1", "好事项"),
        power_row(2, "BAD-1", "坏事项一", department="不存在局"),
        power_row(3, "BAD-2", "", category="行政许可"),
        power_row(4, "BAD-3", "坏事项三", scope="火星镇", source="借调"),
    )
    before = snapshot()
    report = run("power", data, world)
    assert [(e.row, e.column) for e in report.errors] == [
        (5, "主管部门"), (6, "事项名称"), (7, "来源"), (7, "适用乡镇")]
    assert all(message.startswith(f"第{e.row}行 {e.column}: ") for e, message in zip(report.errors, report.messages))
    assert report.outcomes == []
    assert snapshot() == before


def test_a_cell_holding_a_formula_is_a_row_error(world):
    data = xlsx_bytes(
        [POWER_HEADER, power_row(1, "QZ-1", "事项一"), power_row(2, "QZ-2", "事项二")],
        formulas=[(3, 4, '=CONCATENATE("事项","二")')],
    )
    before = snapshot()
    report = run("power", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(3, "事项名称")]
    assert report.messages[0] == "第3行 事项名称: " + _(
        "The cell holds a formula; replace it by its value (copy, then paste as values) and "
        "import again.")
    assert snapshot() == before


def test_a_dry_run_validates_and_writes_nothing(world):
    report = run("power", power_file(power_row(1, "QZ-1", "事项一")), world, dry_run=True)
    assert (report.ok, report.created, report.applied) == (True, 1, False)
    assert DutyItem.objects.count() == 0


# --------------------------------------------------------------------------- idempotence and history


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world):
    data = power_file(
        power_row(1, "QZ-1", "事项一", scope="东城镇"),
        power_row(2, None, "事项二", sub="子项", source="赋权"),
    )
    assert run("power", data, world).created == 2
    before = snapshot()
    again = run("power", data, world, name="again.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot() == before


def test_created_and_changed_rows_get_history_with_the_file_name_and_user(world):
    run("power", power_file(power_row(1, "QZ-1", "事项一", scope="东城镇")), world, name="第一批.xlsx")
    entry = ListEntry.objects.get()
    first = entry.history.get()
    assert (first.history_type, first.history_change_reason, first.history_user) == (
        "+", "导入 第一批.xlsx", world.office)
    assert [row.township_id for row in first.townships.all()] == [world.township_a.pk]
    item_history = DutyItem.history.get()
    assert (item_history.history_type, item_history.history_change_reason, item_history.history_user) == (
        "+", "导入 第一批.xlsx", world.office)

    report = run("power", power_file(power_row(1, "QZ-1", "事项一", scope="西河乡", basis="新依据")), world,
                 name="第二批.xlsx")
    assert (report.updated, report.outcomes[0].changed) == (1, ["实施依据", "适用乡镇"])
    latest = entry.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_change_reason) == ("~", "导入 第二批.xlsx")
    assert [row.township_id for row in latest.townships.all()] == [world.township_b.pk]
    assert DutyItem.history.order_by("-history_id").first().legal_basis == "新依据"
    entry.refresh_from_db()
    assert list(entry.townships.all()) == [world.township_b]


def test_a_long_file_name_is_cut_to_fit_the_history_reason():
    reason = history_reason("很长的文件名" * 30 + ".xlsx")
    assert len(reason) == 100 and reason.startswith("导入 很长的文件名")


def test_an_entry_put_on_the_list_by_a_delegation_is_matched_not_duplicated(world):
    from tests.factories import DelegationFactory

    item = DutyItemFactory(county=world.county, code="WT-1", name="委托事项", department=world.dept_a)
    delegation = DelegationFactory(department=world.dept_a, duty_items=[item], townships=[world.township_a])
    entry = ListEntryFactory(item=item, source="entrusted", delegation=delegation, townships=[world.township_a])
    report = run("power", power_file(power_row(1, "WT-1", "委托事项", source="委托", scope="东城镇")), world)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)  # the basis differs
    assert ListEntry.objects.get() == entry


# --------------------------------------------------------------------------- the other lists


def test_an_admission_list_lands_with_its_term_and_resources(world):
    data = xlsx_bytes([
        ["示范县乡镇（街道）职责准入事项清单"],
        ["序号", "事项名称", "交办部门", "准入方式", "文号", "批准日期", "截止日期", "人员编制", "保障经费（万元）", "依据",
         "适用乡镇"],
        [1, "人居环境巡查", "农业农村局", "交办", "示办发〔2025〕3号", datetime.datetime(2025, 3, 1), "2027/12/31", 2,
         12.5, "县委决定", "东城镇"],
        [2, "防汛巡查", "YJJ", "委托", "示办发〔2025〕4号", "2025年4月2日", None, "1名", "3万元", None, None],
    ])
    report = run("admission", data, world)
    assert report.messages == []
    first, second = ListEntry.objects.filter(kind="admission").order_by("approved_on")
    assert (first.requesting_department, first.admission_mode, first.approval_document, first.approved_on,
            first.effective_from, first.effective_to, first.staff_posts, first.funding_wan_yuan) == (
        world.dept_b, "assign", "示办发〔2025〕3号", datetime.date(2025, 3, 1), datetime.date(2025, 3, 1),
        datetime.date(2027, 12, 31), 2, Decimal("12.50"))
    assert (second.admission_mode, second.approved_on, second.effective_to, second.staff_posts,
            second.funding_wan_yuan) == ("entrust", datetime.date(2025, 4, 2), None, 1, Decimal("3.00"))


def test_an_admission_row_without_its_approval_document_or_with_a_bad_date_is_refused(world):
    data = xlsx_bytes([
        ["事项名称", "申请部门", "批准文号", "批准日期", "有效期至", "保障经费（万元）"],
        ["甲", "农业农村局", "", "2025-03-01", None, 1],
        ["乙", "农业农村局", "文号", "2025-13-01", None, 1],
        ["丙", "农业农村局", "文号", "2025-03-01", "2024-01-01", -2],
    ])
    report = run("admission", data, world)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "批准文号"), (3, "批准日期"), (4, "保障经费（万元）")]
    assert ListEntry.objects.count() == 0


def test_a_reclaimed_list_needs_the_department_that_took_the_item_back(world):
    data = xlsx_bytes([
        ["事项名称", "收回部门", "工作方式"],
        ["特种设备检查", "应急局", "县级部门直接实施"],
        ["环评审批", "", "县级部门直接实施"],
    ])
    report = run("reclaimed", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(3, "收回部门")]
    report = run("reclaimed", xlsx_bytes([["事项名称", "收回部门", "工作方式"], ["特种设备检查", "应急局", "直接实施"]]),
                 world)
    assert report.messages == []
    entry = ListEntry.objects.get(kind="reclaimed")
    assert (entry.receiving_department, entry.working_method, entry.source) == (world.dept_a, "直接实施", "")


def test_a_blank_basis_on_another_list_keeps_the_power_list_basis(world):
    DutyItemFactory(county=world.county, code="X-1", name="事项", legal_basis="《法》第一条")
    data = xlsx_bytes([["事项编码", "事项名称", "承接部门", "依据"], ["X-1", "事项", "应急局", None]])
    assert run("reclaimed", data, world).messages == []
    assert DutyItem.objects.get().legal_basis == "《法》第一条"


# --------------------------------------------------------------------------- townships and departments


def test_a_townships_sheet_creates_the_county_it_names(world):
    data = xlsx_bytes([
        ["某市乡镇（街道）名录"],
        ["区县代码", "区县名称", "乡镇代码", "乡镇名称", "类型", "类别", "人口", "面积（平方公里）"],
        ["990202", "新设县", "990202101", "城关镇", "镇", "较大", 41000, 88],
        ["990202", "新设县", "990202201", "河口乡", "乡", "三类", None, None],
    ])
    report = import_file("townships", data, "乡镇.xlsx", user=world.office)
    assert report.messages == []
    from townships.models import County

    county = County.objects.get(code="990202")
    assert county.name == "新设县"
    assert list(county.townships.values_list("code", "name", "kind", "category")) == [
        ("990202101", "城关镇", "town", "large"), ("990202201", "河口乡", "township", "general")]


def test_a_townships_sheet_refuses_a_code_outside_the_county_and_a_taken_name(world):
    data = xlsx_bytes([
        ["乡镇代码", "乡镇名称"],
        ["990102101", "外县镇"],
        ["990101109", "东城镇"],
        ["99010110", "短码镇"],
    ])
    report = run("townships", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(2, "乡镇代码"), (3, "乡镇名称"), (4, "乡镇代码")]
    assert world.county.townships.count() == 2


def test_a_departments_sheet_sets_short_names_and_aliases(world):
    data = xlsx_bytes([
        ["区县代码", "部门代码", "部门名称", "简称", "类型"],
        ["990101", "YJJ", "示范县应急管理局", "应急局、安监局、县应急局", "政府工作部门"],
        ["990101", "SCJ", "示范县市场监督管理局", "市场监管局", "派驻机构"],
    ])
    report = run("departments", data, world)
    assert report.messages == []
    assert (report.created, report.updated) == (1, 1)
    world.dept_a.refresh_from_db()
    assert world.dept_a.short_name == "应急局"
    assert sorted(world.dept_a.aliases.values_list("name", flat=True)) == ["县应急局", "安监局"]
    assert world.county.departments.get(code="SCJ").kind == "stationed"
    assert run("departments", data, world).unchanged == 2


def test_a_department_name_that_already_names_another_department_is_refused(world):
    data = xlsx_bytes([["部门代码", "部门名称", "简称"], ["SCJ", "示范县市场监督管理局", "应急局"]])
    report = run("departments", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(2, "简称")]
    assert world.county.departments.count() == 2


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_with_the_same_headers_imports_in_utf8_or_gb18030(world, encoding):
    data = csv_bytes([POWER_HEADER, power_row(1, "QZ-1", "事项一", scope="东城镇、西河乡")], encoding=encoding)
    report = run("power", data, world, name="清单.csv")
    assert report.messages == []
    entry = ListEntry.objects.get()
    assert (entry.item.name, entry.item.department, entry.townships.count()) == ("事项一", world.dept_a, 2)


def test_imported_entries_are_on_the_lists_as_of_today_with_their_scope(world):
    from django.utils import timezone

    from duties.services import entries_as_of

    run("power", power_file(power_row(1, "A", "甲", scope="东城镇"), power_row(2, "B", "乙")), world)
    today = timezone.localdate()
    assert sorted(e.item.code for e in entries_as_of(world.township_a, today)) == ["A", "B"]
    assert [e.item.code for e in entries_as_of(world.township_b, today)] == ["B"]


def test_a_value_merged_down_several_rows_applies_to_each_of_them(world):
    data = xlsx_bytes(
        [
            TITLE,
            ["序号", "权力类型", "事项名称", "主管部门"],
            ["一、行政检查", None, None, None],
            [1, "行政检查", "检查甲", "应急局"],
            [2, None, "检查乙", None],
            [3, None, "检查丙", None],
            [4, "行政处罚", "处罚甲", "农业农村局"],
        ],
        merges=["A3:D3", "B4:B6", "D4:D6"],
    )
    report = run("power", data, world)
    assert report.messages == []
    assert sorted(DutyItem.objects.values_list("name", "category", "department")) == [
        ("处罚甲", "penalty", world.dept_b.pk), ("检查丙", "inspection", world.dept_a.pk),
        ("检查乙", "inspection", world.dept_a.pk), ("检查甲", "inspection", world.dept_a.pk),
    ]
