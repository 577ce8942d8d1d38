"""REST API: every list endpoint runs the same number of queries whatever the data size."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duties.models import ListEntry
from tests.api_helpers import client_for, url
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentAliasFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    TownshipOpinionFactory,
)

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")

ENDPOINTS = [
    ("office", "counties/"),
    ("anonymous", "townships/"),
    ("anonymous", "departments/"),
    ("anonymous", "duty-items/"),
    ("anonymous", "townships/990101101/lists/"),
    ("office", "townships/990101101/lists/"),
    ("anonymous", "townships/990101101/lists/?as_of=2024-06-30"),
    ("office", "townships/990101101/lists/?as_of=2024-06-30&kind=power"),
    ("office", "delegations/"),
    ("dept_a", "delegations/"),
    ("township_a", "delegations/"),
    ("office", "assignments/"),
    ("dept_a", "assignments/"),
    ("township_a", "assignments/"),
    ("office", "flags/"),
    ("dept_a", "flags/"),
    ("township_a", "flags/?rule=UNLISTED_ASSIGNMENT"),
    ("office", "flags/summary/"),
]


def grow(world, n, start):
    """Add ``n`` rows of every kind (numbered from ``start``) around township A and dept A."""
    for i in range(start, start + n):
        CountyFactory(code=f"98{i:04d}", name=f"增{i}县")
        TownshipFactory(county=world.county, code=f"990101{200 + i:03d}", name=f"增{i}镇")
        department = DepartmentFactory(county=world.county, code=f"G{i:03d}", name=f"增{i}局")
        DepartmentAliasFactory(department=department, name=f"增{i}")
        item = DutyItemFactory(county=world.county, department=world.dept_a, code=f"G{i:04d}")
        listed = DutyItemFactory(county=world.county, department=world.dept_a, code=f"L{i:04d}")
        entry = ListEntry(kind="power", item=listed, source="statutory", all_townships=False,
                          effective_from=datetime.date(2024, 1, 1), notes="v1")
        entry._history_date = datetime.datetime(2024, 2, 1, tzinfo=CHINA)
        entry.save()
        entry._history_date = datetime.datetime(2024, 2, 1, tzinfo=CHINA)
        entry.townships.set([world.township_a])
        entry.notes = "v2"
        entry._history_date = datetime.datetime(2024, 3, 1, tzinfo=CHINA)
        entry.save()
        ListEntryFactory(kind="territorial", item=item, townships=[world.township_a])
        delegation = DelegationFactory(
            department=world.dept_a,
            duty_items=[item],
            townships=[world.township_a, world.township_b],
            state="submitted",
        )
        TownshipOpinionFactory(delegation=delegation, township=world.township_a)
        AssignmentFactory(
            department=world.dept_a,
            townships=[world.township_a, world.township_b],
            duty_item=DutyItemFactory(county=world.county, department=world.dept_a,
                                      code=f"U{i:04d}"),
            recorded_by="township" if i % 2 else "department",
            reporting_township=world.township_a if i % 2 else None,
        )


def queries(client, path):
    client.get(url(path))  # warm caches (the user's profile, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(path))
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_list_endpoints_run_a_constant_number_of_queries(world):
    clients = {p: client_for(world, p) for p in {p for p, _ in ENDPOINTS}}
    grow(world, 2, 0)
    small = {}
    for persona, path in ENDPOINTS:
        small[(persona, path)] = queries(clients[persona], path)
    grow(world, 7, 2)
    for persona, path in ENDPOINTS:
        count, data = queries(clients[persona], path)
        before, before_data = small[(persona, path)]
        assert count == before, f"{persona} {path}: {before} queries, then {count}"
        # The data really grew where the endpoint shows it.
        if "count" in data and before_data.get("count"):
            assert data["count"] > before_data["count"], (persona, path)
