"""REST API: counties, townships, departments and the duty catalog (public reference data)."""

import pytest

from tests.api_helpers import (  # noqa: F401  (fixtures)
    PERSONAS,
    client_for,
    codes,
    results,
    scene,
    url,
)
from tests.factories import DepartmentAliasFactory, TownshipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_the_reference_lists_of_every_county(scene, persona):
    client = client_for(scene.w, persona)
    assert codes(results(client.get(url("counties/")))) == ["990101", "990102"]
    assert codes(results(client.get(url("townships/")))) == [
        "990101101", "990101102", "990102101"
    ]
    departments = results(client.get(url("departments/")))
    assert sorted((d["county"]["code"], d["code"]) for d in departments) == [
        ("990101", "NYJ"), ("990101", "YJJ"), ("990102", "YJJ")
    ]
    items = results(client.get(url("duty-items/")))
    assert len(items) == 5


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_one_object_by_its_code(scene, persona):
    client = client_for(scene.w, persona)
    assert client.get(url("counties/990101/")).json()["name"] == "示范县"
    township = client.get(url("townships/990101101/")).json()
    assert township["name"] == "东城镇"
    assert township["county"] == {"code": "990101", "name": "示范县"}
    assert client.get(url("departments/NYJ/")).json()["name"] == "示范县农业农村局"
    assert client.get(url("duty-items/B001/")).json()["department"]["code"] == "NYJ"


@pytest.mark.parametrize(
    "path",
    ["counties/999999/", "townships/999999999/", "departments/NOPE/", "duty-items/NOPE/"],
)
def test_an_unknown_code_is_a_404_with_a_message(scene, path):
    response = client_for(scene.w, "anonymous").get(url(path))
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"] or "999999" in response.json()["detail"]


def test_a_department_code_shared_by_two_counties_needs_the_county(scene):
    client = client_for(scene.w, "office")
    response = client.get(url("departments/YJJ/"))
    assert response.status_code == 400
    assert "county" in response.json()["errors"]
    assert client.get(url("departments/YJJ/?county=990102")).json()["name"] == "邻县应急管理局"
    assert client.get(url("departments/YJJ/?county=990101")).json()["name"] == "示范县应急管理局"
    assert client.get(url("departments/YJJ/?county=990199")).status_code == 404


def test_an_item_code_shared_by_two_counties_needs_the_county(scene):
    client = client_for(scene.w, "office")
    assert client.get(url("duty-items/A001/")).status_code == 400
    item = client.get(url("duty-items/A001/?county=990101")).json()
    assert item["name"] == "危险化学品安全检查"
    assert item["county"]["code"] == "990101"


def test_townships_filter_by_county_kind_category_and_text(scene):
    client = client_for(scene.w, "anonymous")
    TownshipFactory(county=scene.w.county, code="990101103", name="北关街道", kind="subdistrict",
                    category="large")
    assert codes(results(client.get(url("townships/?county=990102")))) == ["990102101"]
    assert codes(results(client.get(url("townships/?kind=township")))) == ["990101102"]
    assert codes(results(client.get(url("townships/?category=large")))) == ["990101103"]
    assert codes(results(client.get(url("townships/?q=东城")))) == ["990101101"]
    assert codes(results(client.get(url("townships/?county=990101&kind=subdistrict")))) == [
        "990101103"
    ]


def test_departments_filter_by_county_kind_and_text_including_aliases(scene):
    client = client_for(scene.w, "anonymous")
    DepartmentAliasFactory(department=scene.w.dept_b, name="农业局")
    assert codes(results(client.get(url("departments/?county=990101")))) == ["NYJ", "YJJ"]
    assert codes(results(client.get(url("departments/?q=农业局")))) == ["NYJ"]
    assert codes(results(client.get(url("departments/?q=应急&county=990102")))) == ["YJJ"]
    assert results(client.get(url("departments/?kind=stationed"))) == []
    nyj = client.get(url("departments/NYJ/")).json()
    assert nyj["aliases"] == ["农业局"]


def test_counties_filter_by_code_and_text(scene):
    client = client_for(scene.w, "anonymous")
    assert codes(results(client.get(url("counties/?county=990102")))) == ["990102"]
    assert codes(results(client.get(url("counties/?q=邻")))) == ["990102"]


def test_duty_items_filter_by_county_department_category_and_text(scene):
    client = client_for(scene.w, "anonymous")
    assert codes(results(client.get(url("duty-items/?county=990102")))) == ["A001"]
    assert codes(results(client.get(url("duty-items/?department=NYJ")))) == ["B001", "B900"]
    # YJJ names a department in both counties: without a county, items of both.
    assert len(results(client.get(url("duty-items/?department=YJJ")))) == 3
    assert codes(results(client.get(url("duty-items/?department=YJJ&county=990102")))) == ["A001"]
    assert codes(results(client.get(url("duty-items/?category=penalty")))) == ["B001"]
    assert codes(results(client.get(url("duty-items/?q=秸秆")))) == ["B900"]


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("townships/?county=123", "county"),
        ("townships/?county=999999", "county"),
        ("townships/?kind=city", "kind"),
        ("townships/?category=huge", "category"),
        ("departments/?kind=ministry", "kind"),
        ("departments/?county=abc", "county"),
        ("counties/?county=999999", "county"),
        ("duty-items/?department=NOPE", "department"),
        ("duty-items/?department=NYJ&county=990102", "department"),
        ("duty-items/?category=magic", "category"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_parameter(scene, path, parameter):
    response = client_for(scene.w, "anonymous").get(url(path))
    assert response.status_code == 400
    body = response.json()
    assert list(body["errors"]) == [parameter]
    assert parameter in body["detail"]
