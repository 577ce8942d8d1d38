"""Calls (镇呼县应): a township calls the lead department on an item of its territorial list;
the department accepts and reports; the township confirms or reopens with a reason; a call on
no list waits for the office to route it. Every step and refusal, the deadlines on the working
calendar (hours for an urgent call), overdue, the counts and the office's figures."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from delegations import calendar, workflow
from delegations.calls import access as call_access
from delegations.calls import services as calls
from delegations.models import Call
from duties.models import ListKind
from tests.factories import (
    CalendarDayFactory,
    CountyFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from townships.models import Profile

pytestmark = pytest.mark.django_db

FOUND = "河道内发现有人非法采砂，已劝阻未果"


@pytest.fixture
def entry(world):
    """Township A's territorial list holds 非法采砂巡查 (lead: 应急局; co-operating: 农业农村局)."""
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="T100",
                           name="河道非法采砂巡查报告")
    return ListEntryFactory(kind=ListKind.TERRITORIAL, item=item, townships=[world.township_a],
                            cooperating_departments="农业农村局、县公安局")


def file(world, entry, **extra):
    return calls.file_call(world.township_a_user, entry=entry, found=FOUND, place="东河村段",
                           **extra)


def reasons(call):
    return [row.history_change_reason for row in call.history.order_by("history_date", "history_id")]


# --------------------------------------------------------------------------- filing


def test_a_call_on_a_territorial_item_goes_to_the_entrys_lead_department(world, entry):
    now = timezone.now()
    call = file(world, entry, now=now)
    call.refresh_from_db()
    assert (call.status, call.lead_department, call.township, call.county) == (
        "routed", world.dept_a, world.township_a, world.county)
    assert (call.list_entry, call.item) == (entry, entry.item)
    assert list(call.cooperating_departments.all()) == [world.dept_b]
    assert (call.filed_by, call.filed_at, call.routed_at) == (world.township_a_user, now, now)
    assert call.due_on == calendar.add_working_days(timezone.localdate(now), 5)
    assert call.due_at is None
    assert reasons(call) == [
        f"乡镇呼叫：T100 河道非法采砂巡查报告（示范县应急管理局，期限 {call.due_on}）"]
    assert call.history.get().history_user == world.township_a_user


def test_a_call_by_item_finds_the_territorial_entry(world, entry):
    call = calls.file_call(world.township_a_user, item=entry.item, found=FOUND)
    assert (call.status, call.list_entry, call.lead_department) == ("routed", entry, world.dept_a)


def test_a_call_on_an_item_not_on_the_townships_territorial_list_goes_to_the_office(world, entry):
    # The entry covers township A only: township B's call on it waits for the office.
    call = calls.file_call(world.township_b_user, entry=entry, found=FOUND)
    assert (call.status, call.lead_department, call.list_entry, call.item) == (
        "at_office", None, None, entry.item)
    assert call.due is None and not call.is_overdue()
    assert reasons(call) == ["乡镇呼叫（清单外事项，待编办指派）：T100 河道非法采砂巡查报告"]


def test_a_call_about_something_on_no_list_goes_to_the_office(world):
    call = calls.file_call(world.township_a_user, found="山体出现裂缝", place="南山")
    assert (call.status, call.item, call.lead_department) == ("at_office", None, None)
    power = ListEntryFactory(kind=ListKind.POWER, item=DutyItemFactory(county=world.county))
    call = calls.file_call(world.township_a_user, entry=power, found="巡查发现")
    assert call.status == "at_office" and call.item == power.item


@pytest.mark.parametrize("persona", ["office", "dept_a_user"])
def test_only_a_township_files_calls(world, entry, persona):
    with pytest.raises(workflow.NotAllowed):
        calls.file_call(getattr(world, persona), entry=entry, found=FOUND)
    with pytest.raises(workflow.NotAllowed):
        calls.file_call(AnonymousUser(), entry=entry, found=FOUND)
    assert not Call.objects.exists()


