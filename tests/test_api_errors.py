"""REST API: pagination limits and error handling — bad input is a JSON 4xx, never a 500."""

import json

import pytest
from django.test import override_settings

from config.api import MAX_PAGE_SIZE
from config.limits import JSON_MAX_DEPTH
from delegations.models import Assignment, Delegation
from tests.api_helpers import (  # noqa: F401  (fixtures)
    client_for,
    scene,
    url,
)
from townships.models import Township

pytestmark = pytest.mark.django_db

PAGE = ["limit", "offset"]
# Each endpoint with the query parameters it reads (plus one it does not know).
ENDPOINT_PARAMETERS = {
    "counties/": ["county", "q", *PAGE],
    "townships/": ["county", "kind", "category", "q", *PAGE],
    "departments/": ["county", "kind", "q", *PAGE],
    "duty-items/": ["county", "department", "category", "q", *PAGE],
    "townships/990101101/lists/": ["kind", "as_of", *PAGE],
    "delegations/": ["county", "department", "township", "state", "mode", *PAGE],
    "assignments/": [
        "county", "department", "township", "channel", "responsibility", "recorded_by",
        "assigned_from", "assigned_to", *PAGE,
    ],
    "flags/": ["county", "township", "department", "rule", "severity", *PAGE],
    "flags/summary/": ["county", "township", "department", "rule", "severity"],
    "departments/YJJ/": ["county"],
    "duty-items/A001/": ["county"],
    "townships/990101101/": ["county"],
}
BAD_VALUES = [
    "x",
    "-1",
    "1e3",
    "9" * 5000,
    "2024-13-45",
    "9999-12-31",
    "0001-01-01",
    "'; DROP TABLE x; --",
    "\x00",
    "\u202e东城镇",
    "a,b,,c",
    "[]",
    "%",
    "a%s",
    "%(x)s%d",
]


def assert_json_4xx_or_200(response):
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    if response.status_code >= 400:
        assert response.json()["detail"]


@pytest.mark.parametrize("parameter", ["limit", "offset"])
@pytest.mark.parametrize("value", ["ten", "1.5", "-1", "1e3", "9" * 5000])
def test_a_malformed_page_parameter_is_a_400_naming_it(scene, parameter, value):
    response = client_for(scene.w, "office").get(url(f"counties/?{parameter}={value}"))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [parameter]
    assert parameter in response.json()["detail"]


def test_an_address_under_the_api_that_matches_nothing_is_a_json_404(scene):
    for path in ("/api/v1/nothing/", "/api/v1/townships/a/b/lists/", "/api/"):
        response = client_for(scene.w, "office").get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"] == "该地址没有对应的 API 接口。"


def nested(depth):
    return "[" * depth + "]" * depth


ASSIGNMENT = {
    "department": "YJJ", "townships": ["990101101"], "title": "深层嵌套", "channel": "notice",
    "responsibility": "main", "assigned_on": "2025-03-01",
}


@override_settings(DEBUG=False)
@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 1000, 100_000])
def test_json_nested_too_deep_is_a_400_in_chinese_and_nothing_is_written(scene, depth):
    before = (Delegation.objects.count(), Assignment.objects.count())
    client = client_for(scene.w, "dept_a")
    for path, field in (("assignments/", "description"), ("delegations/", "reason")):
        body = json.dumps({**ASSIGNMENT, field: "x"})[:-1] + f', "extra": {nested(depth)}}}'
        response = client.generic("POST", url(path), body, content_type="application/json")
        assert response.status_code == 400, response.content[:300]
        assert response.json()["detail"] == f"JSON 请求内容嵌套超过 {JSON_MAX_DEPTH} 层。"
    assert (Delegation.objects.count(), Assignment.objects.count()) == before


