"""The past-work sheets (docs/contracts.md §1): the assignments register (交办事项) and the decided
delegations (赋权委托) — imported through the app's own services, all or nothing, idempotent,
exported and imported back unchanged, and judged by the lists in force on their own dates."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations import workflow
from delegations.excel.importers import DelegationImporter
from delegations.flags import FlagQuery
from delegations.models import Assignment, Delegation
from duties.excel import export_file, import_file, template_file
from duties.models import ListEntry, PowerSource
from tests.factories import (
    AssignmentFactory,
    DelegationFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
    revoke,
)
from tests.factories_excel import read_xlsx, xlsx_bytes
from tests.factories_past_work import (
    assignment_row,
    assignments_file,
    catalog,
    delegation_row,
    delegations_file,
    snapshot,
)
from townships.models import Profile

pytestmark = pytest.mark.django_db
D = datetime.date


def run(kind, data, world, name=None, **kwargs):
    kwargs.setdefault("county", world.county)
    kwargs.setdefault("user", world.office)
    name = name or {"assignments": "交办事项.xlsx", "delegations": "赋权委托.xlsx"}[kind]
    return import_file(kind, data, name, **kwargs)


# =========================================================================== 交办事项


def test_a_register_of_past_assignments_is_recorded_through_the_assignment_service(world):
    items = catalog(world)
    data = assignments_file(
        assignment_row(1, "开展安全生产大检查", code="JC-001", channel="下发通知", document_no="示应急〔2025〕3号",
                       day="2025/3/1", description="每月报送检查台账"),
        assignment_row(2, "签订安全生产目标责任书", department="示范县农业农村局", townships="西河乡",
                       name="对未开展安全检查的处罚", channel="目标责任书", responsibility="主体责任",
                       day=D(2025, 4, 2)),
        assignment_row(3, "秸秆禁烧专班值守", department="YJJ", townships="990101101、西河乡", channel="专班",
                       responsibility="", day="2025年5月6日"),
    )
    report = run("assignments", data, world)
    assert report.messages == []
    assert (report.created, report.unchanged) == (3, 0)

    inspection, pledge, task_force = Assignment.objects.order_by("assigned_on")
    assert (inspection.department, inspection.title, inspection.duty_item, inspection.channel,
            inspection.responsibility, inspection.document_no, inspection.assigned_on,
            inspection.description) == (
        world.dept_a, "开展安全生产大检查", items.inspection, "notice", "cooperate", "示应急〔2025〕3号",
        D(2025, 3, 1), "每月报送检查台账")
    assert set(inspection.townships.all()) == {world.township_a, world.township_b}
    assert (pledge.department, pledge.duty_item, pledge.channel, pledge.responsibility) == (
        world.dept_b, items.penalty, "pledge", "main")
    assert list(pledge.townships.all()) == [world.township_b]
    assert (task_force.channel, task_force.responsibility, task_force.duty_item) == (
        "task_force", "cooperate", None)
    assert set(task_force.townships.all()) == {world.township_a, world.township_b}
    # Recorded as the office records an assignment it learns of: the service's history.
    for assignment in (inspection, pledge, task_force):
        assert (assignment.recorded_by, assignment.created_by) == (
            Assignment.RecordedBy.OFFICE, world.office)
        history = assignment.history.order_by("history_id")
        assert {(h.history_change_reason, h.history_user) for h in history} == {
            (f"导入 {report.file_name}", world.office)}


@pytest.mark.parametrize("written, channel", [
    ("通知", "notice"), ("文件", "document"), ("转发文件", "document"), ("会议纪要", "meeting"),
    ("责任状", "pledge"), ("考核", "assessment"), ("一票否决", "assessment"),
    ("工作专班", "task_force"), ("临时机构", "task_force"), ("其它", "other"), ("pledge", "pledge"),
])
def test_channel_labels_and_their_variants(world, written, channel):
    report = run("assignments", assignments_file(assignment_row(1, "任务", channel=written)), world)
    assert report.messages == []
    assert Assignment.objects.get().channel == channel


@pytest.mark.parametrize("written, responsibility", [
    ("主体", "main"), ("主体责任", "main"), ("配合", "cooperate"), ("配合责任", "cooperate"), ("", "cooperate"),
])
def test_responsibility_labels(world, written, responsibility):
    report = run("assignments", assignments_file(assignment_row(1, "任务", responsibility=written)), world)
    assert report.messages == []
    assert Assignment.objects.get().responsibility == responsibility


def test_rows_without_a_responsibility_are_named_before_confirming_as_recorded_cooperation(world):
    data = assignments_file(
        assignment_row(1, "防汛值守", responsibility=""),
        assignment_row(2, "秸秆禁烧", responsibility=""),
        assignment_row(3, "安全检查", responsibility="主体"),
        assignment_row(4, "环境整治", responsibility=" "),
    )
    report = run("assignments", data, world, dry_run=True)
    assert report.messages == []
    assert report.warnings == [_(
        "%(column)s is blank on rows %(rows)s: they are recorded as cooperation (配合). "
        "Fill in 主体 where the township was asked to take the main responsibility."
    ) % {"column": "责任类型", "rows": "3–4、6"}]
    # Every row is filled in: nothing to say.
    filled = assignments_file(assignment_row(1, "防汛值守", responsibility="配合"))
    assert run("assignments", filled, world, dry_run=True).warnings == []


def test_an_unknown_township_or_department_is_a_row_error_naming_it_and_nothing_is_written(world):
    before = snapshot()
    data = assignments_file(
        assignment_row(1, "开展安全生产大检查"),
        assignment_row(2, "防汛值守", townships="东城镇、南山镇"),
        assignment_row(3, "防汛值守", department="县水利局"),
    )
    report = run("assignments", data, world)
    assert report.messages == [
        "第4行 乡镇: " + _("Unknown township %(names)s: no township of this county has that name or "
                         "code.") % {"names": "“南山镇”"},
        "第5行 交办部门: " + _("Unknown department “%(value)s”: no department of this county has that "
                           "code, name, short name or alias.") % {"value": "县水利局"},
    ]
    assert report.outcomes == [] and not report.applied
    assert snapshot() == before


def test_an_assignment_date_that_is_not_a_date_or_is_missing_is_a_row_error(world):
    before = snapshot()
    data = assignments_file(
        assignment_row(1, "开展安全生产大检查", day="三月初"),
        assignment_row(2, "防汛值守", day=""),
    )
    report = run("assignments", data, world)
    assert report.messages == [
        "第3行 交办日期: " + _("“%(value)s” is not a date; write it as YYYY-MM-DD (e.g. 2025-03-01).")
        % {"value": "三月初"},
        "第4行 交办日期: " + _("This cell cannot be blank."),
    ]
    assert snapshot() == before


def test_an_assignment_dated_after_today_is_refused(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    report = run("assignments", assignments_file(assignment_row(1, "任务", day=tomorrow)), world)
    assert report.messages == ["第3行 交办日期: " + _("The assignment date %(day)s is later than today.")
                               % {"day": tomorrow.isoformat()}]


def test_an_unknown_item_is_a_row_error_naming_it_and_a_blank_one_is_no_item(world):
    catalog(world)
    data = assignments_file(
        assignment_row(1, "任务甲", code="NOPE-1"),
        assignment_row(2, "任务乙", name="不存在的事项"),
        assignment_row(3, "任务丙", code="JC-001", name="对未开展安全检查的处罚"),
        assignment_row(4, "任务丁"),
    )
    report = run("assignments", data, world)
    assert report.messages == [
        "第3行 事项编码: " + _("Unknown item code “%(value)s”: no item of this county has that code.")
        % {"value": "NOPE-1"},
        "第4行 事项名称: " + _("Unknown item “%(value)s”: no item of this county has that name; import "
                           "it with the lists first, or give its code.") % {"value": "不存在的事项"},
        "第5行 事项名称: " + _("Item %(code)s is “%(name)s”, not “%(written)s”; correct the code or the "
                           "name.") % {"code": "JC-001", "name": "安全生产日常检查", "written": "对未开展安全检查的处罚"},
    ]
    report = run("assignments", assignments_file(assignment_row(1, "任务丁")), world)
    assert report.messages == []
    assert Assignment.objects.get().duty_item is None


def test_an_item_name_shared_by_several_items_needs_its_code(world):
    DutyItemFactory(county=world.county, code="A-1", name="巡查", sub_item="河道")
    DutyItemFactory(county=world.county, code="A-2", name="巡查", sub_item="山林")
    report = run("assignments", assignments_file(assignment_row(1, "任务", name="巡查")), world)
    assert report.messages == ["第3行 事项名称: " + _(
        "Several items of this county are named “%(value)s” (%(codes)s); give the item code."
    ) % {"value": "巡查", "codes": "A-1、A-2"}]
    report = run("assignments", assignments_file(assignment_row(1, "任务", name="巡查（山林）")), world)
    assert report.messages == []
    assert Assignment.objects.get().duty_item.code == "A-2"


def test_importing_the_register_twice_changes_nothing_the_second_time(world):
    catalog(world)
    data = assignments_file(
        assignment_row(1, "开展安全生产大检查", code="JC-001", document_no="示应急〔2025〕3号"),
        assignment_row(2, "防汛值守", townships="东城镇", channel="会议"),
    )
    assert run("assignments", data, world).created == 2
    before = snapshot()
    report = run("assignments", data, world)
    assert report.messages == []
    assert (report.created, report.unchanged) == (0, 2)
    assert snapshot() == before


def test_an_assignment_already_recorded_in_the_app_is_unchanged(world):
    AssignmentFactory(department=world.dept_a, townships=[world.township_a], title="防汛值守",
                      channel="meeting", assigned_on=D(2025, 3, 1), description="原说明")
    before = snapshot()
    data = assignments_file(assignment_row(1, "防汛值守", townships="东城镇", channel="会议",
                                           description="另一说明"))
    report = run("assignments", data, world)
    assert (report.messages, report.created, report.unchanged) == ([], 0, 1)
    assert report.warnings == [_(
        "Row %(row)s: this assignment is already recorded (no. %(id)s) with another description "
        "(说明); the recorded one is kept."
    ) % {"row": 3, "id": Assignment.objects.get().pk}]
    assert snapshot() == before


def test_the_same_assignment_twice_in_one_file_is_a_row_error(world):
    data = assignments_file(assignment_row(1, "防汛值守"), assignment_row(2, "防汛值守"))
    report = run("assignments", data, world)
    assert report.messages == [
        "第4行: " + _("The same assignment is already on row %(row)s of this file.") % {"row": 3}]


def test_a_dry_run_of_the_register_writes_nothing(world):
    before = snapshot()
    report = run("assignments", assignments_file(assignment_row(1, "防汛值守")), world, user=None,
                 dry_run=True)
    assert (report.messages, report.created) == ([], 1)
    assert snapshot() == before


def test_the_office_of_another_county_may_not_import_the_register(world):
    other = make_user(Profile.Role.OFFICE, username="office-b", county=TownshipFactory().county)
    before = snapshot()
    report = run("assignments", assignments_file(assignment_row(1, "防汛值守")), world, user=other)
    assert len(report.messages) == 1 and report.messages[0].startswith("第3行 交办部门: ")
    assert snapshot() == before


def test_import_list_imports_the_register_from_the_command_line(world, tmp_path):
    path = tmp_path / "交办事项.xlsx"
    path.write_bytes(assignments_file(assignment_row(1, "防汛值守", townships="西河乡")))
    out = io.StringIO()
    call_command("import_list", "assignments", str(path), "--county", "990101", "--user", "office",
                 stdout=out)
    assert list(Assignment.objects.get().townships.all()) == [world.township_b]


# =========================================================================== 赋权委托


def test_an_entrustment_decided_on_paper_is_recorded_as_the_workflow_records_it(world):
    items = catalog(world)
    report = run("delegations", delegations_file(delegation_row(staff=2, funding="3.5万元")), world)
    assert report.messages == []
    assert report.created == 1

    delegation = Delegation.objects.get()
    assert (delegation.state, delegation.mode, delegation.department, delegation.decision_no,
            delegation.legal_review, delegation.decided_by) == (
        "approved", "entrust", world.dept_a, "示政发〔2024〕8号", "passed", world.office)
    assert timezone.localtime(delegation.decided_at) == timezone.make_aware(datetime.datetime(2024, 5, 20))
    assert (delegation.effective_from, delegation.effective_to, delegation.agreement_term_end,
            delegation.published_on, delegation.staff_posts, str(delegation.funding_wan_yuan)) == (
        D(2024, 6, 1), None, D(2026, 12, 31), D(2024, 5, 25), 2, "3.50")
    assert list(delegation.duty_items.all()) == [items.inspection]
    assert set(delegation.townships.all()) == {world.township_a, world.township_b}
    entry = ListEntry.objects.get(delegation=delegation)
    assert (entry.kind, entry.source, entry.effective_from, entry.document_no, entry.status) == (
        "power", PowerSource.ENTRUSTED, D(2024, 6, 1), "示政发〔2024〕8号", "published")
    assert set(entry.townships.all()) == {world.township_a, world.township_b}


def test_the_history_of_an_imported_decision_is_that_of_a_paper_decision_recorded_in_the_app(world):
    items = catalog(world)
    run("delegations", delegations_file(delegation_row()), world)
    imported = Delegation.objects.get()
    in_app = workflow.record_paper_decision(
        world.office, department=world.dept_a, decision_no="示政发〔2024〕8号", decided_on=D(2024, 5, 20),
        note="导入 赋权委托.xlsx", mode="entrust", duty_items=[items.penalty],
        townships=[world.township_a, world.township_b], effective_from=D(2024, 6, 1),
        agreement_scope="本辖区内生产经营单位的安全检查", agreement_powers="检查、责令改正",
        agreement_term_end=D(2026, 12, 31), published_on=D(2024, 5, 25), staff_posts=1,
        funding_wan_yuan=5, legal_basis="《中华人民共和国安全生产法》",
    )

    def story(delegation):
        rows = delegation.history.order_by("history_id")
        entries = ListEntry.history.filter(delegation_id=delegation.pk).order_by("history_id")
        return ([(h.history_type, h.history_change_reason, h.history_user, h.state) for h in rows],
                [(h.history_type, h.history_change_reason, h.effective_from) for h in entries],
                timezone.localtime(delegation.decided_at))

    assert story(imported) == story(in_app)
    reasons = [reason for _type, reason, _user, _state in story(imported)[0]]
    assert reasons[0] == workflow.REASON_PAPER_CREATED
    assert reasons[-1] == "书面决定 示政发〔2024〕8号（2024-05-20）：导入 赋权委托.xlsx"


def test_an_assignment_after_admission_goes_on_the_admission_list_from_its_decision_day(world):
    items = catalog(world)
    row = delegation_row(mode="交办", townships="东城镇", effective_from="", scope="", powers="", term="",
                         published_on="", staff="", funding="")
    assert run("delegations", delegations_file(row), world).messages == []
    delegation = Delegation.objects.get()
    assert (delegation.mode, delegation.effective_from, delegation.staff_posts,
            delegation.funding_wan_yuan) == ("assign", D(2024, 5, 20), 0, 0)
    entry = ListEntry.objects.get(delegation=delegation)
    assert (entry.kind, entry.item, entry.approved_on, entry.effective_from, entry.approval_document) == (
        "admission", items.inspection, D(2024, 5, 20), D(2024, 5, 20), "示政发〔2024〕8号")
    assert list(entry.townships.all()) == [world.township_a]
    assert [str(s) for s in run("delegations", delegations_file(row), world, dry_run=True).effective_dates] \
        == [_("Effective date: kept as recorded (%(rows)s existing rows).") % {"rows": 1}]


def test_an_entrustment_of_a_coercive_item_is_refused_with_the_workflows_message(world):
    items = catalog(world)
    before = snapshot()
    data = delegations_file(delegation_row(), delegation_row(code="QZ-001", decision_no="示政发〔2024〕9号"))
    report = run("delegations", data, world)
    assert report.messages == ["第4行 事项编码: " + _(
        "Administrative coercion cannot be entrusted (行政强制法 第十七条): %(items)s."
    ) % {"items": f"QZ-001 {items.coercion.name}"}]
    assert snapshot() == before


def test_a_grant_of_penalty_powers_needs_the_provincial_decision(world):
    catalog(world)
    report = run("delegations", delegations_file(delegation_row(mode="赋权", code="CF-001")), world)
    assert len(report.messages) == 1
    assert report.messages[0].startswith("第3行 省级决定文号: ")
    report = run("delegations", delegations_file(
        delegation_row(mode="赋权", code="CF-001", provincial="陕政发〔2023〕5号")), world)
    assert report.messages == []
    assert Delegation.objects.get().provincial_decision == "陕政发〔2023〕5号"


def test_an_entrustment_without_its_written_agreement_names_each_missing_column(world):
    catalog(world)
    data = xlsx_bytes([["部门", "方式", "事项编码", "批准文号", "批准日期"],
                       ["应急局", "委托", "JC-001", "示政发〔2024〕8号", "2024-05-20"]])
    report = run("delegations", data, world)
    assert report.messages == [
        "第2行 委托事项范围: " + _("An entrustment needs a written agreement stating its scope (行政处罚法 第二十条)."),
        "第2行 委托权限: " + _("An entrustment needs a written agreement stating the powers entrusted "
                            "(行政处罚法 第二十条)."),
        "第2行 委托期限: " + _("An entrustment needs a written agreement stating its term (行政处罚法 第二十条)."),
    ]
    assert not Delegation.objects.exists()


def test_an_item_on_the_reclaimed_list_during_the_term_is_a_row_error_saying_what_to_do(world):
    items = catalog(world)
    ListEntryFactory(kind="reclaimed", item=items.inspection, effective_from=D(2025, 1, 1))
    before = snapshot()
    report = run("delegations", delegations_file(delegation_row()), world)
    assert report.messages == ["第3行 事项编码: " + _(
        "%(item)s is on the reclaimed list (收回清单) of %(townships)s during this delegation's term. "
        "If it was handed down before it was reclaimed, fill in 有效期至 (at the latest the day before "
        "it was reclaimed); if it has been handed down again since, end its reclaimed entry in qingdan "
        "first, then import."
    ) % {"item": f"JC-001 {items.inspection.name}", "townships": "东城镇、西河乡"}]
    assert snapshot() == before
    report = run("delegations", delegations_file(delegation_row(effective_to="2024-12-31")), world)
    assert report.messages == []
    assert Delegation.objects.get().effective_to == D(2024, 12, 31)


def test_a_decision_dated_after_today_or_an_effective_date_that_is_no_date_is_refused(world):
    catalog(world)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    data = delegations_file(delegation_row(decided_on=tomorrow, effective_from=tomorrow),
                            delegation_row(decision_no="示政发〔2024〕9号", effective_from="六月"))
    report = run("delegations", data, world)
    assert report.messages == [
        "第3行 批准日期: " + _("A decision cannot be dated in the future."),
        "第4行 生效日期: " + _("“%(value)s” is not a date; write it as YYYY-MM-DD (e.g. 2025-03-01).")
        % {"value": "六月"},
    ]


def test_several_items_of_one_decision_and_importing_them_twice(world):
    catalog(world)
    data = delegations_file(
        delegation_row(),
        delegation_row(mode="赋权", code="CF-001", provincial="陕政发〔2023〕5号", scope="", powers="", term=""),
        delegation_row(code="JC-001", department="农业农村局", reason="县政府统一安排"),
    )
    report = run("delegations", data, world)
    assert (report.messages, report.created) == ([], 3)
    assert Delegation.objects.filter(decision_no="示政发〔2024〕8号").count() == 3
    before = snapshot()
    report = run("delegations", data, world)
    assert (report.messages, report.created, report.unchanged) == ([], 0, 3)
    assert snapshot() == before


def test_a_recorded_decision_that_the_file_states_differently_is_a_row_error(world):
    catalog(world)
    run("delegations", delegations_file(delegation_row()), world)
    before = snapshot()
    report = run("delegations", delegations_file(delegation_row(townships="东城镇", staff=3)), world)
    recorded = Delegation.objects.get()
    assert report.messages == ["第3行 适用乡镇: " + _(
        "This decision is already recorded in qingdan (delegation no. %(id)s) with other values in "
        "%(columns)s. An import does not change a recorded decision: change it in qingdan (e.g. "
        "revoke it and record the new decision), or make the row say what is recorded."
    ) % {"id": recorded.pk, "columns": "适用乡镇、保障编制"}]
    assert snapshot() == before


def test_the_same_decision_twice_in_one_file_is_a_row_error(world):
    catalog(world)
    report = run("delegations", delegations_file(delegation_row(), delegation_row(reason="重复")), world)
    assert report.messages == ["第4行: " + _(
        "The same delegation (department, decision document, mode and item) is already on row "
        "%(row)s of this file.") % {"row": 3}]


def test_a_refusal_while_writing_rolls_the_whole_file_back_and_names_its_row(world, monkeypatch):
    """The data may change between the plan and the write (another user, an earlier sheet of a
    workbook): the workflow's refusal then still names the row, and nothing is kept."""
    catalog(world)
    monkeypatch.setattr(DelegationImporter, "_workflow_accepts", lambda self, *args: True)
    before = snapshot()
    data = delegations_file(delegation_row(), delegation_row(code="QZ-001", decision_no="示政发〔2024〕9号"))
    report = run("delegations", data, world)
    assert len(report.messages) == 1
    assert report.messages[0].startswith("第4行 事项编码: ")
    assert not report.applied
    assert snapshot() == before


