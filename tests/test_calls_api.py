"""REST API: calls/ (GET; POST by a township), calls/{id}/ and the steps route, accept,
report, confirm, reopen, with the workflow's 400, 403, 404 and 409 rules; per persona, no call
of another scope leaks; a list page reads a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from delegations.calls import services as calls
from delegations.models import Call
from tests.api_helpers import PERSONAS, client_for, results, scene, url  # noqa: F401
from tests.factories import make_user
from townships.models import Profile

pytestmark = pytest.mark.django_db

FOUND = "巡查发现农药经营门店无证经营"


def post(client, path, body):
    return client.post(url(path), body, format="json")


def step(client, call, name, body=None):
    return post(client, f"calls/{call.pk}/{name}/", body or {})


@pytest.fixture
def listed(scene):
    """Township B calls dept B on the item of its territorial list (B001)."""
    return calls.file_call(scene.w.township_b_user, entry=scene.entry_territorial_b, found=FOUND)


@pytest.fixture
def unlisted(scene):
    """Township A calls on B001, which its territorial list does not hold: at the office."""
    return calls.file_call(scene.w.township_a_user, item=scene.item_b, found="发现疑似违规经营")


@pytest.fixture
def county_c_call(scene):
    user = make_user(Profile.Role.TOWNSHIP, username="township_c", township=scene.township_c)
    return calls.file_call(user, found="邻县的呼叫")


# --------------------------------------------------------------------------- the loop


def test_a_township_calls_the_department_reports_the_township_confirms(scene):
    w = scene.w
    township_b, dept_b = client_for(w, "township_b"), client_for(w, "dept_b")
    response = post(township_b, "calls/", {"entry": scene.entry_territorial_b.pk, "found": FOUND,
                                           "place": "西河乡集镇", "urgency": "urgent"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["lead_department"]["code"], body["township"]["code"],
            body["item"]["code"], body["list_entry"]) == (
        "routed", "NYJ", "990101102", "B001", scene.entry_territorial_b.pk)
    assert body["urgency"] == "urgent" and body["due_at"] and body["due_on"] is None
    assert body["overdue"] is False and body["answered_in_time"] is None
    assert [s["status"] for s in body["history"]] == ["routed"]
    call = Call.objects.get(pk=body["id"])

    response = step(dept_b, call, "accept", {"note": "已派员"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    response = step(dept_b, call, "report", {"report": "已责令停业整改"})
    assert (response.json()["status"], response.json()["report"]) == ("reported", "已责令停业整改")
    assert response.json()["answered_in_time"] is True
    response = step(township_b, call, "confirm")
    body = response.json()
    assert body["status"] == "confirmed"
    assert [s["user"] for s in body["history"]] == ["township_b", "dept_b", "dept_b", "township_b"]


def test_a_call_by_item_code_not_on_the_list_waits_for_the_office_which_routes_it(scene):
    w = scene.w
    response = post(client_for(w, "township_a"), "calls/", {"item": "B001", "found": "疑似违规"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["lead_department"], body["due_on"]) == ("at_office", None, None)
    call = Call.objects.get(pk=body["id"])
    response = step(client_for(w, "office"), call, "route", {"department": "NYJ", "note": "县乡联办"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["lead_department"]["code"]) == (
        "routed", "NYJ")
    assert response.json()["due_on"]


def test_a_reopen_needs_its_reason(scene, listed):
    w = scene.w
    calls.accept(w.dept_b_user, listed)
    calls.report(w.dept_b_user, listed, report="已处置")
    township_b = client_for(w, "township_b")
    response = step(township_b, listed, "reopen", {})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["reason"]
    response = step(township_b, listed, "reopen", {"reason": "门店仍在经营"})
    assert (response.json()["status"], response.json()["reopen_reason"]) == ("reopened", "门店仍在经营")


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("persona", ["office", "dept_a", "dept_b"])
def test_only_a_township_files_a_call(scene, persona):
    response = post(client_for(scene.w, persona), "calls/", {"found": FOUND})
    assert response.status_code == 403, response.content
    assert response.json()["detail"]
    assert not Call.objects.exists()


def test_the_public_sees_and_files_nothing(scene, listed):
    client = client_for(scene.w, "anonymous")
    assert client.get(url("calls/")).status_code in (401, 403)
    assert client.get(url(f"calls/{listed.pk}/")).status_code in (401, 403)
    assert post(client, "calls/", {"found": FOUND}).status_code in (401, 403)


@pytest.mark.parametrize("body, fields", [
    ({}, ["found"]),
    ({"found": FOUND, "item": "ZZZ"}, ["item"]),
    ({"found": FOUND, "item": "A001", "entry": 999999}, ["entry"]),
    ({"found": FOUND, "urgency": "soon"}, ["urgency"]),
    ({"found": FOUND, "colour": "red"}, ["colour"]),
    ({"found": 5}, ["found"]),
])
def test_a_bad_call_body_is_a_400_naming_its_fields(scene, body, fields):
    response = post(client_for(scene.w, "township_a"), "calls/", body)
    assert response.status_code == 400, response.content
    assert sorted(response.json()["errors"]) == sorted(fields)


def test_an_item_code_of_another_county_is_unknown(scene):
    # 邻县 has an item A001 too; township A's call names its own county's A001.
    response = post(client_for(scene.w, "township_a"), "calls/", {"item": "A001", "found": FOUND})
    assert response.json()["item"]["name"] == "危险化学品安全检查"


@pytest.mark.parametrize("persona, name, body", [
    ("dept_a", "accept", {}),  # a co-operating or other department: not the lead
    ("township_b", "accept", {}),
    ("office", "report", {"report": "x"}),
    ("dept_b", "confirm", {}),
    ("dept_b", "route", {"department": "YJJ"}),
])
def test_the_wrong_role_is_a_403(scene, listed, persona, name, body):
    response = step(client_for(scene.w, persona), listed, name, body)
    if persona == "dept_a":  # it cannot even see the call
        assert response.status_code == 404
    else:
        assert response.status_code == 403, response.content


def test_the_wrong_state_is_a_409(scene, listed):
    dept_b, township_b = client_for(scene.w, "dept_b"), client_for(scene.w, "township_b")
    assert step(dept_b, listed, "report", {"report": "x"}).status_code == 409
    assert step(township_b, listed, "confirm").status_code == 409
    assert step(client_for(scene.w, "office"), listed, "route", {"department": "NYJ"}).status_code == 409
    assert step(dept_b, listed, "accept").status_code == 200
    response = step(dept_b, listed, "accept")
    assert response.status_code == 409 and response.json()["code"]


def test_a_route_to_an_unknown_department_is_a_400(scene, unlisted):
    response = step(client_for(scene.w, "office"), unlisted, "route", {"department": "QQQ"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["department"]


@pytest.mark.parametrize("persona", ["dept_a", "township_a"])
def test_a_call_out_of_sight_is_a_404(scene, listed, persona):
    client = client_for(scene.w, persona)
    assert client.get(url(f"calls/{listed.pk}/")).status_code == 404
    assert step(client, listed, "confirm").status_code == 404


def test_another_countys_office_does_not_see_or_route(scene, unlisted):
    other = make_user(Profile.Role.OFFICE, username="office_c", county=scene.county_c)
    client = APIClient()
    client.force_authenticate(other)
    assert client.get(url(f"calls/{unlisted.pk}/")).status_code == 404
    assert step(client, unlisted, "route", {"department": "YJJ"}).status_code == 404
    assert results(client.get(url("calls/"))) == []


# --------------------------------------------------------------------------- scope per persona


@pytest.mark.parametrize("persona", ["office", "dept_a", "dept_b", "township_a", "township_b"])
def test_no_call_of_another_scope_leaks(scene, listed, unlisted, county_c_call, persona):
    w = scene.w
    client = client_for(w, persona)
    rows = results(client.get(url("calls/?limit=500")))
    expected = {
        "office": {listed.pk, unlisted.pk, county_c_call.pk},
        "dept_a": set(),
        "dept_b": {listed.pk},
        "township_a": {unlisted.pk},
        "township_b": {listed.pk},
    }[persona]
    assert {r["id"] for r in rows} == expected
    for call in Call.objects.exclude(pk__in=expected):
        assert client.get(url(f"calls/{call.pk}/")).status_code == 404
    for pk in expected:
        assert client.get(url(f"calls/{pk}/")).status_code == 200


def test_a_county_office_sees_only_its_countys_calls(scene, listed, county_c_call):
    client = APIClient()
    client.force_authenticate(scene.county_office)
    assert {r["county"]["code"] for r in results(client.get(url("calls/")))} == {"990101"}


# --------------------------------------------------------------------------- filters


def test_the_filters(scene, listed, unlisted):
    office = client_for(scene.w, "office")
    ids = lambda query: {r["id"] for r in results(office.get(url(f"calls/?{query}")))}  # noqa: E731
    assert ids("status=at_office") == {unlisted.pk}
    assert ids("status=routed,at_office") == {listed.pk, unlisted.pk}
    assert ids("township=990101102") == {listed.pk}
    assert ids("county=990101&department=NYJ") == {listed.pk}
    assert ids("overdue=true") == set()
    late = calls.file_call(scene.w.township_b_user, entry=scene.entry_territorial_b, found=FOUND,
                           now=timezone.now() - datetime.timedelta(days=30))
    assert ids("overdue=true") == {late.pk}
    assert late.pk not in ids("overdue=false")
    response = office.get(url("calls/?township=999999999"))
    assert response.status_code == 400 and list(response.json()["errors"]) == ["township"]
    assert office.get(url("calls/?status=lost")).status_code == 400


def test_a_list_page_reads_a_constant_number_of_queries(scene):
    office = client_for(scene.w, "office")

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = office.get(url("calls/"))
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    calls.file_call(scene.w.township_b_user, entry=scene.entry_territorial_b, found=FOUND)
    small, n = count()
    for i in range(6):
        calls.file_call(scene.w.township_b_user, entry=scene.entry_territorial_b, found=f"{FOUND}{i}")
        calls.file_call(scene.w.township_a_user, found=f"清单外{i}")
    large, m = count()
    assert m == n + 12 and large == small


def test_the_schema_documents_the_calls(scene):
    response = client_for(scene.w, "office").get(url("schema/"))
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/calls/", "/api/v1/calls/{id}/reopen/", "/api/v1/calls/{id}/route/"):
        assert path in text


def test_an_empty_code_in_a_form_body_is_a_400_not_left_out(scene):
    """A form cannot leave a field out by sending it empty: the schema says a code has at
    least one character (a schemathesis finding)."""
    from tests.api_helpers import client_for, url

    township = client_for(scene.w, "township_a")
    response = township.post(url("calls/"), {"item": "", "found": "发现问题", "urgency": "normal"},
                             format="multipart")
    assert response.status_code == 400, response.content
    assert "item" in response.json()["errors"]
