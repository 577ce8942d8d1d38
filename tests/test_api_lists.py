"""REST API: a township's lists, now and as they stood at the end of a past day."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from duties.models import ListEntry
from tests.api_helpers import (  # noqa: F401  (fixtures)
    PERSONAS,
    client_for,
    results,
    scene,
    url,
)
from tests.factories import DutyItemFactory, ListEntryFactory

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def save_at(entry, when, **changes):
    for field, value in changes.items():
        setattr(entry, field, value)
    entry._history_date = when
    entry.save()
    return entry


def new_entry(item, when, townships=None, **fields):
    """A list entry created at ``when`` (history row dated so), optionally for named townships;
    it takes effect that day unless told otherwise (as entries made in the app do)."""
    fields.setdefault("kind", "power")
    if fields["kind"] == "power":
        fields.setdefault("source", "statutory")
    fields.setdefault("effective_from", timezone.localdate(when))
    entry = ListEntry(item=item, all_townships=not townships, **fields)
    save_at(entry, when)
    if townships:
        entry._history_date = when
        entry.townships.set(townships)
    return entry


def list_of(client, code, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return results(client.get(url(f"townships/{code}/lists/") + (f"?{query}" if query else "")))


def item_codes(rows):
    return sorted(row["item"]["code"] for row in rows)


# --- current lists -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_the_published_entries_of_any_township(scene, persona):
    client = client_for(scene.w, persona)
    township_a = list_of(client, "990101101")
    township_b = list_of(client, "990101102")
    drafts = ["B001"] if persona == "office" else []
    assert item_codes(township_a) == sorted(["A001", *drafts])
    assert item_codes(township_b) == sorted(["A001", "B001", *drafts])
    assert {row["kind"] for row in township_b} == {"power", "territorial"} | (
        {"power"} if drafts else set()
    )
    # No other county's entries leak into the lists.
    assert all(row["item"]["code"] != "A001" or row["item"]["name"] != "邻县危险化学品检查"
               for row in township_a + township_b)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_draft_entry_is_seen_by_the_office_only(scene, persona):
    rows = list_of(client_for(scene.w, persona), "990101101", kind="power")
    statuses = {row["status"] for row in rows}
    assert statuses == ({"published", "draft"} if persona == "office" else {"published"})


def test_an_entry_shows_its_item_and_its_list_fields(scene):
    rows = list_of(client_for(scene.w, "anonymous"), "990101102", kind="territorial")
    assert len(rows) == 1
    row = rows[0]
    assert row["item"]["code"] == "B001"
    assert row["item"]["department"] == {"code": "NYJ", "name": "示范县农业农村局"}
    assert row["lead_department"] == {"code": "NYJ", "name": "示范县农业农村局"}
    assert row["township_duty"]
    assert row["all_townships"] is False


def test_lists_filter_by_kind(scene):
    client = client_for(scene.w, "anonymous")
    assert item_codes(list_of(client, "990101102", kind="territorial")) == ["B001"]
    assert list_of(client, "990101102", kind="admission") == []


def test_current_lists_hold_only_entries_in_force_today(world):
    item_old = DutyItemFactory(county=world.county, code="OLD")
    item_future = DutyItemFactory(county=world.county, code="FUT")
    item_now = DutyItemFactory(county=world.county, code="NOW")
    today = timezone.localdate()
    ListEntryFactory(item=item_old, effective_from=datetime.date(2020, 1, 1),
                     effective_to=datetime.date(2021, 1, 1))
    ListEntryFactory(item=item_future, effective_from=today + datetime.timedelta(days=30))
    ListEntryFactory(item=item_now, effective_from=datetime.date(2020, 1, 1))
    assert item_codes(list_of(client_for(world, "anonymous"), "990101101")) == ["NOW"]


def test_the_lists_of_an_unknown_township_are_a_404(scene):
    response = client_for(scene.w, "office").get(url("townships/990101999/lists/"))
    assert response.status_code == 404
    assert "990101999" in response.json()["detail"]


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("kind=everything", "kind"),
        ("as_of=2024-13-01", "as_of"),
        ("as_of=2024/01/01", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("as_of=2024-02-30", "as_of"),
        ("as_of=20240101", "as_of"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(scene, query, parameter):
    response = client_for(scene.w, "anonymous").get(url(f"townships/990101101/lists/?{query}"))
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


# --- as they stood on a day ----------------------------------------------------------------------


def test_as_of_shows_each_entry_as_it_stood_that_day(world):
    item = DutyItemFactory(county=world.county, code="H001")
    entry = new_entry(item, at(2024, 1, 10), handling_office="综合办")
    save_at(entry, at(2024, 3, 1), handling_office="综合行政执法队")
    client = client_for(world, "anonymous")
    assert list_of(client, "990101101", as_of="2024-01-09") == []
    assert [r["handling_office"] for r in list_of(client, "990101101", as_of="2024-01-10")] == [
        "综合办"
    ]
    assert [r["handling_office"] for r in list_of(client, "990101101", as_of="2024-02-29")] == [
        "综合办"
    ]
    assert [r["handling_office"] for r in list_of(client, "990101101", as_of="2024-03-01")] == [
        "综合行政执法队"
    ]
    assert list_of(client, "990101101", as_of="2024-03-01")[0]["id"] == entry.pk


def test_as_of_drops_an_entry_from_the_day_it_was_deleted(world):
    item = DutyItemFactory(county=world.county, code="H002")
    entry = new_entry(item, at(2024, 1, 10))
    entry._history_date = at(2024, 2, 1)
    entry.delete()
    client = client_for(world, "anonymous")
    assert item_codes(list_of(client, "990101101", as_of="2024-01-31")) == ["H002"]
    assert list_of(client, "990101101", as_of="2024-02-01") == []
    assert list_of(client, "990101101") == []


def test_as_of_counts_a_change_until_midnight_china_time(world):
    item = DutyItemFactory(county=world.county, code="H003")
    entry = new_entry(item, at(2024, 1, 10), notes="v1")
    save_at(entry, at(2024, 3, 1, 23, 30), notes="v2")  # 15:30 UTC, still 1 March in China
    save_at(entry, at(2024, 3, 2, 0, 10), notes="v3")  # 16:10 UTC on 1 March, but 2 March here
    client = client_for(world, "anonymous")
    assert [r["notes"] for r in list_of(client, "990101101", as_of="2024-03-01")] == ["v2"]
    assert [r["notes"] for r in list_of(client, "990101101", as_of="2024-03-02")] == ["v3"]


def test_as_of_keeps_only_entries_whose_window_covers_the_day(world):
    item = DutyItemFactory(county=world.county, code="H004")
    new_entry(
        item,
        at(2024, 1, 10),
        effective_from=datetime.date(2024, 6, 1),
        effective_to=datetime.date(2024, 12, 31),
    )
    client = client_for(world, "anonymous")
    assert list_of(client, "990101101", as_of="2024-05-31") == []
    assert item_codes(list_of(client, "990101101", as_of="2024-06-01")) == ["H004"]
    assert item_codes(list_of(client, "990101101", as_of="2024-12-31")) == ["H004"]
    assert list_of(client, "990101101", as_of="2025-01-01") == []


def test_as_of_uses_the_township_scope_the_entry_had_that_day(world):
    item = DutyItemFactory(county=world.county, code="H005")
    entry = new_entry(item, at(2024, 1, 10), townships=[world.township_a])
    entry._history_date = at(2024, 3, 1)
    entry.townships.set([world.township_b])
    client = client_for(world, "anonymous")
    assert item_codes(list_of(client, "990101101", as_of="2024-02-01")) == ["H005"]
    assert list_of(client, "990101102", as_of="2024-02-01") == []
    assert list_of(client, "990101101", as_of="2024-03-01") == []
    assert item_codes(list_of(client, "990101102", as_of="2024-03-01")) == ["H005"]
    # Made county-wide later: on every township's list from then on.
    save_at(entry, at(2024, 4, 1), all_townships=True)
    entry._history_date = at(2024, 4, 1)
    entry.townships.clear()
    assert item_codes(list_of(client, "990101101", as_of="2024-04-01")) == ["H005"]


def test_as_of_does_not_put_another_countys_entries_on_a_list(world):
    from tests.factories import CountyFactory

    other = CountyFactory(code="990102")
    new_entry(DutyItemFactory(county=other, code="X001"), at(2024, 1, 10))
    assert list_of(client_for(world, "office"), "990101101", as_of="2024-02-01") == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_entry_that_was_a_draft_that_day_is_seen_by_the_office_only(world, persona):
    item = DutyItemFactory(county=world.county, code="H006")
    entry = new_entry(item, at(2024, 1, 10), status="draft")
    save_at(entry, at(2024, 3, 1), status="published")
    client = client_for(world, persona)
    before = list_of(client, "990101101", as_of="2024-02-01")
    assert item_codes(before) == (["H006"] if persona == "office" else [])
    assert item_codes(list_of(client, "990101101", as_of="2024-03-01")) == ["H006"]


def test_as_of_filters_by_kind(world):
    item = DutyItemFactory(county=world.county, code="H007", department=world.dept_a)
    new_entry(item, at(2024, 1, 10))
    new_entry(item, at(2024, 1, 10), kind="reclaimed", receiving_department=world.dept_a)
    client = client_for(world, "anonymous")
    rows = list_of(client, "990101101", as_of="2024-02-01", kind="reclaimed")
    assert [r["kind"] for r in rows] == ["reclaimed"]
    assert rows[0]["receiving_department"]["code"] == "YJJ"