def test_the_office_of_another_county_may_not_import_decisions(world):
    catalog(world)
    other = make_user(Profile.Role.OFFICE, username="office-b", county=TownshipFactory().county)
    report = run("delegations", delegations_file(delegation_row()), world, user=other)
    assert report.messages == ["第3行 部门: " + _("Only the compilation office may record a decision.")]
    assert not Delegation.objects.exists()


# =========================================================================== exports


def test_the_register_exports_in_the_sheets_order_and_imports_back_unchanged(world):
    items = catalog(world)
    AssignmentFactory(department=world.dept_a, townships=[world.township_a, world.township_b],
                      title="=开展安全生产大检查", duty_item=items.inspection, channel="assessment",
                      responsibility="main", document_no="示应急〔2025〕3号", assigned_on=D(2025, 3, 1),
                      description="每月报送\n检查台账")
    AssignmentFactory(department=world.dept_b, townships=[world.township_b], title="秸秆禁烧",
                      channel="task_force", assigned_on=D(2025, 2, 1))
    data = export_file("assignments", county=world.county)
    rows = read_xlsx(data)
    assert rows[0][0] == f"示范县交办事项（截至{timezone.localdate().isoformat()}）"
    assert rows[1] == ["交办部门", "乡镇", "任务名称", "事项编码", "事项名称", "交办方式", "责任类型", "文号",
                       "交办日期", "说明"]
    assert rows[2] == ["示范县农业农村局", "西河乡", "秸秆禁烧", None, None, "工作专班", "配合", None,
                       datetime.datetime(2025, 2, 1), None]
    assert rows[3] == ["示范县应急管理局", "全部", "=开展安全生产大检查", "JC-001", "安全生产日常检查", "考核", "主体",
                       "示应急〔2025〕3号", datetime.datetime(2025, 3, 1), "每月报送\n检查台账"]
    before = snapshot()
    report = run("assignments", data, world)
    assert (report.messages, report.created, report.unchanged) == ([], 0, 2)
    assert snapshot() == before
    only_a = read_xlsx(export_file("assignments", county=world.county, township=world.township_a))
    assert [row[2] for row in only_a[2:]] == ["=开展安全生产大检查"]