def test_a_township_files_for_itself_only(world, entry):
    with pytest.raises(workflow.NotAllowed):
        calls.file_call(world.township_a_user, township=world.township_b, entry=entry, found=FOUND)


def test_a_call_must_say_what_was_found_and_name_items_of_its_county(world, entry):
    other = DutyItemFactory(county=CountyFactory(code="990202"))
    with pytest.raises(workflow.InvalidRequest) as refused:
        calls.file_call(world.township_a_user, item=other, found="  ", urgency="soon",
                        found_at=timezone.now() + datetime.timedelta(days=1))
    assert set(refused.value.message_dict) == {"found", "item", "urgency", "found_at"}
    with pytest.raises(workflow.InvalidRequest) as refused:
        calls.file_call(world.township_a_user, entry=999999, found=FOUND)
    assert "entry" in refused.value.message_dict
    assert not Call.objects.exists()


# --------------------------------------------------------------------------- deadlines


def test_a_normal_call_is_due_in_working_days_on_the_calendar(world, entry):
    CalendarDayFactory(date=datetime.date(2031, 3, 4), kind="holiday", name="测试假日")
    monday = timezone.make_aware(datetime.datetime(2031, 3, 3, 9, 0))
    call = file(world, entry, now=monday)
    # Wed 5, Thu 6, Fri 7, Mon 10, Tue 11: the holiday on Tuesday 4 and the weekend skipped.
    assert call.due_on == datetime.date(2031, 3, 11)


def test_an_urgent_call_is_due_in_hours(world, entry):
    now = timezone.now()
    call = file(world, entry, urgency="urgent", now=now)
    assert (call.due_at, call.due_on) == (now + datetime.timedelta(hours=24), None)
    assert not call.is_overdue(now + datetime.timedelta(hours=23))
    assert call.is_overdue(now + datetime.timedelta(hours=25))


def test_the_county_defaults_come_from_the_settings(world, entry, settings):
    settings.QINGDAN = {**getattr(settings, "QINGDAN", {}), "CALL_DEADLINE_WORKING_DAYS": 2,
                        "URGENT_CALL_DEADLINE_HOURS": 4}
    now = timezone.now()
    assert file(world, entry, now=now).due_on == calendar.add_working_days(timezone.localdate(now), 2)
    assert file(world, entry, urgency="urgent", now=now).due_at == now + datetime.timedelta(hours=4)


def test_a_call_past_its_deadline_and_not_reported_is_overdue(world, entry):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    call = file(world, entry, now=long_ago)
    assert call.is_overdue()
    assert Call.objects.filter(calls.overdue_q()).get() == call
    calls.accept(world.dept_a_user, call)
    assert call.is_overdue()
    calls.report(world.dept_a_user, call, report="已会同公安查处，责令停止采砂")
    assert not call.is_overdue() and call.answered_in_time() is False
    assert not Call.objects.filter(calls.overdue_q()).exists()


# --------------------------------------------------------------------------- the steps


def test_accept_report_confirm(world, entry):
    call = file(world, entry)
    calls.accept(world.dept_a_user, call, note="已安排执法中队")
    assert (call.status, call.accepted_by) == ("accepted", world.dept_a_user)
    calls.report(world.dept_a_user, call, report="已到场处置，没收采砂工具")
    assert (call.status, call.report, call.reported_by) == (
        "reported", "已到场处置，没收采砂工具", world.dept_a_user)
    assert call.answered_in_time() is True
    calls.confirm(world.township_a_user, call)
    call.refresh_from_db()
    assert (call.status, call.confirmed_by) == ("confirmed", world.township_a_user)
    assert [r.split("：")[0] for r in reasons(call)] == [
        "乡镇呼叫", "部门受理", "部门报告办理情况", "乡镇确认办结"]
    assert reasons(call)[1] == "部门受理：已安排执法中队"
    users = [row.history_user for row in call.history.order_by("history_date", "history_id")]
    assert users == [world.township_a_user, world.dept_a_user, world.dept_a_user,
                     world.township_a_user]


