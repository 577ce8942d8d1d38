"""REST API: flags and flags/summary — scope per persona, filters, shape, and bad input."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api_helpers import (  # noqa: F401  (fixtures)
    client_for,
    results,
    scene,
    url,
)

pytestmark = pytest.mark.django_db
# After each test, the flag store equals the rules computed today.
from tests.factories import store_follows_every_test, the_store_follows  # noqa: E402, F401

FLAG_KEYS = {
    "rule", "severity", "title", "message", "township", "department", "duty_item",
    "assignment", "delegation", "evidence", "source", "id", "case", "status",
}


def flags(client, query=""):
    return results(client.get(url("flags/") + (f"?{query}&limit=500" if query else "?limit=500")))


def unlisted(rows):
    return sorted(
        (r["township"]["code"], r["department"]["code"] if r["department"] else None, r["assignment"])
        for r in rows
        if r["rule"] == "UNLISTED_ASSIGNMENT"
    )


def test_the_office_sees_every_countys_offloaded_assignments(scene):
    rows = flags(client_for(scene.w, "office"))
    found = unlisted(rows)
    assert ("990101101", "YJJ", scene.asg_a.pk) in found
    assert ("990101102", "NYJ", scene.asg_b.pk) in found
    assert ("990102101", "YJJ", scene.asg_c.pk) in found


def test_a_flag_has_the_contract_shape(scene):
    rows = flags(client_for(scene.w, "office"), "rule=UNLISTED_ASSIGNMENT&township=990101101")
    flag = next(r for r in rows if r["assignment"] == scene.asg_a.pk)
    assert set(flag) == FLAG_KEYS
    assert flag["severity"] == "error"
    assert flag["township"] == {"code": "990101101", "name": "东城镇"}
    assert flag["department"] == {"code": "YJJ", "name": "示范县应急管理局"}
    assert flag["duty_item"] == {"code": "A900", "name": "森林防火巡查"}
    assert flag["title"] and flag["message"] and flag["source"]
    assert isinstance(flag["evidence"], dict)
    assert isinstance(flag["id"], int) and isinstance(flag["case"], int)
    assert flag["status"] == "open"


@pytest.mark.parametrize("persona", ["dept_a", "dept_b"])
def test_a_department_user_sees_only_the_flags_naming_its_department(scene, persona):
    rows = flags(client_for(scene.w, persona))
    department = scene.w.dept_a if persona == "dept_a" else scene.w.dept_b
    assert rows, "the department's own offloading is flagged"
    assert {(r["department"] or {}).get("name") for r in rows} == {department.name}
    assert {r["township"]["code"][:6] for r in rows} == {"990101"}


@pytest.mark.parametrize("persona", ["township_a", "township_b"])
def test_a_township_user_sees_only_its_own_townships_flags(scene, persona):
    rows = flags(client_for(scene.w, persona))
    township = scene.w.township_a if persona == "township_a" else scene.w.township_b
    assert rows
    assert {r["township"]["code"] for r in rows} == {township.code}


def test_a_county_office_sees_only_its_countys_flags(scene):
    client = APIClient()
    client.force_authenticate(scene.county_office)
    rows = flags(client)
    assert rows
    assert {r["township"]["code"][:6] for r in rows} == {"990101"}


@pytest.mark.parametrize("path", ["flags/", "flags/summary/"])
def test_the_public_may_not_read_flags(scene, path):
    response = client_for(scene.w, "anonymous").get(url(path))
    assert response.status_code == 403
    assert response.json()["detail"]


def test_flags_filter_by_township_department_county_rule_and_severity(scene):
    client = client_for(scene.w, "office")
    assert {r["township"]["code"] for r in flags(client, "township=990101102")} == {"990101102"}
    assert {r["township"]["code"][:6] for r in flags(client, "county=990102")} == {"990102"}
    rows = flags(client, "department=NYJ")
    assert rows and {r["department"]["code"] for r in rows} == {"NYJ"}
    rows = flags(client, "department=YJJ&county=990102")
    assert rows and {r["township"]["code"][:6] for r in rows} == {"990102"}
    assert {r["rule"] for r in flags(client, "rule=UNLISTED_ASSIGNMENT")} == {"UNLISTED_ASSIGNMENT"}
    assert {r["severity"] for r in flags(client, "severity=warning")} <= {"warning"}
    assert {r["severity"] for r in flags(client, "severity=error")} == {"error"}


def test_several_rules_may_be_asked_for(scene):
    client = client_for(scene.w, "office")
    both = flags(client, "rule=UNLISTED_ASSIGNMENT,NOT_OWNING_DEPARTMENT")
    repeated = flags(client, "rule=UNLISTED_ASSIGNMENT&rule=NOT_OWNING_DEPARTMENT")
    assert both == repeated
    assert {r["rule"] for r in both} <= {"UNLISTED_ASSIGNMENT", "NOT_OWNING_DEPARTMENT"}


def test_a_filter_outside_the_users_scope_gives_no_flags(scene):
    client = client_for(scene.w, "dept_a")
    response = client.get(url("flags/?department=NYJ"))
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert client_for(scene.w, "township_a").get(url("flags/?township=990101102")).json()["count"] == 0


FILTER_ERRORS = [
    ("rule=NO_SUCH_RULE", "rule"),
    ("rule=UNLISTED_ASSIGNMENT,BOGUS", "rule"),
    ("severity=fatal", "severity"),
    ("township=990101999", "township"),
    ("county=999999", "county"),
    ("department=NOPE", "department"),
    ("department=YJJ", "department"),  # two counties use YJJ: name the county
]
PAGE_ERRORS = [("limit=ten", "limit"), ("offset=-5", "offset")]


@pytest.mark.parametrize(
    "path, query, parameter",
    [("flags/", q, p) for q, p in FILTER_ERRORS + PAGE_ERRORS]
    + [("flags/summary/", q, p) for q, p in FILTER_ERRORS],
)
def test_a_bad_flag_filter_is_a_400_naming_the_parameter(scene, path, query, parameter):
    response = client_for(scene.w, "office").get(url(f"{path}?{query}"))
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [parameter]


@pytest.mark.parametrize("persona", ["office", "dept_a", "dept_b", "township_a", "township_b"])
def test_the_summary_counts_agree_with_the_list(scene, persona):
    client = client_for(scene.w, persona)
    listed = client.get(url("flags/?limit=500")).json()
    summary = client.get(url("flags/summary/")).json()
    assert set(summary) == {"by_rule", "by_department", "by_township"}
    assert sum(summary["by_rule"].values()) == listed["count"]
    assert sum(summary["by_township"].values()) == listed["count"]
    by_township = {}
    for row in listed["results"]:
        code = row["township"]["code"]
        by_township[code] = by_township.get(code, 0) + 1
    assert {k: v for k, v in summary["by_township"].items() if v} == by_township


def test_the_summary_follows_the_filters(scene):
    client = client_for(scene.w, "office")
    summary = client.get(url("flags/summary/?township=990101101&rule=UNLISTED_ASSIGNMENT")).json()
    assert set(k for k, v in summary["by_township"].items() if v) == {"990101101"}
    assert set(k for k, v in summary["by_rule"].items() if v) == {"UNLISTED_ASSIGNMENT"}


def test_approving_a_delegation_that_covers_an_assignment_clears_its_flag(scene):
    office, dept_a = client_for(scene.w, "office"), client_for(scene.w, "dept_a")
    query = "rule=UNLISTED_ASSIGNMENT&township=990101101"
    assert scene.asg_a.pk in [r["assignment"] for r in flags(office, query)]
    response = dept_a.post(url("delegations/"), {
        "department": "YJJ", "mode": "assign", "duty_items": ["A900"],
        "townships": ["990101101"], "reason": "森林防火", "legal_basis": "《森林防火条例》",
        "staff_posts": 1, "funding_wan_yuan": 5, "effective_from": "2025-01-01", "submit": True,
    }, format="json")
    assert response.status_code == 201, response.content
    delegation = response.json()["id"]
    response = office.post(url(f"delegations/{delegation}/decide/"),
                           {"decision": "approve", "decision_no": "示县委〔2025〕9号",
                            "legal_review": "passed"}, format="json")
    assert response.status_code == 200, response.content
    assert scene.asg_a.pk not in [r["assignment"] for r in flags(office, query)]
    # Revoked today: the earlier assignment stays covered, a later one is flagged again.
    today = timezone.localdate()
    response = office.post(url(f"delegations/{delegation}/revoke/"),
                           {"revoked_on": today.isoformat(), "note": "任务调整",
                            "document_no": "示县委〔2025〕10号"}, format="json")
    assert response.status_code == 200, response.content
    response = dept_a.post(url("assignments/"), {
        "department": "YJJ", "townships": ["990101101"], "title": "森林防火巡查（续）",
        "duty_item": "A900", "channel": "notice",
        "assigned_on": (today + datetime.timedelta(days=1)).isoformat(),
    }, format="json")
    assert response.status_code == 201, response.content
    flagged = [r["assignment"] for r in flags(office, query)]
    assert response.json()["id"] in flagged
    assert scene.asg_a.pk not in flagged