def test_decided_delegations_export_one_row_per_item_and_import_back_unchanged(world):
    items = catalog(world)
    DelegationFactory(
        department=world.dept_a, mode="entrust", duty_items=[items.inspection, items.penalty],
        townships=[world.township_a], state="approved", submitted_on=D(2024, 5, 6),
        decided_on=D(2024, 5, 20), decision_no="示政发〔2024〕8号", effective_from=D(2024, 6, 1),
        agreement_scope="安全检查", agreement_powers="检查", agreement_term_end=D(2026, 12, 31),
        published_on=D(2024, 5, 25), reason="基层执法需要",
    )
    revoked = DelegationFactory(department=world.dept_b, mode="assign", duty_items=[
        DutyItemFactory(county=world.county, code="NY-001", name="农机安全检查", department=world.dept_b)],
        townships=[world.township_a, world.township_b], state="approved", decision_no="示政发〔2023〕2号",
        submitted_on=D(2023, 3, 1), decided_on=D(2023, 3, 10), effective_from=D(2023, 4, 1),
        staff_posts=0, funding_wan_yuan=0)
    revoke(revoked, D(2024, 1, 1))
    DelegationFactory(department=world.dept_a, townships=[world.township_a], state="submitted")  # not decided: not exported
    data = export_file("delegations", county=world.county)
    rows = read_xlsx(data)
    assert rows[1][:8] == ["部门", "方式", "事项编码", "事项名称", "适用乡镇", "批准文号", "批准日期", "生效日期"]
    assert [row[:7] for row in rows[2:]] == [
        ["示范县农业农村局", "交办", "NY-001", "农机安全检查", "全部", "示政发〔2023〕2号", datetime.datetime(2023, 3, 10)],
        ["示范县应急管理局", "委托", "CF-001", items.penalty.name, "东城镇", "示政发〔2024〕8号", datetime.datetime(2024, 5, 20)],
        ["示范县应急管理局", "委托", "JC-001", items.inspection.name, "东城镇", "示政发〔2024〕8号", datetime.datetime(2024, 5, 20)],
    ]
    assert rows[3][7:] == [datetime.datetime(2024, 6, 1), None, "安全检查", "检查", datetime.datetime(2026, 12, 31),
                           datetime.datetime(2024, 5, 25), None, 1, 10, "《中华人民共和国安全生产法》", "基层执法需要"]
    before = snapshot()
    report = run("delegations", data, world)
    assert (report.messages, report.created, report.unchanged) == ([], 0, 3)
    assert snapshot() == before


