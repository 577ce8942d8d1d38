"""Shared pieces of the REST API tests: personas, clients and a scene with rows in two counties.

Import the fixtures into a test module to use them:
``from tests.api_helpers import scene  # noqa: F401``.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from townships.models import Profile

PERSONAS = ["office", "dept_a", "dept_b", "township_a", "township_b", "anonymous"]
SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


def url(path: str) -> str:
    return "/api/v1/" + path.lstrip("/")


def user_of(world, persona):
    return {
        "office": world.office,
        "dept_a": world.dept_a_user,
        "dept_b": world.dept_b_user,
        "township_a": world.township_a_user,
        "township_b": world.township_b_user,
        "anonymous": AnonymousUser(),
    }[persona]


def client_for(world, persona) -> APIClient:
    client = APIClient()
    if persona != "anonymous":
        client.force_authenticate(user_of(world, persona))
    return client


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def codes(rows, key="code"):
    return sorted(row[key] for row in rows)


def build_scene(world):
    """The world plus a second county (whose department shares dept A's code YJJ and whose
    item shares an item code), list entries, delegations in several states and assignments."""
    w = world
    s = SimpleNamespace(w=w)
    s.county_c = CountyFactory(code="990102", name="邻县")
    s.dept_c = DepartmentFactory(county=s.county_c, code="YJJ", name="邻县应急管理局")
    s.township_c = TownshipFactory(county=s.county_c, code="990102101", name="南山镇")

    s.item_a = DutyItemFactory(
        county=w.county, department=w.dept_a, code="A001", name="危险化学品安全检查"
    )
    s.item_b = DutyItemFactory(
        county=w.county, department=w.dept_b, code="B001", name="农药经营监管", category="penalty"
    )
    s.item_c = DutyItemFactory(
        county=s.county_c, department=s.dept_c, code="A001", name="邻县危险化学品检查"
    )
    s.item_unlisted_a = DutyItemFactory(
        county=w.county, department=w.dept_a, code="A900", name="森林防火巡查"
    )
    s.item_unlisted_b = DutyItemFactory(
        county=w.county, department=w.dept_b, code="B900", name="秸秆禁烧督查"
    )

    # Lists: a county-wide power entry, a territorial entry for township B only, a draft.
    s.entry_power = ListEntryFactory(kind="power", item=s.item_a)
    s.entry_territorial_b = ListEntryFactory(
        kind="territorial", item=s.item_b, townships=[w.township_b]
    )
    s.entry_draft = ListEntryFactory(kind="power", item=s.item_b, status="draft")
    s.entry_c = ListEntryFactory(kind="power", item=s.item_c)

    # Delegations.
    s.del_a_draft = DelegationFactory(
        department=w.dept_a, duty_items=[s.item_a], townships=[w.township_a]
    )
    s.del_a_sub = DelegationFactory(
        department=w.dept_a, duty_items=[s.item_a], townships=[w.township_a], state="submitted"
    )
    s.del_b_sub = DelegationFactory(
        department=w.dept_b, duty_items=[s.item_b], townships=[w.township_b], state="submitted"
    )
    s.del_c = DelegationFactory(
        department=s.dept_c, duty_items=[s.item_c], townships=[s.township_c], state="submitted"
    )

    # Assignments: each department hands its own township an item on none of its lists.
    s.asg_a = AssignmentFactory(
        department=w.dept_a,
        townships=[w.township_a],
        duty_item=s.item_unlisted_a,
        title="森林防火巡查任务",
        assigned_on=datetime.date(2025, 3, 1),
    )
    s.asg_b = AssignmentFactory(
        department=w.dept_b,
        townships=[w.township_b],
        duty_item=s.item_unlisted_b,
        title="秸秆禁烧督查任务",
        assigned_on=datetime.date(2025, 3, 2),
    )
    s.asg_report_a = AssignmentFactory(
        department=w.dept_b,
        townships=[w.township_a],
        title="东城镇报告的交办",
        recorded_by="township",
        reporting_township=w.township_a,
        assigned_on=datetime.date(2025, 3, 3),
    )
    s.asg_c = AssignmentFactory(
        department=s.dept_c,
        townships=[s.township_c],
        duty_item=None,
        title="邻县交办任务",
        assigned_on=datetime.date(2025, 3, 4),
    )
    s.county_office = make_user(
        Profile.Role.OFFICE, username="county_office", county=w.county
    )
    return s


@pytest.fixture
def scene(world):
    return build_scene(world)
