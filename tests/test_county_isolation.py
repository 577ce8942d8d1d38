"""An office limited to county A sees nothing of county B that is not public: not in the API,
not on the pages, not in the exports (the admin: tests/test_admin_scope.py).

County B is the demo county, with its whole life (requests in every state, objections,
decisions, assignments, flags); county A is 示范县 with its own office. Public reference data
(counties, townships, departments, the catalog, published lists) is everybody's; what must not
cross is B's work: its requests, assignments, opinions, flags and cases.
"""

import pytest
from django.core.management import call_command
from django.test import Client

from delegations.models import Assignment, Delegation, TownshipOpinion
from duties.models import DutyItem
from tests.factories import make_user
from townships.models import County, Profile

pytestmark = pytest.mark.django_db

API = "/api/v1/"


@pytest.fixture
def two_counties(world):
    call_command("load_demo", verbosity=0)
    county_b = County.objects.exclude(pk=world.county.pk).get()
    office_a = make_user(Profile.Role.OFFICE, username="office_a", county=world.county)
    client = Client()
    client.force_login(office_a)
    public_names = set(DutyItem.objects.values_list("name", flat=True))
    markers = {
        text
        for text in [
            *Assignment.objects.filter(department__county=county_b).values_list("title", flat=True),
            *Delegation.objects.filter(department__county=county_b).values_list("reason", flat=True),
            *TownshipOpinion.objects.values_list("text", flat=True),
        ]
        if len(text) >= 6 and text not in public_names
    }
    assert len(markers) > 10  # the demo's work is there to leak
    return client, county_b, markers


def leaked(body: str, markers) -> list:
    return sorted(m for m in markers if m in body)


@pytest.mark.parametrize("path", [
    "delegations/", "assignments/", "flags/", "flags/summary/", "cases/",
])
def test_the_api_lists_nothing_of_another_county(two_counties, path):
    client, county_b, markers = two_counties
    response = client.get(API + path + "?page_size=500")
    assert response.status_code == 200
    assert leaked(response.content.decode(), markers) == []
    if "results" in response.json():
        for row in response.json()["results"]:
            department = row.get("department") or {}
            assert not str(department.get("code", "")).startswith("YL"), row


def test_the_api_refuses_another_countys_objects(two_counties):
    client, county_b, _markers = two_counties
    delegation = Delegation.objects.filter(department__county=county_b).first()
    assignment = Assignment.objects.filter(department__county=county_b).first()
    assert client.get(f"{API}delegations/{delegation.pk}/").status_code == 404
    assert client.get(f"{API}assignments/{assignment.pk}/").status_code == 404
    # Asking for the other county's flags gives none (the office's own scope still applies).
    assert client.get(f"{API}flags/?county={county_b.code}").json()["count"] == 0


@pytest.mark.parametrize("path", [
    "/home/", "/requests/", "/requests/review/", "/assignments/", "/dashboard/",
    "/dashboard/flags/",
])
def test_the_pages_show_nothing_of_another_county(two_counties, path):
    client, _county_b, markers = two_counties
    response = client.get(path)
    assert response.status_code == 200
    assert leaked(response.content.decode(), markers) == []


def test_the_pages_refuse_another_countys_objects(two_counties):
    client, county_b, _markers = two_counties
    delegation = Delegation.objects.filter(department__county=county_b).first()
    assignment = Assignment.objects.filter(department__county=county_b).first()
    assert client.get(f"/requests/{delegation.pk}/").status_code == 404
    assert client.get(f"/assignments/{assignment.pk}/").status_code == 404


def test_the_past_work_exports_hold_nothing_of_another_county(two_counties, tmp_path):
    client, county_b, markers = two_counties
    from duties.excel import export_file
    from tests.factories_excel import read_xlsx

    for kind in ("assignments", "delegations"):
        rows = read_xlsx(export_file(kind, county=County.objects.get(code="990101")))
        assert leaked(repr(rows), markers) == []