@pytest.mark.parametrize("kind", ["assignments", "delegations"])
def test_an_export_runs_a_constant_number_of_queries(world, kind):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            export_file(kind, county=world.county)
        return len(captured)

    def add():
        item = DutyItemFactory(county=world.county, department=world.dept_a)
        if kind == "assignments":
            AssignmentFactory(department=world.dept_a, townships=[world.township_a], duty_item=item)
        else:
            DelegationFactory(department=world.dept_a, duty_items=[item], townships=[world.township_a],
                              state="approved")

    add()
    one = queries()
    add(), add()
    assert queries() == one


@pytest.mark.parametrize("kind, title", [("assignments", "交办事项"), ("delegations", "赋权委托")])
def test_the_blank_templates_have_the_headers_an_example_and_the_notes(kind, title, tmp_path):
    path = tmp_path / "模板.xlsx"
    call_command("export_list", kind, "--template", "-o", str(path), stdout=io.StringIO())
    data = path.read_bytes()
    assert read_xlsx(data, title) == read_xlsx(template_file(kind), title)
    header, example = read_xlsx(data, title)[:2]
    assert header[0] in ("交办部门", "部门") and any(example)
    notes = read_xlsx(data, "说明")
    assert notes[0] == [f"{title}导入模板说明", None, None, None, None]


