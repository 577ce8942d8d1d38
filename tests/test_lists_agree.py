"""The API and the township page give the same lists, today and on any past day, with the
catalog items as they stood that day (one definition: duties.services)."""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from duties.models import ListKind
from tests.api_helpers import client_for, results, url
from tests.factories import DutyItemFactory, ListEntryFactory

pytestmark = pytest.mark.django_db

BEFORE_RENAME = datetime.date(2025, 1, 10)
RENAMED = datetime.date(2025, 2, 15)


@contextmanager
def on(day):
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@pytest.fixture
def renamed(world):
    """Entries on two lists; one item renamed and one entry made a draft after the first day,
    one entry only for township B."""
    with on(BEFORE_RENAME):
        power = ListEntryFactory(
            item=DutyItemFactory(county=world.county, code="R001", name="燃气安全检查")
        )
        ListEntryFactory(
            kind=ListKind.TERRITORIAL,
            item=DutyItemFactory(county=world.county, code="R002", name="秸秆禁烧巡查"),
        )
        ListEntryFactory(
            item=DutyItemFactory(county=world.county, code="R003", name="河道巡查"),
            townships=[world.township_b],
        )
    with on(RENAMED):
        item = power.item
        item.name = "城镇燃气安全监督检查"
        item.save()
        ListEntryFactory(
            item=DutyItemFactory(county=world.county, code="R004", name="新增事项"),
            status="draft",
        )
    return world


def api_rows(world, persona, code, kind, day=None):
    params = f"?kind={kind}" + (f"&as_of={day.isoformat()}" if day else "")
    rows = results(client_for(world, persona).get(url(f"townships/{code}/lists/") + params))
    return [(row["item"]["code"], row["item"]["name"], row["status"]) for row in rows]


def page_rows(world, persona, code, kind, day=None):
    client = Client()
    if persona == "office":
        client.force_login(world.office)
    params = f"?list={kind}" + (f"&as_of={day.isoformat()}" if day else "")
    response = client.get(f"/townships/{code}/" + params)
    assert response.status_code == 200
    return [(e.item.code, e.item.name, e.status) for e in response.context["entries"]]


@pytest.mark.parametrize("persona", ["anonymous", "office"])
@pytest.mark.parametrize("day", [BEFORE_RENAME, RENAMED, None], ids=["past", "renamed", "today"])
def test_the_api_and_the_township_page_give_the_same_lists_on_any_day(renamed, persona, day):
    for township in (renamed.township_a, renamed.township_b):
        for kind in ListKind.values:
            assert api_rows(renamed, persona, township.code, kind, day) == page_rows(
                renamed, persona, township.code, kind, day
            ), (township.code, kind)


def test_both_show_the_item_name_of_that_day_after_a_rename(renamed):
    code = renamed.township_a.code
    before = [("R001", "燃气安全检查", "published")]
    after = [("R001", "城镇燃气安全监督检查", "published")]
    assert api_rows(renamed, "anonymous", code, "power", BEFORE_RENAME) == before
    assert page_rows(renamed, "anonymous", code, "power", BEFORE_RENAME) == before
    assert api_rows(renamed, "anonymous", code, "power", RENAMED) == after
    assert page_rows(renamed, "anonymous", code, "power") == after


MOVED_IN_EFFECTIVE = datetime.date(2024, 6, 14)
MOVED_IN_RECORDED = datetime.date(2025, 3, 1)


@pytest.fixture
def moved_in(world):
    """A county's list recorded in qingdan on 2025-03-01 that took effect on 2024-06-14 (as a
    workbook with 生效日期 records it), renamed after it was recorded."""
    with on(MOVED_IN_RECORDED):
        entry = ListEntryFactory(
            item=DutyItemFactory(county=world.county, code="M001", name="农村建房巡查"),
            effective_from=MOVED_IN_EFFECTIVE,
        )
    with on(MOVED_IN_RECORDED + datetime.timedelta(days=30)):
        entry.item.name = "农村自建房安全巡查"
        entry.item.save()
    return world


def test_a_list_moved_in_later_is_on_the_lists_from_the_day_it_took_effect(moved_in):
    """The day a list took effect decides "the lists as of D", not the day it was recorded;
    before it was recorded, it reads as first recorded."""
    code = moved_in.township_a.code
    between = datetime.date(2024, 12, 1)
    first = [("M001", "农村建房巡查", "published")]
    assert api_rows(moved_in, "anonymous", code, "power", between) == first
    assert page_rows(moved_in, "anonymous", code, "power", between) == first
    assert api_rows(moved_in, "anonymous", code, "power", MOVED_IN_EFFECTIVE - datetime.timedelta(days=1)) == []
    assert page_rows(moved_in, "anonymous", code, "power", datetime.date(2025, 3, 5)) == first
    assert api_rows(moved_in, "anonymous", code, "power") == [
        ("M001", "农村自建房安全巡查", "published")
    ]
