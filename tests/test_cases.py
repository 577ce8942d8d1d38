"""Cases: the findings about one subject form one case; the store opens, reopens and closes
cases as the data changes (resolved by the data, naming the write); the office's and the
department's steps (notify, answer, close) with their history."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from delegations import calendar, workflow
from delegations.flags import StoredFlagQuery, cases, store
from delegations.models import Case, Finding
from tests.factories import (
    AssignmentFactory,
    DelegationFactory,
    DutyItemFactory,
    approve,
    revoke,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True


@pytest.fixture
def unlisted(world):
    """Dept A assigns township A an item on none of its lists, through a responsibility
    pledge: two findings (UNLISTED_ASSIGNMENT, LIABILITY_SHIFT_BY_ASSESSMENT), one case."""
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="A900",
                           name="森林防火巡查")
    return AssignmentFactory(department=world.dept_a, duty_item=item, title="森林防火巡查任务",
                             channel="pledge", townships=[world.township_a],
                             assigned_on=datetime.date(2025, 3, 1))


def case_of(assignment, township):
    return Case.objects.get(subject=f"assignment:{assignment.pk}:{township.pk}")


def reasons(case):
    return [row.history_change_reason for row in case.history.order_by("history_date", "history_id")]


# --------------------------------------------------------------------------- forming cases


def test_the_findings_about_one_assignment_in_one_township_form_one_case(world, unlisted):
    case = case_of(unlisted, world.township_a)
    assert sorted(case.findings.values_list("rule", flat=True)) == [
        "LIABILITY_SHIFT_BY_ASSESSMENT", "UNLISTED_ASSIGNMENT"]
    assert (case.status, case.department, case.township, case.assignment) == (
        "open", world.dept_a, world.township_a, unlisted)
    assert list(case.townships.all()) == [world.township_a]
    flags = list(StoredFlagQuery(case=case))
    assert {(f.case, f.status) for f in flags} == {(case.pk, "open")}
    assert reasons(case) == ["发现问题：测试数据"]


def test_an_assignment_to_two_townships_is_two_cases(world):
    assignment = AssignmentFactory(department=world.dept_b, duty_item=None, title="迎检材料报送",
                                   townships=[world.township_a, world.township_b])
    assert case_of(assignment, world.township_a) != case_of(assignment, world.township_b)


def test_a_delegations_findings_in_every_township_form_one_case(world):
    delegation = DelegationFactory(department=world.dept_a, state="approved", staff_posts=0,
                                   funding_wan_yuan=0,
                                   townships=[world.township_a, world.township_b])
    case = Case.objects.get(subject=f"delegation:{delegation.pk}")
    assert case.findings.count() == 2
    assert set(case.townships.all()) == {world.township_a, world.township_b}
    assert case.township is None and case.delegation == delegation


# --------------------------------------------------------------------------- the data moves cases


def test_a_case_whose_findings_vanish_closes_itself_naming_the_write(world, unlisted):
    case = case_of(unlisted, world.township_a)
    cases.notify(world.office, case, note="请于期限内整改")
    request = workflow.create_request(
        world.dept_a_user, department=world.dept_a, mode="assign", duty_items=[unlisted.duty_item],
        townships=[world.township_a], reason="森林防火", effective_from=datetime.date(2025, 1, 1),
        staff_posts=1, funding_wan_yuan=5, submit=True,
    )
    cases.answer(world.dept_a_user, case, answer="admission_requested", delegation=request)
    approve(request, "示县委〔2025〕9号")
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("closed", "resolved_by_data")
    assert case.close_note == "批准 示县委〔2025〕9号"
    assert case.closed_by == world.office
    assert not case.findings.exists()
    assert reasons(case)[-1] == "数据已纠正：批准 示县委〔2025〕9号"
    assert store.differences() == []


def test_a_new_finding_on_a_resolved_subject_reopens_its_case(world, unlisted):
    delegation = DelegationFactory(department=world.dept_a, state="approved",
                                   duty_items=[unlisted.duty_item], townships=[world.township_a],
                                   effective_from=datetime.date(2025, 1, 1),
                                   submitted_on=datetime.date(2025, 1, 5),
                                   decided_on=datetime.date(2025, 1, 10))
    case = case_of(unlisted, world.township_a)
    assert case.resolution == "resolved_by_data"
    # Revoked from before the assignment: it no longer covers the work.
    revoke(delegation, revoked_on=datetime.date(2025, 2, 1), reason="职责调整",
           document_no="示县编〔2025〕2号")
    case.refresh_from_db()
    assert case.status == "open" and case.resolution == ""
    assert reasons(case)[-1] == "重新打开：撤销 示县编〔2025〕2号：职责调整"


def test_a_dismissed_case_stays_dismissed_until_its_evidence_changes(world, unlisted):
    case = case_of(unlisted, world.township_a)
    cases.close(world.office, case, resolution="dismissed", note="系临时性协助")
    AssignmentFactory(department=world.dept_b, duty_item=None, title="另一任务",
                      townships=[world.township_a])  # refreshes township A: nothing changed
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("closed", "dismissed")
    # A request naming the item: the finding's evidence (delegations considered) changes.
    workflow.create_request(
        world.dept_a_user, department=world.dept_a, mode="assign", duty_items=[unlisted.duty_item],
        townships=[world.township_a], reason="森林防火", effective_from=datetime.date(2026, 1, 1),
        staff_posts=1, funding_wan_yuan=5, submit=True,
    )
    case.refresh_from_db()
    assert case.status == "open" and case.resolution == "" and case.close_note == ""
    assert reasons(case)[-1] == "重新打开：提交申请"


def test_a_closed_case_reopens_when_a_new_finding_joins_it(world, unlisted):
    case = case_of(unlisted, world.township_a)
    cases.close(world.office, case, resolution="escalated", note="移交县委督查室")
    # Another department hands township A the same item within 90 days: a duplicate.
    AssignmentFactory(department=world.dept_b, duty_item=unlisted.duty_item, title="森林防火巡查",
                      townships=[world.township_a], assigned_on=datetime.date(2025, 3, 20))
    case.refresh_from_db()
    assert case.status == "open"
    assert "DUPLICATE_ASSIGNMENT" in set(case.findings.values_list("rule", flat=True))


# --------------------------------------------------------------------------- the steps


def test_the_office_notifies_with_a_deadline_in_working_days(world, unlisted):
    case = case_of(unlisted, world.township_a)
    now = timezone.now()
    cases.notify(world.office, case, note="请撤回交办或申请准入", now=now)
    case.refresh_from_db()
    assert case.status == "notified"
    assert case.due_on == calendar.add_working_days(timezone.localdate(now), 10)
    assert (case.notice, case.notified_by, case.notified_at) == ("请撤回交办或申请准入", world.office, now)
    assert reasons(case)[-1] == f"整改通知（期限 {case.due_on}）：请撤回交办或申请准入"
    assert not case.is_overdue() and case.is_overdue(case.due_on + datetime.timedelta(days=1))


def test_a_notice_is_mailed_to_the_departments_users(world, unlisted, settings, django_capture_on_commit_callbacks):
    world.dept_a_user.email = "yjj@example.cn"
    world.dept_a_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        cases.notify(world.office, case_of(unlisted, world.township_a),
                     deadline=TODAY + datetime.timedelta(days=5))
    assert [m.to for m in mail.outbox] == [["yjj@example.cn"]]


@pytest.mark.parametrize("answer, extra", [
    ("withdrawn", {}),
    ("disputed", {"note": "该事项已列入属地管理清单"}),
])
def test_the_department_answers_and_the_office_closes(world, unlisted, answer, extra):
    case = case_of(unlisted, world.township_a)
    cases.notify(world.office, case)
    cases.answer(world.dept_a_user, case, answer=answer, **extra)
    case.refresh_from_db()
    assert (case.status, case.answer, case.answered_by) == ("answered", answer, world.dept_a_user)
    cases.close(world.office, case, resolution="corrected")
    case.refresh_from_db()
    assert (case.status, case.resolution, case.closed_by) == ("closed", "corrected", world.office)
    assert [r.split("：")[0] for r in reasons(case)] == [
        "发现问题", "整改通知（期限 %s）" % case.due_on, "部门答复", "办结"]


def test_an_admission_request_must_be_the_departments_own_filed_one(world, unlisted):
    case = case_of(unlisted, world.township_a)
    cases.notify(world.office, case)
    others = DelegationFactory(department=world.dept_b, state="submitted")
    draft = DelegationFactory(department=world.dept_a)
    for delegation in (None, others, draft):
        with pytest.raises(workflow.InvalidRequest) as refused:
            cases.answer(world.dept_a_user, case, answer="admission_requested",
                         delegation=delegation)
        assert "delegation" in refused.value.message_dict


def test_dismissing_needs_a_reason_and_disputing_too(world, unlisted):
    case = case_of(unlisted, world.township_a)
    with pytest.raises(workflow.InvalidRequest) as refused:
        cases.close(world.office, case, resolution="dismissed")
    assert "note" in refused.value.message_dict
    cases.notify(world.office, case)
    with pytest.raises(workflow.InvalidRequest) as refused:
        cases.answer(world.dept_a_user, case, answer="disputed", note="  ")
    assert "note" in refused.value.message_dict
    case.refresh_from_db()
    assert case.status == "notified"


def test_a_refused_step_changes_nothing(world, unlisted):
    case = case_of(unlisted, world.township_a)
    rows = case.history.count()
    with pytest.raises(workflow.StateConflict):
        cases.answer(world.dept_a_user, case, answer="withdrawn")
    with pytest.raises(workflow.NotAllowed):
        cases.notify(world.dept_a_user, case)
    with pytest.raises(workflow.InvalidRequest):
        cases.notify(world.office, case, deadline=TODAY - datetime.timedelta(days=1))
    case.refresh_from_db()
    assert case.status == "open" and case.history.count() == rows
    assert Finding.objects.filter(case=case).count() == 2


def test_what_waits_for_each_role(world, unlisted):
    case = case_of(unlisted, world.township_a)
    assert cases.waiting_for(world.office) == {"cases_to_notify": 1, "cases_to_close": 0,
                                               "cases_overdue": 0}
    cases.notify(world.office, case, deadline=TODAY)
    Case.objects.filter(pk=case.pk).update(due_on=TODAY - datetime.timedelta(days=1))
    assert cases.waiting_for(world.dept_a_user) == {"cases_to_answer": 1, "cases_overdue": 1}
    assert cases.waiting_for(world.dept_b_user) == {"cases_to_answer": 0, "cases_overdue": 0}
    assert cases.waiting_for(world.township_a_user) == {"cases_open": 1}
    assert cases.waiting_for(world.township_b_user) == {"cases_open": 0}
    cases.answer(world.dept_a_user, case, answer="withdrawn")
    assert cases.waiting_for(world.office)["cases_to_close"] == 1
    from django.contrib.auth.models import AnonymousUser

    assert cases.waiting_for(AnonymousUser()) == {}