def test_export_list_writes_the_decided_delegations(world, tmp_path):
    catalog(world)
    run("delegations", delegations_file(delegation_row()), world)
    path = tmp_path / "赋权委托.csv"
    call_command("export_list", "delegations", "--county", "990101", "-o", str(path), stdout=io.StringIO())
    lines = path.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("部门,方式,事项编码")
    assert lines[1].startswith("示范县应急管理局,委托,JC-001,安全生产日常检查,全部,示政发〔2024〕8号,2024-05-20,2024-06-01")
    report = run("delegations", path.read_bytes(), world, name="赋权委托.csv")
    assert (report.messages, report.unchanged) == ([], 1)


# =========================================================================== flags


def _list_file(header, *rows):
    return xlsx_bytes([header, *rows])


def test_past_assignments_are_judged_by_the_lists_in_force_on_their_dates(world):
    """A county moves in its lists published on 2024-06-14 and the work handed down since: the
    township's own item and a cooperation are not flagged, an unlisted and a reclaimed item are
    (and so is a main responsibility shifted, and work handed down before the lists took effect)."""
    def imported(kind, data):
        report = import_file(kind, data, f"{kind}.xlsx", county=world.county, user=world.office)
        assert report.messages == []

    imported("power", _list_file(
        ["事项编码", "权力类型", "事项名称", "主管部门", "来源", "适用乡镇", "生效日期"],
        ["P-1", "行政检查", "农村危房巡查", "应急局", "法定", "全部", "2024-06-14"],
        ["P-2", "行政检查", "河道巡查", "应急局", "法定", "西河乡", "2024-06-14"],
    ))
    imported("territorial", _list_file(
        ["事项编码", "事项名称", "主体责任部门", "部门职责", "乡镇（街道）配合职责", "适用乡镇", "生效日期"],
        ["T-1", "森林防火", "应急局", "组织森林火灾扑救", "开展日常巡查，发现火情及时报告", "全部", "2024-06-14"],
    ))
    imported("reclaimed", _list_file(
        ["事项编码", "事项名称", "承接部门", "工作方式", "适用乡镇", "生效日期"],
        ["R-1", "特种设备安全检查", "应急局", "部门直接实施", "全部", "2024-06-14"],
    ))
    DutyItemFactory(county=world.county, code="A-1", name="燃气安全入户宣传", department=world.dept_a)
    imported("delegations", delegations_file(delegation_row(
        mode="交办", code="A-1", townships="东城镇", decision_no="示办发〔2024〕12号", decided_on="2024-06-20",
        effective_from="", scope="", powers="", term="")))
    imported("assignments", assignments_file(
        assignment_row(1, "农村危房排查", code="P-1", townships="东城镇", day="2025-03-03"),
        assignment_row(2, "森林防火巡查", code="T-1", townships="东城镇", day="2025-03-10"),
        assignment_row(3, "燃气入户宣传", code="A-1", townships="东城镇", day="2025-04-01"),
        assignment_row(4, "河道巡查", code="P-2", townships="东城镇", day="2025-05-06"),
        assignment_row(5, "特种设备检查", code="R-1", townships="东城镇", day="2025-06-02"),
        assignment_row(6, "森林防火责任", code="T-1", townships="东城镇", responsibility="主体", day="2025-09-01"),
        assignment_row(7, "危房排查", code="P-1", townships="东城镇", day="2024-03-01"),
    ))

    flags = FlagQuery(county=world.county, today=D(2025, 12, 31),
                      rules=["UNLISTED_ASSIGNMENT", "RECLAIMED_ITEM_ASSIGNED", "MAIN_DUTY_SHIFTED"])
    titles = {pk: title for pk, title in Assignment.objects.values_list("pk", "title")}
    found = sorted((flag.rule, titles[flag.assignment]) for flag in flags)
    assert found == sorted([
        ("MAIN_DUTY_SHIFTED", "森林防火责任"),
        ("RECLAIMED_ITEM_ASSIGNED", "特种设备检查"),
        ("UNLISTED_ASSIGNMENT", "危房排查"),
        ("UNLISTED_ASSIGNMENT", "特种设备检查"),
        ("UNLISTED_ASSIGNMENT", "河道巡查"),
    ])