def test_reopen_needs_a_reason_and_gives_a_fresh_deadline(world, entry):
    call = file(world, entry, now=timezone.now() - datetime.timedelta(days=20))
    calls.accept(world.dept_a_user, call)
    calls.report(world.dept_a_user, call, report="已处置")
    with pytest.raises(workflow.InvalidRequest) as refused:
        calls.reopen(world.township_a_user, call, reason="  ")
    assert "reason" in refused.value.message_dict
    call.refresh_from_db()
    assert call.status == "reported"
    now = timezone.now()
    calls.reopen(world.township_a_user, call, reason="采砂船仍在作业", now=now)
    assert (call.status, call.reopen_reason, call.reopened_by) == (
        "reopened", "采砂船仍在作业", world.township_a_user)
    assert call.due_on == calendar.add_working_days(timezone.localdate(now), 5)
    assert not call.is_overdue()
    assert reasons(call)[-1] == f"乡镇退回重办（新期限 {call.due_on}）：采砂船仍在作业"
    calls.report(world.dept_a_user, call, report="已扣押采砂船")
    assert call.status == "reported"


def test_the_office_routes_a_call_on_no_list(world):
    call = calls.file_call(world.township_a_user, found="山体出现裂缝", urgency="urgent")
    now = timezone.now()
    with pytest.raises(workflow.InvalidRequest):
        calls.route(world.office, call, department=None)
    other = DepartmentFactory(county=CountyFactory(code="990303"), code="ZRZ")
    with pytest.raises(workflow.InvalidRequest):
        calls.route(world.office, call, department=other)
    calls.route(world.office, call, department=world.dept_b, note="县乡联办", now=now)
    assert (call.status, call.lead_department, call.routed_by) == (
        "routed", world.dept_b, world.office)
    assert call.due_at == now + datetime.timedelta(hours=24)
    assert reasons(call)[-1].startswith("编办指派：示范县农业农村局（期限 ")
    calls.accept(world.dept_b_user, call)
    assert call.status == "accepted"


@pytest.mark.parametrize("step, persona, kwargs", [
    ("accept", "dept_b_user", {}),            # not the lead department
    ("accept", "township_a_user", {}),        # wrong role
    ("accept", "office", {}),
    ("report", "dept_b_user", {"report": "x"}),
    ("confirm", "dept_a_user", {}),
    ("confirm", "township_b_user", {}),       # another township's call
    ("reopen", "township_b_user", {"reason": "x"}),
    ("route", "dept_a_user", {"department": None}),
    ("route", "township_a_user", {"department": None}),
])
def test_the_wrong_role_or_scope_is_refused(world, entry, step, persona, kwargs):
    call = file(world, entry)
    calls.accept(world.dept_a_user, call)
    calls.report(world.dept_a_user, call, report="已处置")
    rows = call.history.count()
    with pytest.raises(workflow.NotAllowed):
        getattr(calls, step)(getattr(world, persona), call, **kwargs)
    call.refresh_from_db()
    assert call.status == "reported" and call.history.count() == rows


def test_another_countys_office_may_not_route(world):
    call = calls.file_call(world.township_a_user, found="山体出现裂缝")
    elsewhere = make_user(Profile.Role.OFFICE, username="office_b",
                          county=CountyFactory(code="990404"))
    with pytest.raises(workflow.NotAllowed):
        calls.route(elsewhere, call, department=world.dept_a)
    assert not call_access.visible(elsewhere).exists()
    county_office = make_user(Profile.Role.OFFICE, username="office_a", county=world.county)
    calls.route(county_office, call, department=world.dept_a)