def test_json_nested_within_the_limit_is_parsed(scene):
    body = json.dumps({**ASSIGNMENT, "extra": json.loads(nested(JSON_MAX_DEPTH - 1))})
    response = client_for(scene.w, "dept_a").generic(
        "POST", url("assignments/"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["extra"]  # refused as an unknown field, not as JSON


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_json_body_over_the_size_limit_is_a_413_and_nothing_is_written(scene):
    body = json.dumps({**ASSIGNMENT, "description": "长" * 10_000})
    response = client_for(scene.w, "dept_a").generic(
        "POST", url("assignments/"), body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "KB" in response.json()["detail"]
    assert not Assignment.objects.filter(title="深层嵌套").exists()


def test_a_zero_limit_is_a_400(scene):
    response = client_for(scene.w, "office").get(url("townships/?limit=0"))
    assert response.status_code == 400
    assert "limit" in response.json()["errors"]


def test_the_page_size_is_capped(world):
    Township.objects.bulk_create(
        Township(county=world.county, code=f"990101{n:03d}", name=f"镇{n}") for n in range(200, 720)
    )
    response = client_for(world, "anonymous").get(url("townships/?limit=100000"))
    data = response.json()
    assert data["count"] == 522
    assert len(data["results"]) == MAX_PAGE_SIZE
    assert f"limit={MAX_PAGE_SIZE}" in data["next"]


def test_pages_follow_one_another(world):
    response = client_for(world, "anonymous").get(url("townships/?limit=1"))
    data = response.json()
    assert data["count"] == 2 and data["previous"] is None
    second = client_for(world, "anonymous").get(data["next"]).json()
    assert [r["code"] for r in data["results"] + second["results"]] == ["990101101", "990101102"]
    assert second["next"] is None


def test_an_offset_past_the_end_gives_an_empty_page(world):
    data = client_for(world, "anonymous").get(url("townships/?offset=99999999999999999999")).json()
    assert data["results"] == [] and data["count"] == 2


def test_an_unknown_api_version_is_a_404(world):
    assert client_for(world, "office").get("/api/v2/counties/").status_code == 404


@override_settings(DEBUG=False)
@pytest.mark.parametrize("endpoint", list(ENDPOINT_PARAMETERS))
def test_fuzzed_query_parameters_never_cause_a_500(scene, endpoint):
    persona = "township_a" if endpoint.startswith("flags") else "office"
    client = client_for(scene.w, persona)
    for parameter in ENDPOINT_PARAMETERS[endpoint] + ["unknown"]:
        for value in BAD_VALUES:
            response = client.get(url(endpoint), {parameter: value})
            assert_json_4xx_or_200(response)


@pytest.mark.parametrize(
    "path",
    [
        "counties/%00/",
        "townships/'/",
        "townships/%E2%80%AE/lists/",
        "townships/9999999999999999999999/lists/",
        "departments/..%2F/",
        "duty-items/%20/",
        "delegations/0/",
        "delegations/99999999999999999999999999/",
        "assignments/99999999999999999999999999/",
        "delegations/99999999999999999999999999/submit/",
    ],
)
def test_fuzzed_paths_never_cause_a_500(scene, path):
    for persona in ("office", "anonymous"):
        response = client_for(scene.w, persona).get(url(path))
        assert response.status_code in (403, 404, 405), (path, response.status_code)


BAD_BODIES = [
    None,
    [],
    "text",
    123,
    {"department": None, "townships": None, "duty_items": None, "mode": None},
    {"department": ["YJJ"], "townships": [1, 2], "duty_items": [{"code": "A"}]},
    {"department": "YJJ", "townships": [["990101101"]], "duty_items": [None]},
    {"effective_from": "9999-99-99", "assigned_on": "0000-00-00", "revoked_on": "x"},
    {"staff_posts": 10**30, "funding_wan_yuan": 10**30},
    {"funding_wan_yuan": "NaN", "staff_posts": "Infinity"},
    {"agreement": [], "submit": "yes please"},
    {"decision": ["approve"], "decision_no": {"a": 1}, "note": None},
    {"opinion": None, "township": 990101101, "text": ["x"]},
    {"county": 990101, "department": "YJJ", "townships": ["990101101"]},
    {"title": None, "channel": [], "duty_item": 1, "responsibility": True},
    {"x" * 1000: "y"},
    {"department": "Y\x00", "townships": ["99\x00"], "duty_items": ["\x00"], "duty_item": "\x00",
     "county": "\x00", "title": "\x00", "township": "\x00", "opinion": "\x00"},
    {"department": "YJJ", "townships": ["990101101", "\x00"], "duty_items": ["A900\x00"]},
]
POST_ENDPOINTS = [
    "delegations/",
    "assignments/",
    "delegations/{draft}/submit/",
    "delegations/{sub}/withdraw/",
    "delegations/{sub}/opinion/",
    "delegations/{sub}/decide/",
    "delegations/{sub}/revoke/",
]


@override_settings(DEBUG=False)
@pytest.mark.parametrize("persona", ["office", "dept_a", "township_a"])
@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_fuzzed_bodies_never_cause_a_500(scene, endpoint, persona):
    client = client_for(scene.w, persona)
    path = url(endpoint.format(draft=scene.del_a_draft.pk, sub=scene.del_a_sub.pk))
    for data in BAD_BODIES:
        response = client.post(path, data, format="json")
        assert_json_4xx_or_200(response)
    for raw, content_type in [("{not json", "application/json"), ("a=b", "text/plain"),
                              ("\xff\xfe", "application/json")]:
        response = client.generic("POST", path, raw, content_type=content_type)
        assert response.status_code < 500, response.content[:300]


def test_a_400_names_each_wrong_field_in_errors_and_in_the_message(scene):
    response = client_for(scene.w, "dept_a").post(
        url("assignments/"), {"title": "", "channel": "fax"}, format="json"
    )
    data = response.json()
    assert response.status_code == 400
    assert {"title", "channel", "department", "townships", "assigned_on"} <= set(data["errors"])
    for field in ("title", "channel", "assigned_on"):
        assert field in data["detail"]


def test_methods_an_endpoint_does_not_offer_are_a_405(scene):
    client = client_for(scene.w, "office")
    assert client.post(url("counties/"), {}, format="json").status_code == 405
    assert client.delete(url(f"delegations/{scene.del_a_draft.pk}/")).status_code == 405
    assert client.put(url("flags/"), {}, format="json").status_code == 405


@override_settings(DEBUG=False)
def test_the_extreme_dates_of_the_calendar_never_cause_a_500(scene):
    office, dept_a = client_for(scene.w, "office"), client_for(scene.w, "dept_a")
    for day in ("9999-12-31", "0001-01-01"):
        assert office.get(url(f"townships/990101101/lists/?as_of={day}")).status_code == 200
        response = dept_a.post(url("assignments/"), {
            "department": "YJJ", "townships": ["990101101"], "title": f"任务{day}",
            "channel": "pledge", "responsibility": "main", "assigned_on": day,
        }, format="json")
        assert response.status_code == 201, response.content
        response = dept_a.post(url("delegations/"), {
            "department": "YJJ", "mode": "assign", "duty_items": ["A900"],
            "townships": ["990101101"], "reason": "x", "legal_basis": "y",
            "effective_from": day, "effective_to": "9999-12-31", "submit": True,
        }, format="json")
        assert response.status_code == 201, response.content
    for path in ("flags/", "flags/summary/", "delegations/", "assignments/"):
        assert office.get(url(path)).status_code == 200, path


@override_settings(DEBUG=False)
@pytest.mark.parametrize("persona", ["office", "dept_a", "anonymous"])
def test_the_browsable_api_renders_every_endpoint(scene, persona):
    client = client_for(scene.w, persona)
    paths = ["", *ENDPOINT_PARAMETERS, f"delegations/{scene.del_a_sub.pk}/",
             f"assignments/{scene.asg_a.pk}/", "townships/990101101/lists/?as_of=2025-01-01"]
    for path in paths:
        response = client.get(url(path), HTTP_ACCEPT="text/html")
        assert response.status_code in (200, 400, 403), (path, response.status_code)