def test_a_decision_on_an_item_already_on_the_townships_lists_is_imported_with_a_warning(world):
    """What the office sees before deciding in the app: the item is already on the lists (a power
    list imported with the item as 赋权 would hold it twice)."""
    items = catalog(world)
    ListEntryFactory(item=items.inspection, source=PowerSource.ENTRUSTED, townships=[world.township_a])
    report = run("delegations", delegations_file(delegation_row()), world)
    assert report.messages == []
    assert report.warnings == [_("Row %(row)s: %(warning)s") % {"row": 3, "warning": _(
        "%(item)s is already on the lists of %(townships)s (%(lists)s).") % {
        "item": f"JC-001 {items.inspection.name}", "townships": "东城镇", "lists": _("power and responsibility list (权责清单)")}}]
    assert Delegation.objects.get().state == "approved"


def test_an_import_wide_effective_date_does_not_date_past_work(world):
    """The import-wide date (--effective-from) is for the lists; a decision takes effect on its
    own 生效日期 or 批准日期, an assignment is dated by its 交办日期."""
    from duties.excel.importers import importer_for
    from duties.excel.reader import read_table

    catalog(world)
    for kind, data in (("delegations", delegations_file(delegation_row(effective_from=""))),
                       ("assignments", assignments_file(assignment_row(1, "防汛值守")))):
        importer = importer_for(kind, county=world.county, user=world.office, file_name="过去.xlsx",
                                dry_run=False, effective_from=D(2020, 1, 1))
        report = importer.run(read_table(data, "过去.xlsx", importer.sheet))
        assert report.messages == []
    assert Delegation.objects.get().effective_from == D(2024, 5, 20)
    assert Assignment.objects.get().assigned_on == D(2025, 3, 1)