def test_the_wrong_state_is_a_conflict(world, entry):
    call = file(world, entry)
    with pytest.raises(workflow.StateConflict):
        calls.report(world.dept_a_user, call, report="已处置")  # not accepted yet
    with pytest.raises(workflow.StateConflict):
        calls.confirm(world.township_a_user, call)
    with pytest.raises(workflow.StateConflict):
        calls.route(world.office, call, department=world.dept_b)  # already routed
    calls.accept(world.dept_a_user, call)
    with pytest.raises(workflow.StateConflict):
        calls.accept(world.dept_a_user, call)  # double accept
    with pytest.raises(workflow.StateConflict):
        calls.reopen(world.township_a_user, call, reason="未处理")
    calls.report(world.dept_a_user, call, report="已处置")
    calls.confirm(world.township_a_user, call)
    with pytest.raises(workflow.StateConflict):
        calls.reopen(world.township_a_user, call, reason="未处理")


def test_a_report_must_say_what_was_done(world, entry):
    call = file(world, entry)
    calls.accept(world.dept_a_user, call)
    with pytest.raises(workflow.InvalidRequest) as refused:
        calls.report(world.dept_a_user, call, report=" ")
    assert "report" in refused.value.message_dict


def test_a_department_is_mailed_when_a_call_reaches_it_and_the_township_on_the_report(
    world, entry, django_capture_on_commit_callbacks
):
    world.dept_a_user.email = "yjj@example.cn"
    world.dept_a_user.save()
    world.township_a_user.email = "dcz@example.cn"
    world.township_a_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        call = file(world, entry)
    assert [m.to for m in mail.outbox] == [["yjj@example.cn"]]
    calls.accept(world.dept_a_user, call)
    with django_capture_on_commit_callbacks(execute=True):
        calls.report(world.dept_a_user, call, report="已处置")
    assert mail.outbox[-1].to == ["dcz@example.cn"]


# --------------------------------------------------------------------------- constraints


DAY = datetime.date(2025, 1, 6)


def unsaved(w, **fields):
    return Call(**{"county": w.county, "township": w.township_a, "found": FOUND,
                   "status": "at_office", **fields})


# Each builds a call that breaks exactly one named constraint (the shape of
# tests/test_constraints.py's CASES).
CONSTRAINT_CASES = {
    "call_status_valid": lambda w: unsaved(w, status="lost"),
    "call_urgency_valid": lambda w: unsaved(w, urgency="soon"),
    "call_says_what_was_found": lambda w: unsaved(w, found=""),
    "call_routed_has_lead_department": lambda w: unsaved(w, status="routed", due_on=DAY),
    "call_routed_has_deadline": lambda w: unsaved(w, status="routed", lead_department=w.dept_a),
    "call_reported_has_report": lambda w: unsaved(w, status="reported", lead_department=w.dept_a,
                                                  due_on=DAY),
    "call_reopen_explained": lambda w: unsaved(w, status="reopened", lead_department=w.dept_a,
                                               due_on=DAY),
}


def test_every_constraint_of_a_call_has_a_case():
    assert set(CONSTRAINT_CASES) == {c.name for c in Call._meta.constraints}


@pytest.mark.parametrize("name", sorted(CONSTRAINT_CASES))
def test_a_call_breaking_a_constraint_is_refused_by_the_database_and_the_model(world, name):
    from django.core.exceptions import ValidationError

    constraint = next(c for c in Call._meta.constraints if c.name == name)
    with pytest.raises(IntegrityError) as failure, transaction.atomic():
        CONSTRAINT_CASES[name](world).save()
    assert name in str(failure.value)
    with pytest.raises(ValidationError) as refused:
        CONSTRAINT_CASES[name](world).validate_constraints()
    assert str(constraint.violation_error_message) in refused.value.messages


# --------------------------------------------------------------------------- who sees what


def test_each_side_sees_its_calls_only(world, entry):
    a = file(world, entry)
    b = calls.file_call(world.township_b_user, found="山体出现裂缝")
    visible = {p: set(call_access.visible(getattr(world, p))) for p in (
        "office", "dept_a_user", "dept_b_user", "township_a_user", "township_b_user")}
    assert visible == {"office": {a, b}, "dept_a_user": {a}, "dept_b_user": {a},  # co-operating
                       "township_a_user": {a}, "township_b_user": {b}}
    with pytest.raises(PermissionDenied):
        call_access.visible(AnonymousUser())


