"""Rules that depend on today's date are brought up to date once a day, without a cron job:
the first read of the day refreshes them where a date boundary fell (a delegation running out,
a review deadline passing, a list entry ending), and only there. Time is passed as ``now=``."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegations.flags import StoredFlagQuery, store
from delegations.models import Finding, FlagStoreState
from duties.models import ListKind
from tests.api_helpers import client_for, url
from tests.factories import DelegationFactory, DutyItemFactory, ListEntryFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True


def later(days):
    return timezone.now() + datetime.timedelta(days=days)


def rules_of(township):
    return sorted(Finding.objects.filter(township=township).values_list("rule", flat=True))


@pytest.fixture(autouse=True)
def today_is_done():
    """The store as a day's first read leaves it: up to date for today."""
    store.bring_dates_up_to_date(force=True)
    yield
    store._CURRENT.clear()


def unfunded(world, township, **dates):
    return DelegationFactory(department=world.dept_a, state="approved", staff_posts=0,
                             funding_wan_yuan=0, townships=[township], **dates)


def test_a_delegation_running_out_leaves_the_store_the_next_day(world):
    unfunded(world, world.township_a, effective_to=TODAY)
    assert rules_of(world.township_a) == ["UNFUNDED_DELEGATION"]
    assert store.bring_dates_up_to_date(now=later(1)) is True
    assert rules_of(world.township_a) == []
    assert store.differences(now=later(1)) == []


def test_a_review_deadline_passing_adds_the_overdue_flag(world):
    request = DelegationFactory(department=world.dept_a, state="submitted",
                                townships=[world.township_a])
    assert "OVERDUE_REVIEW" not in rules_of(world.township_a)
    days = (request.deadline - TODAY).days + 1
    store.bring_dates_up_to_date(now=later(days))
    assert "OVERDUE_REVIEW" in rules_of(world.township_a)
    assert store.differences(now=later(days)) == []


def test_a_list_entry_ending_takes_its_flag_away(world):
    item = DutyItemFactory(county=world.county, department=world.dept_b)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item, township_duty="视情况协调配合",
                     effective_to=TODAY, townships=[world.township_b])
    assert rules_of(world.township_b) == ["VAGUE_COOPERATION"]
    store.bring_dates_up_to_date(now=later(1))
    assert rules_of(world.township_b) == []
    assert store.differences(now=later(1)) == []


def test_only_the_townships_where_a_boundary_fell_are_recomputed(world):
    unfunded(world, world.township_a, effective_to=TODAY + datetime.timedelta(days=1))
    unfunded(world, world.township_b)
    untouched = Finding.objects.get(township=world.township_b)
    assert store.boundary_townships(TODAY, TODAY + datetime.timedelta(days=2)) == [
        world.township_a.pk
    ]
    store.bring_dates_up_to_date(now=later(2))
    assert rules_of(world.township_a) == []
    assert Finding.objects.get(township=world.township_b).updated_at == untouched.updated_at
    assert store.differences(now=later(2)) == []


def test_it_runs_once_a_day_and_costs_nothing_afterwards(world):
    unfunded(world, world.township_a, effective_to=TODAY)
    assert store.bring_dates_up_to_date(now=later(1)) is True
    assert FlagStoreState.objects.get(name="dates").day == TODAY + datetime.timedelta(days=1)
    store._CURRENT.clear()  # another process: it reads the day from the database
    assert store.bring_dates_up_to_date(now=later(1)) is False
    with CaptureQueriesContext(connection) as captured:
        assert store.bring_dates_up_to_date(now=later(1)) is False
    assert captured.captured_queries == []


def test_after_a_long_pause_every_date_dependent_finding_is_recomputed(world):
    unfunded(world, world.township_a, effective_to=TODAY + datetime.timedelta(days=10))
    days = store.INCREMENTAL_DAYS + 20
    assert store.bring_dates_up_to_date(now=later(days)) is True
    assert rules_of(world.township_a) == []
    assert store.differences(now=later(days)) == []


def test_a_store_never_built_is_built_in_full_at_the_first_read(world):
    unfunded(world, world.township_a)
    Finding.objects.all().delete()
    FlagStoreState.objects.filter(name="dates").update(day=None)  # an upgraded database
    store._CURRENT.clear()
    assert StoredFlagQuery().count() == 1
    assert FlagStoreState.objects.get(name="dates").day == TODAY


def test_the_first_read_of_the_day_through_the_api_brings_the_dates_up_to_date(world):
    unfunded(world, world.township_a, effective_to=TODAY)
    FlagStoreState.objects.filter(name="dates").update(day=TODAY - datetime.timedelta(days=1))
    store._CURRENT.clear()
    Finding.objects.all().delete()  # what a refresh of yesterday's boundaries puts back
    response = client_for(world, "office").get(url("flags/"))
    assert response.status_code == 200
    assert [f["rule"] for f in response.json()["results"]] == ["UNFUNDED_DELEGATION"]
    assert FlagStoreState.objects.get(name="dates").day == TODAY
