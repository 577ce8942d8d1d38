"""Sheets shaped like the lists counties publish (issue #11): headers placed by what they say,
category words as printed, departments named with level prefixes and short names, cells
hard-wrapped mid-word — every field lands in place, and what cannot be placed is said."""

import pytest
from django.utils.translation import gettext as _

from duties.excel import import_file
from duties.excel.categories import category_of
from duties.models import DutyItem, ListEntry
from tests.factories import DepartmentFactory
from tests.factories_excel import xlsx_bytes
from townships.models import DepartmentAlias

pytestmark = pytest.mark.django_db

ABOVE = [["附件1"], ["示范县乡镇（街道）权责清单"], ["单位：项"]]


@pytest.fixture
def county(world):
    """The world's county with departments registered by full name and short name only."""
    world.housing = DepartmentFactory(county=world.county, code="ZJJ", name="示范县住房和城乡建设局",
                                      short_name="住建局")
    world.market = DepartmentFactory(county=world.county, code="SCJ", name="示范县市场监督管理局",
                                     short_name="市场监管局")
    return world


def run(kind, rows, world, **kwargs):
    kwargs.setdefault("county", world.county)
    kwargs.setdefault("user", world.office)
    return import_file(kind, xlsx_bytes(rows), "清单.xlsx", **kwargs)


def item_fields(code):
    item = DutyItem.objects.get(code=code)
    return item.name, item.category, item.legal_basis, item.department.code


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("name", "basis", "category"),
    [
        ("赋权事项", "事项依据", "职权类别"),
        ("职权名称", "设定依据", "权力类别"),
        ("权力事项名称", "实施依据", "事项类型"),
        ("事项名称（子项）", "法律依据", "权力类型"),
        ("项目名称", "行使依据", "职权类型"),
        ("下放事项", "设定和实施依据", "行政职权类型"),
        ("事项\n名称", "法律法规\n依据", "权力\n类别"),  # line breaks inside words
        ("主项名称", "实施依据（条款）", "类别"),
    ],
)
def test_a_published_power_sheet_lands_with_every_field_in_place(county, name, basis, category):
    rows = [*ABOVE, ["序号", "事项编码", category, name, basis, "主管部门"],
            [1, "QZ-1", "行政许可类", "燃气经营许可", "《城镇燃气管理条例》第十五条", "县住建局"],
            [2, "QZ-2", "其它行政权力", "对食品摊贩的登记", "《某省食品小作坊条例》第二十条", "市场监管局"]]
    report = run("power", rows, county)
    assert report.messages == []
    assert report.unknown_columns == [] and report.warnings == []
    assert item_fields("QZ-1") == ("燃气经营许可", "licensing", "《城镇燃气管理条例》第十五条", "ZJJ")
    assert item_fields("QZ-2") == ("对食品摊贩的登记", "other_power", "《某省食品小作坊条例》第二十条", "SCJ")


def test_a_published_territorial_sheet_with_a_duty_split_header_lands(county):
    rows = [
        ["附件2"], ["示范县乡镇（街道）属地管理事项主体责任和配合责任清单"],
        ["序号", "所属领域", "属地管理事项", "主体责任单位", "责任分工", None, "配合责任单位", "政策依据"],
        [None, None, None, None, "主管部门", "乡镇（街道）", None, None],
        [1, "城乡建设", "农村危房改造", "县住建局", "负责组织鉴定、审核", "负责排查、上报", "县财政局", "《某省农村住房条例》"],
    ]
    report = run("territorial", rows, county)
    assert report.messages == [] and report.unknown_columns == []
    entry = ListEntry.objects.get(kind="territorial")
    assert (entry.item.name, entry.domain, entry.lead_department, entry.department_duty, entry.township_duty,
            entry.cooperating_departments, entry.item.legal_basis) == (
        "农村危房改造", "城乡建设", county.housing, "负责组织鉴定、审核", "负责排查、上报", "县财政局",
        "《某省农村住房条例》")