def test_what_waits_for_each_side(world, entry):
    late = file(world, entry, now=timezone.now() - datetime.timedelta(days=30))
    fresh = file(world, entry)
    calls.file_call(world.township_b_user, found="山体出现裂缝")
    assert calls.waiting_for(world.office) == {"calls_to_route": 1, "calls_overdue": 1}
    assert calls.waiting_for(world.dept_a_user) == {"calls_to_accept": 2, "calls_to_report": 0,
                                                    "calls_overdue": 1}
    assert calls.waiting_for(world.dept_b_user) == {"calls_to_accept": 0, "calls_to_report": 0,
                                                    "calls_overdue": 0}
    calls.accept(world.dept_a_user, fresh)
    calls.report(world.dept_a_user, fresh, report="已处置")
    assert calls.waiting_for(world.township_a_user) == {"calls_to_confirm": 1, "calls_open": 2}
    assert calls.waiting_for(world.township_b_user) == {"calls_to_confirm": 0, "calls_open": 1}
    assert calls.waiting_for(AnonymousUser()) == {}
    assert late.is_overdue()


def test_waiting_for_is_one_query(world, entry, django_assert_num_queries):
    file(world, entry)
    user = world.dept_a_user
    user.profile  # noqa: B018 (the profile is read once per request anyway)
    with django_assert_num_queries(1):
        calls.waiting_for(user)


def test_the_offices_figures_per_department(world, entry):
    on_time = file(world, entry)
    calls.accept(world.dept_a_user, on_time)
    calls.report(world.dept_a_user, on_time, report="已处置")
    file(world, entry, now=timezone.now() - datetime.timedelta(days=30))  # overdue
    late = file(world, entry, now=timezone.now() - datetime.timedelta(days=30))
    calls.accept(world.dept_a_user, late)
    calls.report(world.dept_a_user, late, report="已处置")
    [row] = calls.department_figures(world.county)
    assert (row.department, row.calls, row.in_time, row.late, row.overdue, row.open) == (
        world.dept_a, 3, 1, 1, 1, 1)
    assert row.median_days == 15.0
    assert calls.department_figures(CountyFactory(code="990505")) == []


def test_a_co_operating_department_of_another_county_is_never_named(world, entry):
    TownshipFactory(county=world.county, code="990101103", name="北山镇")
    other = DepartmentFactory(county=CountyFactory(code="990606"), code="NYJ2",
                              name="他县农业农村局", short_name="农业农村局")
    call = file(world, entry)
    assert other not in call.cooperating_departments.all()


# --------------------------------------------------------------------------- pages


def test_the_territorial_row_offers_the_call_to_its_own_township_only(world, entry, client):
    page = f"/townships/{world.township_a.code}/?list=territorial"
    client.force_login(world.township_a_user)
    response = client.get(page)
    assert response.status_code == 200
    assert f'data-call-entry="{entry.pk}"' in response.content.decode()
    for user in (world.township_b_user, world.dept_a_user, world.office):
        client.force_login(user)
        assert "data-call-entry" not in client.get(page).content.decode()
    client.logout()
    assert "data-call-entry" not in client.get(page).content.decode()