def test_a_decision_takes_over_the_countys_entry_that_already_lists_its_item(world):
    """A county lists its entrusted powers on its 权责清单 and records the decisions too: the
    decision takes the listed entry over (one entry, resting on the decision) rather than
    listing the item twice; an entry from another source stays the county's own."""
    items = catalog(world)
    listed = ListEntryFactory(item=items.inspection, source=PowerSource.ENTRUSTED,
                              handling_office="综合行政执法队")
    own = ListEntryFactory(item=items.penalty, source=PowerSource.STATUTORY)
    report = run("delegations", delegations_file(
        delegation_row(),
        delegation_row(mode="赋权", code="CF-001", decision_no="示政发〔2024〕9号",
                       provincial="某政发〔2023〕1号", scope="", powers="", term=""),
    ), world)
    assert report.messages == []
    entrusted, granted = Delegation.objects.order_by("decision_no")
    listed.refresh_from_db()
    assert list(ListEntry.objects.filter(item=items.inspection)) == [listed]
    assert (listed.delegation, listed.source, listed.effective_from, listed.handling_office) == (
        entrusted, PowerSource.ENTRUSTED, D(2024, 6, 1), "综合行政执法队")
    assert set(listed.townships.all()) == {world.township_a, world.township_b}
    own.refresh_from_db()
    assert own.delegation is None
    assert ListEntry.objects.filter(item=items.penalty, delegation=granted).count() == 1