def test_published_admission_and_reclaimed_sheets_land(county):
    report = run("admission", [
        ["示范县乡镇（街道）职责准入事项清单"],
        ["序号", "准入事项", "申请单位", "准入方式", "批准文件", "准入依据", "人员保障（编制）", "经费保障（万元）"],
        [1, "城镇燃气安全巡查", "区住建局", "委托", "示编委〔2025〕2号", "县委编委会议纪要", 1, 3],
    ], county)
    assert report.messages == [] and report.unknown_columns == []
    entry = ListEntry.objects.get(kind="admission")
    assert (entry.item.name, entry.requesting_department, entry.admission_mode, entry.approval_document,
            entry.item.legal_basis, entry.staff_posts, entry.funding_wan_yuan) == (
        "城镇燃气安全巡查", county.housing, "entrust", "示编委〔2025〕2号", "县委编委会议纪要", 1, 3)

    report = run("reclaimed", [
        ["上级部门收回事项清单"],
        ["序号", "收回事项", "承接单位", "收回依据", "履职方式"],
        [1, "特种设备安全监督检查", "县市场监管局", "《特种设备安全法》", "由县级部门直接实施"],
    ], county)
    assert report.messages == [] and report.unknown_columns == []
    entry = ListEntry.objects.get(kind="reclaimed")
    assert (entry.item.name, entry.receiving_department, entry.item.legal_basis, entry.working_method) == (
        "特种设备安全监督检查", county.market, "《特种设备安全法》", "由县级部门直接实施")


def test_the_canonical_header_wins_over_an_alias_and_the_other_column_is_a_warning(county):
    rows = [["事项名称", "权力类型", "设定依据", "实施依据"], ["事项一", "行政检查", "《设定法》", "《实施法》"]]
    report = run("power", rows, county)
    assert report.messages == []
    assert DutyItem.objects.get().legal_basis == "《实施法》"
    assert report.unknown_columns == ["设定依据"]
    assert report.warnings == [_(
        "Column “%(label)s” was not imported: it may hold “%(field)s”, which was taken from column "
        "“%(winner)s”.") % {"label": "设定依据", "field": "实施依据", "winner": "实施依据"}]


def test_an_alias_wins_over_a_header_placed_by_meaning_whatever_the_order(county):
    rows = [["事项名称", "权力类型", "事项依据", "法律依据"], ["事项一", "行政检查", "《甲》", "《乙》"]]
    report = run("power", rows, county)
    assert DutyItem.objects.get().legal_basis == "《乙》"
    assert report.unknown_columns == ["事项依据"]


def test_a_basis_column_that_cannot_be_placed_is_named_with_the_field_it_may_be(county):
    rows = [["事项名称", "权力类型", "法律法规条款"], ["事项一", "行政检查", "《安全生产法》第九条"]]
    report = run("power", rows, county)
    assert report.messages == []
    assert report.unknown_columns == ["法律法规条款"]
    assert report.warnings == [_(
        "Column “%(label)s” was not imported: it may hold “%(field)s”. If it does, name it “%(field)s” "
        "and import again.") % {"label": "法律法规条款", "field": "实施依据"}]


def test_a_sheet_without_a_name_column_is_refused_naming_the_column_that_may_be_it(county):
    report = run("power", [["权力类型", "权力内容"], ["行政检查", "检查"]], county)
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert report.messages[0].startswith(
        _("The required column “%(column)s” is missing.") % {"column": "事项名称"})
    assert "权力内容" in report.messages[0]
    assert DutyItem.objects.count() == 0


def test_a_power_sheet_without_a_category_column_is_refused(county):
    report = run("power", [["事项名称", "实施依据"], ["事项一", "《法》"]], county)
    assert report.messages == [_("The required column “%(column)s” is missing.") % {"column": "权力类型"}]
    assert DutyItem.objects.count() == 0


# --------------------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("written", "category"),
    [
        ("行政许可类", "licensing"), ("行政处罚类", "penalty"), ("行政检查类", "inspection"),
        ("行政强制措施", "coercion"), ("行政强制执行类", "coercion"), ("行政征收征用", "levy"),
        ("行政给付事项", "payment"), ("行政确认（备案）", "confirmation"), ("表彰奖励", "reward"),
        ("行政裁决类", "adjudication"), ("行政监督检查", "inspection"), ("行政审批", "licensing"),
        ("其它行政权力", "other_power"), ("其他行政职权", "other_power"), ("其他权力", "other_power"),
        ("其他职权", "other_power"), ("其他行政权力类", "other_power"), ("行政备案", "other_power"),
        ("行政调解", "other_power"), ("行政监督", "other_power"), ("审核转报", "other_power"),
        ("非行政许可审批", "other_power"), ("公共服务类", "public_service"), ("便民服务", "public_service"),
        ("其他类", "other"), ("其它", "other"), ("一、行政许可", "licensing"),
    ],
)
def test_published_category_words_land_in_their_category(county, written, category):
    assert category_of(written) == category
    rows = [["事项名称", "权力类型"], ["事项一", written]]
    assert run("power", rows, county).messages == []
    assert DutyItem.objects.get().category == category