def test_the_call_pages_take_every_step(world, entry, client):
    client.force_login(world.township_a_user)
    response = client.get(f"/calls/new/?entry={entry.pk}")
    assert response.status_code == 200 and 'data-goes-to="YJJ"' in response.content.decode()
    response = client.post("/calls/new/", {"entry": entry.pk, "found": "", "urgency": "normal"})
    assert response.status_code == 400
    response = client.post("/calls/new/", {"entry": entry.pk, "found": FOUND, "place": "东河村",
                                           "urgency": "normal"})
    call = Call.objects.get()
    assert response.status_code == 302 and response.url == f"/calls/{call.pk}/"
    assert client.get(response.url).status_code == 200
    assert client.get("/calls/").status_code == 200
    assert client.get("/home/").status_code == 200

    client.force_login(world.dept_a_user)
    home = client.get("/home/").content.decode()
    assert 'data-count="calls_to_accept"><b>1</b>' in home
    queue = client.get("/calls/").content.decode()
    assert f'id="call-{call.pk}-accept"' in queue
    client.post(f"/calls/{call.pk}/accept/", {f"c{call.pk}-accept-note": "已受理"})
    client.post(f"/calls/{call.pk}/report/", {f"c{call.pk}-report-report": "已处置"})
    call.refresh_from_db()
    assert call.status == "reported"
    # A step the department may not take: a message, nothing changes.
    response = client.post(f"/calls/{call.pk}/confirm/", {}, follow=True)
    assert response.status_code == 200
    call.refresh_from_db()
    assert call.status == "reported"

    client.force_login(world.township_a_user)
    client.post(f"/calls/{call.pk}/reopen/", {f"c{call.pk}-reopen-reason": ""})
    call.refresh_from_db()
    assert call.status == "reported"
    client.post(f"/calls/{call.pk}/confirm/", {})
    call.refresh_from_db()
    assert call.status == "confirmed"

    client.force_login(world.office)
    overview = client.get("/calls/").content.decode()
    assert 'data-department="YJJ"' in overview and 'data-figure="in_time">1<' in overview


def test_the_office_routes_from_its_overview_and_others_see_no_call_page(world, client):
    call = calls.file_call(world.township_a_user, found="山体出现裂缝")
    client.force_login(world.office)
    overview = client.get("/calls/").content.decode()
    assert f'id="call-{call.pk}-route"' in overview
    client.post(f"/calls/{call.pk}/route/", {f"c{call.pk}-route-department": world.dept_b.pk})
    call.refresh_from_db()
    assert (call.status, call.lead_department) == ("routed", world.dept_b)
    client.force_login(world.township_b_user)
    assert client.get(f"/calls/{call.pk}/").status_code == 404
    assert client.post(f"/calls/{call.pk}/confirm/", {}).status_code == 404
    client.force_login(world.dept_a_user)
    assert client.get("/calls/new/").status_code == 403
    client.logout()
    assert client.get("/calls/").status_code == 302


NOTICE = "关于做好近期重点工作的通知\n一、河道非法采砂巡查报告\n二、开展森林防火宣传进村入户"


def test_the_checkers_result_offers_the_call_on_a_territorial_item(world, entry, client):
    client.force_login(world.township_a_user)
    response = client.post(f"/townships/{world.township_a.code}/check/", {"text": NOTICE})
    assert response.status_code == 200
    assert f'data-call-entry="{entry.pk}"' in response.content.decode()
    client.force_login(world.dept_a_user)
    response = client.post(f"/townships/{world.township_a.code}/check/", {"text": NOTICE})
    assert "data-call-entry" not in response.content.decode()


def test_a_single_task_checked_on_a_territorial_item_offers_the_call(world, entry, client):
    client.force_login(world.township_a_user)
    response = client.post(f"/townships/{world.township_a.code}/check/",
                           {"text": "河道非法采砂巡查报告"})
    assert response.status_code == 200
    assert f'data-call-entry="{entry.pk}"' in response.content.decode()
    client.force_login(world.township_b_user)
    response = client.post(f"/townships/{world.township_a.code}/check/",
                           {"text": "河道非法采砂巡查报告"})
    assert "data-call-entry" not in response.content.decode()


def test_the_offices_page_runs_the_same_queries_for_one_or_many_calls_to_route(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.office)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/calls/").status_code == 200
        return len(captured.captured_queries)

    calls.file_call(world.township_a_user, found="山体出现裂缝")
    one = queries()
    for n in range(4):
        calls.file_call(world.township_a_user, found=f"发现问题{n}")
    assert queries() == one
