"""REST API: assignments — listing within scope, logging by departments, reporting by townships."""

import pytest

from delegations.models import Assignment
from tests.api_helpers import (  # noqa: F401  (fixtures)
    PERSONAS,
    client_for,
    results,
    scene,
    url,
)

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "department": "YJJ",
        "townships": ["990101101"],
        "title": "开展汛期地质灾害隐患排查",
        "duty_item": "A900",
        "channel": "notice",
        "responsibility": "main",
        "document_no": "示应急〔2025〕8号",
        "assigned_on": "2025-05-06",
        "description": "各乡镇于5月底前完成排查并报送台账",
    }
    data.update(overrides)
    return data


def ids(rows):
    return sorted(row["id"] for row in rows)


VISIBLE = {
    "office": {"asg_a", "asg_b", "asg_report_a", "asg_c"},
    "dept_a": {"asg_a"},
    "dept_b": {"asg_b", "asg_report_a"},
    "township_a": {"asg_a", "asg_report_a"},
    "township_b": {"asg_b"},
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_each_persona_lists_only_the_assignments_in_its_scope(scene, persona):
    rows = results(client_for(scene.w, persona).get(url("assignments/")))
    assert ids(rows) == sorted(getattr(scene, name).pk for name in VISIBLE[persona])


def test_the_public_may_not_list_assignments(scene):
    assert client_for(scene.w, "anonymous").get(url("assignments/")).status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_assignment_is_readable_within_scope_and_a_404_outside(scene, persona):
    response = client_for(scene.w, persona).get(url(f"assignments/{scene.asg_a.pk}/"))
    if persona == "anonymous":
        assert response.status_code == 403
    elif "asg_a" in VISIBLE[persona]:
        assert response.status_code == 200
        data = response.json()
        assert data["department"] == {"code": "YJJ", "name": "示范县应急管理局"}
        assert data["townships"] == [{"code": "990101101", "name": "东城镇"}]
        assert data["duty_item"] == {"code": "A900", "name": "森林防火巡查"}
    else:
        assert response.status_code == 404


def test_a_township_report_names_the_reporting_township(scene):
    data = client_for(scene.w, "township_a").get(url(f"assignments/{scene.asg_report_a.pk}/")).json()
    assert data["recorded_by"] == "township"
    assert data["reporting_township"] == {"code": "990101101", "name": "东城镇"}


def test_assignments_filter_by_county_department_township_channel_and_dates(scene):
    client = client_for(scene.w, "office")
    assert ids(results(client.get(url("assignments/?county=990102")))) == [scene.asg_c.pk]
    assert ids(results(client.get(url("assignments/?department=NYJ")))) == sorted(
        [scene.asg_b.pk, scene.asg_report_a.pk]
    )
    assert ids(results(client.get(url("assignments/?township=990101102")))) == [scene.asg_b.pk]
    assert ids(results(client.get(url("assignments/?recorded_by=township")))) == [
        scene.asg_report_a.pk
    ]
    assert ids(results(client.get(url("assignments/?assigned_from=2025-03-03")))) == sorted(
        [scene.asg_report_a.pk, scene.asg_c.pk]
    )
    assert ids(results(client.get(url("assignments/?assigned_to=2025-03-01")))) == [scene.asg_a.pk]
    assert results(client.get(url("assignments/?channel=pledge"))) == []
    for query, parameter in [
        ("channel=fax", "channel"),
        ("responsibility=all", "responsibility"),
        ("assigned_from=2025-02-30", "assigned_from"),
        ("assigned_to=March", "assigned_to"),
        ("township=990101999", "township"),
        ("department=NOPE", "department"),
    ]:
        response = client.get(url(f"assignments/?{query}"))
        assert response.status_code == 400, query
        assert list(response.json()["errors"]) == [parameter]


# --- creating ------------------------------------------------------------------------------


def test_a_department_user_logs_an_assignment_of_its_own_department(scene):
    response = client_for(scene.w, "dept_a").post(url("assignments/"), body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["recorded_by"] == "department"
    assert data["reporting_township"] is None
    assert data["duty_item"]["code"] == "A900"
    assert data["responsibility"] == "main"
    assignment = Assignment.objects.get(pk=data["id"])
    assert assignment.created_by == scene.w.dept_a_user
    assert [t.code for t in assignment.townships.all()] == ["990101101"]


@pytest.mark.parametrize("persona", ["dept_b", "township_b"])
def test_nobody_else_logs_an_assignment_of_department_a_for_township_a(scene, persona):
    response = client_for(scene.w, persona).post(url("assignments/"), body(), format="json")
    assert response.status_code == 403
    assert not Assignment.objects.filter(title=body()["title"]).exists()


def test_the_office_records_any_departments_assignment(scene):
    response = client_for(scene.w, "office").post(
        url("assignments/"), body(townships=["990101101", "990101102"]), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["recorded_by"] == "office"
    assert len(response.json()["townships"]) == 2


def test_a_township_user_reports_work_pushed_onto_its_own_township(scene):
    response = client_for(scene.w, "township_a").post(
        url("assignments/"), body(department="NYJ", duty_item="B900"), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["recorded_by"] == "township"
    assert data["reporting_township"] == {"code": "990101101", "name": "东城镇"}
    assert data["department"]["code"] == "NYJ"


@pytest.mark.parametrize("townships", [["990101102"], ["990101101", "990101102"]])
def test_a_township_user_may_not_report_for_another_township(scene, townships):
    response = client_for(scene.w, "township_a").post(
        url("assignments/"), body(townships=townships), format="json"
    )
    assert response.status_code == 403
    assert not Assignment.objects.filter(title=body()["title"]).exists()


def test_the_public_may_not_create_assignments(scene):
    response = client_for(scene.w, "anonymous").post(url("assignments/"), body(), format="json")
    assert response.status_code == 403


def test_an_assignment_missing_fields_is_a_400_naming_each(scene):
    response = client_for(scene.w, "dept_a").post(url("assignments/"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "department", "townships", "title", "channel", "assigned_on"
    }


@pytest.mark.parametrize(
    "overrides, fields",
    [
        ({"channel": "fax"}, {"channel"}),
        ({"responsibility": "all"}, {"responsibility"}),
        ({"duty_item": "NOPE"}, {"duty_item"}),
        ({"duty_item": ["A900"]}, {"duty_item"}),
        ({"townships": []}, {"townships"}),
        ({"townships": ["990101999"]}, {"townships"}),
        ({"department": "NOPE"}, {"department"}),
        ({"assigned_on": "2025-13-01"}, {"assigned_on"}),
        ({"title": ""}, {"title"}),
        ({"title": "x" * 301}, {"title"}),
        ({"county": "abc"}, {"county"}),
        ({"recorded_by": "township"}, {"recorded_by"}),
        ({"townships": ["990102101"]}, {"townships"}),
        ({"channel": "fax", "assigned_on": None, "townships": ["x"]},
         {"channel", "assigned_on", "townships"}),
    ],
)
def test_an_assignment_with_wrong_fields_is_a_400_naming_each(scene, overrides, fields):
    response = client_for(scene.w, "dept_a").post(url("assignments/"), body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields


def test_a_task_without_an_item_may_be_logged(scene):
    response = client_for(scene.w, "dept_a").post(
        url("assignments/"), body(duty_item=None), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["duty_item"] is None


def test_a_one_megabyte_description_is_a_400_and_nothing_is_stored(scene):
    before = Assignment.objects.count()
    response = client_for(scene.w, "dept_a").post(
        url("assignments/"), body(description="x" * 1_000_000), format="json"
    )
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["description"]
    assert "20000" in response.json()["errors"]["description"][0]
    assert Assignment.objects.count() == before