@pytest.mark.parametrize("written", ["安全生产", "党的建设", "行政检查、行政处罚", "行政权力"])
def test_a_word_that_names_no_category_is_a_row_error(county, written):
    report = run("power", [["事项名称", "权力类型"], ["事项一", written]], county)
    assert [(e.row, e.column) for e in report.errors] == [(2, "权力类型")]
    assert f"“{written}”" in report.messages[0]
    assert DutyItem.objects.count() == 0


# --------------------------------------------------------------------------- departments


@pytest.mark.parametrize(
    "written",
    ["县住建局", "市住建局", "区住建局", "示范住建局", "示范县住建局", "住房和城乡建设局", "县住房和城乡建设局",
     "县住建\n局"],
)
def test_a_department_named_with_a_level_prefix_or_without_the_county_is_found(county, written):
    report = run("power", [["事项名称", "权力类型", "主管部门"], ["事项一", "行政许可", written]], county)
    assert report.messages == []
    assert DutyItem.objects.get().department == county.housing
    [resolution] = report.departments
    assert (resolution.department, resolution.how) == (county.housing, "normalised")


def test_the_report_shows_what_each_written_name_became(county):
    rows = [["事项名称", "权力类型", "主管部门"], ["甲", "行政许可", "ZJJ"], ["乙", "行政许可", "住建局"],
            ["丙", "行政许可", "示范县市场监督管理局"], ["丁", "行政许可", "县市场监管局"]]
    report = run("power", rows, county, dry_run=True)
    assert {r.written: (r.department.code, r.how) for r in report.departments} == {
        "示范县市场监督管理局": ("SCJ", "name"), "县市场监管局": ("SCJ", "normalised"),
        "ZJJ": ("ZJJ", "code"), "住建局": ("ZJJ", "short_name")}


def test_an_ambiguous_short_name_is_a_row_error_naming_both_candidates(county):
    DepartmentFactory(county=county.county, code="CGJ", name="示范县城市管理局", short_name="县城管局")
    DepartmentFactory(county=county.county, code="CGD", name="示范县城管执法大队", short_name="城管局")
    report = run("power", [["事项名称", "权力类型", "主管部门"], ["事项一", "行政处罚", "区城管局"]], county)
    assert [(e.row, e.column) for e in report.errors] == [(2, "主管部门")]
    assert report.messages[0] == "第2行 主管部门: " + _(
        "“%(value)s” could be several departments (%(names)s); use the department's code or full name."
    ) % {"value": "区城管局", "names": "示范县城市管理局、示范县城管执法大队"}
    assert DutyItem.objects.count() == 0


def test_confirming_may_register_the_spelling_as_an_alias(county):
    rows = [["事项名称", "权力类型", "主管部门"], ["事项一", "行政许可", "县住建局"], ["事项二", "行政许可", "住建局"]]
    run("power", rows, county)
    assert not DepartmentAlias.objects.exists()  # not asked for
    report = run("power", rows, county, register_aliases=True)
    assert report.new_aliases == [(county.housing, "县住建局")]
    assert list(county.housing.aliases.values_list("name", flat=True)) == ["县住建局"]
    again = run("power", rows, county, register_aliases=True)
    assert (again.unchanged, again.new_aliases) == (2, [])
    assert {r.written: r.how for r in again.departments} == {"县住建局": "alias", "住建局": "short_name"}


# --------------------------------------------------------------------------- hard-wrapped cells


def test_names_hard_wrapped_mid_word_are_joined_and_import_again_unchanged(county):
    rows = [["事项名称", "权力类型", "子项", "实施依据"],
            ["对未按规定开展\n安全检查的处罚", "行政处罚", "一般\r\n程序", "《安全生产法》\n第九十七条"]]
    assert run("power", rows, county).messages == []
    item = DutyItem.objects.get()
    assert (item.name, item.sub_item) == ("对未按规定开展安全检查的处罚", "一般程序")
    assert item.legal_basis == "《安全生产法》\n第九十七条"  # a multi-line text keeps its lines
    assert run("power", rows, county).unchanged == 1


def test_a_township_name_hard_wrapped_in_the_scope_is_still_one_township(county):
    rows = [["事项名称", "权力类型", "适用乡镇"], ["事项一", "行政检查", "东城\n镇、西河乡"], ["事项二", "行政检查", "东城镇\n西河乡"]]
    assert run("power", rows, county).messages == []
    for entry in ListEntry.objects.all():
        assert set(entry.townships.all()) == {county.township_a, county.township_b}
