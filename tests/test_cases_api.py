"""REST API: cases/ and the response loop (notify, answer, close) with the workflow's 400, 403,
404 and 409 rules; flags/ with its case and status; and per persona, no case or finding of
another scope leaks."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from delegations.models import Case
from tests.api_helpers import client_for, results, scene, url  # noqa: F401  (scene: fixture)
from tests.factories import AssignmentFactory, DelegationFactory, DutyItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True


def case_of(assignment, township):
    return Case.objects.get(subject=f"assignment:{assignment.pk}:{township.pk}")


def post(client, case, step, body):
    return client.post(url(f"cases/{case.pk}/{step}/"), body, format="json")


@pytest.fixture
def case_a(scene):
    """Dept A's unlisted assignment in township A (990101101)."""
    return case_of(scene.asg_a, scene.w.township_a)


# --------------------------------------------------------------------------- the loop


def test_the_office_notifies_the_department_answers_the_office_closes(scene, case_a):
    office, dept_a = client_for(scene.w, "office"), client_for(scene.w, "dept_a")
    deadline = (TODAY + datetime.timedelta(days=20)).isoformat()
    response = post(office, case_a, "notify", {"deadline": deadline, "note": "请撤回或申请准入"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["deadline"], body["notice"]) == ("notified", deadline, "请撤回或申请准入")
    assert body["overdue"] is False
    assert [step["status"] for step in body["history"]] == ["open", "notified"]
    assert body["flags"] and {f["case"] for f in body["flags"]} == {case_a.pk}

    response = post(dept_a, case_a, "answer", {"answer": "disputed", "note": "属法定职责"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["answer_note"]) == ("answered", "属法定职责")

    response = post(office, case_a, "close", {"resolution": "dismissed", "note": "核实为误报"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["resolution"], body["close_note"]) == ("closed", "dismissed", "核实为误报")
    assert [step["user"] for step in body["history"]][-3:] == ["office", "dept_a", "office"]

    flags = results(office.get(url(f"flags/?case={case_a.pk}")))
    assert flags and {f["status"] for f in flags} == {"closed"}


def test_an_answer_by_admission_request_links_the_request_and_approval_resolves_the_case(scene, case_a):
    office, dept_a = client_for(scene.w, "office"), client_for(scene.w, "dept_a")
    post(office, case_a, "notify", {"deadline": None, "note": ""})
    response = dept_a.post(url("delegations/"), {
        "department": "YJJ", "mode": "assign", "duty_items": ["A900"], "townships": ["990101101"],
        "reason": "森林防火", "legal_basis": "《森林防火条例》", "staff_posts": 1,
        "funding_wan_yuan": 5, "effective_from": "2025-01-01", "submit": True,
    }, format="json")
    request = response.json()["id"]
    response = post(dept_a, case_a, "answer", {"answer": "admission_requested",
                                               "delegation": request, "note": "已申请"})
    assert response.status_code == 200, response.content
    assert response.json()["answer_delegation"] == request
    office.post(url(f"delegations/{request}/decide/"), {
        "decision": "approve", "decision_no": "示县委〔2025〕9号", "legal_review": "passed"},
        format="json")
    body = office.get(url(f"cases/{case_a.pk}/")).json()
    assert (body["status"], body["resolution"]) == ("closed", "resolved_by_data")
    assert body["close_note"] == "批准 示县委〔2025〕9号" and body["findings"] == 0
    # The township the work was pushed onto reads the whole exchange.
    seen = client_for(scene.w, "township_a").get(url(f"cases/{case_a.pk}/")).json()
    assert [step["status"] for step in seen["history"]] == ["open", "notified", "answered", "closed"]
    assert seen["answer_note"] == "已申请"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("persona, step, body", [
    ("dept_a", "notify", {"note": ""}),
    ("township_a", "notify", {"note": ""}),
    ("township_a", "close", {"resolution": "corrected"}),
    ("dept_a", "close", {"resolution": "corrected"}),
])
def test_a_step_of_another_role_is_a_403(scene, case_a, persona, step, body):
    response = post(client_for(scene.w, persona), case_a, step, body)
    assert response.status_code == 403, response.content
    assert response.json()["detail"]


def test_the_office_cannot_answer_for_the_department(scene, case_a):
    post(client_for(scene.w, "office"), case_a, "notify", {})
    response = post(client_for(scene.w, "office"), case_a, "answer", {"answer": "withdrawn"})
    assert response.status_code == 403


def test_a_step_in_the_wrong_state_is_a_409(scene, case_a):
    office, dept_a = client_for(scene.w, "office"), client_for(scene.w, "dept_a")
    assert post(dept_a, case_a, "answer", {"answer": "withdrawn"}).status_code == 409
    assert post(office, case_a, "notify", {}).status_code == 200
    assert post(office, case_a, "notify", {}).status_code == 409
    assert post(office, case_a, "close", {"resolution": "corrected"}).status_code == 200
    response = post(office, case_a, "close", {"resolution": "escalated"})
    assert response.status_code == 409
    assert response.json()["code"]


@pytest.mark.parametrize("persona", ["dept_b", "township_b"])
def test_a_case_out_of_sight_is_a_404(scene, case_a, persona):
    client = client_for(scene.w, persona)
    assert client.get(url(f"cases/{case_a.pk}/")).status_code == 404
    assert post(client, case_a, "answer", {"answer": "withdrawn"}).status_code == 404


def test_another_countys_office_cannot_see_or_touch_the_case(scene, case_a):
    other = case_of(scene.asg_c, scene.township_c)
    client = APIClient()
    client.force_authenticate(scene.county_office)
    assert client.get(url(f"cases/{other.pk}/")).status_code == 404
    assert post(client, other, "notify", {}).status_code == 404
    assert post(client, case_a, "notify", {}).status_code == 200


@pytest.mark.parametrize("step, body, field", [
    ("close", {"resolution": "dismissed"}, "note"),
    ("close", {"resolution": "dismissed", "note": "  "}, "note"),
    ("close", {"resolution": "resolved_by_data"}, "resolution"),
    ("close", {"resolution": "corrected", "extra": 1}, "extra"),
    ("notify", {"deadline": "2020-01-01"}, "deadline"),
    ("notify", {"deadline": "2025-02-30"}, "deadline"),
    ("notify", {"note": 5}, "note"),
])
def test_bad_input_is_a_400_naming_the_field(scene, case_a, step, body, field):
    response = post(client_for(scene.w, "office"), case_a, step, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    case_a.refresh_from_db()
    assert case_a.status == "open"


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_an_empty_date_in_a_form_body_is_a_400_not_no_deadline(scene, case_a, form):
    """A form cannot send null: an empty value for a date is refused (as the schema says a
    date), not read as "no deadline"; the field left out is the default."""
    from urllib.parse import urlencode

    office = client_for(scene.w, "office")
    address = url(f"cases/{case_a.pk}/notify/")
    body = {"deadline": "", "note": ""}
    if form == "multipart":
        response = office.post(address, body, format="multipart")
    else:
        response = office.post(address, urlencode(body),
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    assert "不能为空" in response.json()["errors"]["deadline"][0]
    case_a.refresh_from_db()
    assert case_a.status == "open"
    assert office.post(address, {"note": "请整改"}, format="multipart").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"answer": "disputed"}, "note"),
    ({"answer": "admission_requested"}, "delegation"),
    ({"answer": "admission_requested", "delegation": 99999999}, "delegation"),
    ({"answer": "withdrawn", "delegation": 1}, "delegation"),
    ({"answer": "maybe"}, "answer"),
])
def test_bad_answers_are_a_400_naming_the_field(scene, case_a, body, field):
    post(client_for(scene.w, "office"), case_a, "notify", {})
    response = post(client_for(scene.w, "dept_a"), case_a, "answer", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_the_public_sees_no_case(scene, case_a):
    client = client_for(scene.w, "anonymous")
    assert client.get(url("cases/")).status_code == 403
    assert client.get(url(f"cases/{case_a.pk}/")).status_code == 403


# --------------------------------------------------------------------------- scope per persona


def visible_cases(client):
    return results(client.get(url("cases/?limit=500")))


@pytest.mark.parametrize("persona", ["office", "dept_a", "dept_b", "township_a", "township_b"])
def test_no_case_or_finding_of_another_scope_leaks(scene, persona):
    w = scene.w
    client = client_for(w, persona)
    rows = visible_cases(client)
    assert rows
    mine = {
        "office": lambda r: True,
        "dept_a": lambda r: r["department"]["code"] == "YJJ" and r["county"]["code"] == "990101",
        "dept_b": lambda r: r["department"]["code"] == "NYJ",
        "township_a": lambda r: "990101101" in {t["code"] for t in r["townships"]},
        "township_b": lambda r: "990101102" in {t["code"] for t in r["townships"]},
    }[persona]
    assert all(mine(r) for r in rows)
    seen = {r["id"] for r in rows}
    for case in Case.objects.exclude(pk__in=seen):
        assert client.get(url(f"cases/{case.pk}/")).status_code == 404
        response = client.get(url(f"flags/?case={case.pk}"))
        assert response.status_code == 400 and list(response.json()["errors"]) == ["case"]
    for row in rows:
        detail = client.get(url(f"cases/{row['id']}/")).json()
        flags = results(client.get(url(f"flags/?case={row['id']}&limit=500")))
        assert [f["id"] for f in detail["flags"]] == [f["id"] for f in flags]
        if persona.startswith("township"):
            assert {f["township"]["code"] for f in flags} <= {w.township_a.code if persona ==
                                                              "township_a" else w.township_b.code}


def test_a_county_office_sees_only_its_countys_cases(scene):
    client = APIClient()
    client.force_authenticate(scene.county_office)
    assert {r["county"]["code"] for r in visible_cases(client)} == {"990101"}


def test_a_township_sees_a_delegations_case_but_only_its_own_findings(scene):
    w = scene.w
    delegation = DelegationFactory(department=w.dept_a, state="approved", staff_posts=0,
                                   funding_wan_yuan=0, townships=[w.township_a, w.township_b])
    case = Case.objects.get(subject=f"delegation:{delegation.pk}")
    for persona, code in (("township_a", "990101101"), ("township_b", "990101102")):
        client = client_for(w, persona)
        detail = client.get(url(f"cases/{case.pk}/")).json()
        assert {f["township"]["code"] for f in detail["flags"]} == {code}


# --------------------------------------------------------------------------- filters and queue


def test_cases_filter_by_status_overdue_township_department_and_rule(scene, case_a):
    office = client_for(scene.w, "office")
    post(office, case_a, "notify", {"deadline": TODAY.isoformat()})
    Case.objects.filter(pk=case_a.pk).update(due_on=TODAY - datetime.timedelta(days=1))
    assert [r["id"] for r in results(office.get(url("cases/?status=notified")))] == [case_a.pk]
    assert [r["id"] for r in results(office.get(url("cases/?overdue=true")))] == [case_a.pk]
    assert case_a.pk not in [r["id"] for r in results(office.get(url("cases/?overdue=false")))]
    rows = results(office.get(url("cases/?township=990101102")))
    assert rows and all("990101102" in {t["code"] for t in r["townships"]} for r in rows)
    rows = results(office.get(url("cases/?department=NYJ")))
    assert rows and {r["department"]["code"] for r in rows} == {"NYJ"}
    rows = results(office.get(url("cases/?rule=NOT_OWNING_DEPARTMENT")))
    assert all("NOT_OWNING_DEPARTMENT" in {x["code"] for x in r["rules"]} for r in rows)
    rows = results(office.get(url("cases/?severity=warning")))
    assert all(any(x["severity"] == "warning" for x in r["rules"]) for r in rows)
    flags = results(office.get(url("flags/?status=notified")))
    assert flags and {f["case"] for f in flags} == {case_a.pk}


@pytest.mark.parametrize("query, parameter", [
    ("cases/?status=lost", "status"),
    ("cases/?rule=NO_SUCH_RULE", "rule"),
    ("cases/?severity=fatal", "severity"),
    ("cases/?township=990101999", "township"),
    ("cases/?overdue=perhaps", "overdue"),
    ("flags/?status=lost", "status"),
    ("flags/?case=abc", "case"),
    ("flags/summary/?status=lost", "status"),
])
def test_a_bad_case_filter_is_a_400_naming_the_parameter(scene, query, parameter):
    response = client_for(scene.w, "office").get(url(query))
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize("value", ["x", "-1", "9" * 5000, "\x00", "%(x)s", "[]"])
def test_fuzzed_case_parameters_never_cause_a_500(scene, value):
    client = client_for(scene.w, "office")
    for name in ("status", "overdue", "rule", "severity", "township", "department", "county"):
        assert client.get(url("cases/"), {name: value}).status_code in (200, 400)
    for name in ("status", "case"):
        assert client.get(url("flags/"), {name: value}).status_code in (200, 400)
    assert client.get(url(f"cases/{'9' * 30}/")).status_code == 404


def test_the_queue_puts_the_nearest_deadline_first_and_closed_cases_last(scene, case_a):
    office = client_for(scene.w, "office")
    other = case_of(scene.asg_b, scene.w.township_b)
    closed = case_of(scene.asg_report_a, scene.w.township_a)
    post(office, other, "notify", {"deadline": (TODAY + datetime.timedelta(days=3)).isoformat()})
    post(office, case_a, "notify", {"deadline": (TODAY + datetime.timedelta(days=9)).isoformat()})
    post(office, closed, "close", {"resolution": "corrected"})
    ids = [r["id"] for r in results(office.get(url("cases/?county=990101&limit=500")))]
    assert ids[:2] == [other.pk, case_a.pk] and ids[-1] == closed.pk


def test_the_case_list_runs_a_constant_number_of_queries(scene):
    office = client_for(scene.w, "office")
    office.get(url("cases/"))

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = office.get(url("cases/"))
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    small, n = count()
    for i in range(6):
        item = DutyItemFactory(county=scene.w.county, department=scene.w.dept_a)
        AssignmentFactory(department=scene.w.dept_a, duty_item=item, title=f"任务{i}",
                          townships=[scene.w.township_a, scene.w.township_b])
    large, m = count()
    assert m > n and large == small
