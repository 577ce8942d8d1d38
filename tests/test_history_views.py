"""Lists as they stood on a day (?as_of=) and what changed between two days."""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from duties import history, services
from duties.models import ListKind
from tests.factories import DutyItemFactory, ListEntryFactory

D0 = datetime.date(2025, 1, 1)
D1 = datetime.date(2025, 1, 10)
D2 = datetime.date(2025, 2, 15)
D3 = datetime.date(2025, 3, 1)


@contextmanager
def on(day, hour=10):
    """Everything saved inside is recorded (history, auto_now) at ``day`` ``hour``:00."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def save(obj, reason, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._change_reason = reason
    obj.save()


@pytest.fixture
def timeline(world):
    """A township's lists changed over three days (see each step). Entries take effect on the
    day they are recorded, as entries made in the app do (a list moved in with earlier dates:
    tests/test_lists_agree.py)."""
    county, a, b = world.county, world.township_a, world.township_b
    e = {}
    with on(D1):
        e["power"] = ListEntryFactory(
            item=DutyItemFactory(county=county, code="H001", name="甲事项"), document_no="示编办〔2025〕1号",
            effective_from=D1,
        )
        e["territorial"] = ListEntryFactory(
            kind=ListKind.TERRITORIAL,
            item=DutyItemFactory(county=county, code="H002", name="乙事项"),
            township_duty="巡查报告",
            effective_from=D1,
        )
        e["only_a"] = ListEntryFactory(
            item=DutyItemFactory(county=county, code="H003", name="丙事项"), townships=[a], effective_from=D1
        )
        e["only_b"] = ListEntryFactory(
            item=DutyItemFactory(county=county, code="H004", name="丁事项"), townships=[b], effective_from=D1
        )
        e["later"] = ListEntryFactory(
            item=DutyItemFactory(county=county, code="H007", name="庚事项"),
            effective_from=datetime.date(2025, 2, 1),
        )
    with on(D2):
        save(e["power"].item, "法律修订", name="甲事项（修订）")
        save(e["territorial"], "调整配合职责", township_duty="巡查、劝阻、报告", document_no="示编办〔2025〕2号")
        save(e["only_a"], "事项收回", document_no="示编办〔2025〕3号")
        e["only_a"]._change_reason = "事项收回"
        e["only_a"].delete()
        e["admission"] = ListEntryFactory(
            kind=ListKind.ADMISSION,
            item=DutyItemFactory(county=county, code="H005", name="戊事项"),
            approval_document="示县委办〔2025〕9号",
            document_no="示县委办〔2025〕9号",
            effective_from=D2,
        )
        e["draft"] = ListEntryFactory(
            item=DutyItemFactory(county=county, code="H006", name="己事项"), status="draft",
            effective_from=D2,
        )
    with on(D3):
        e["only_b"]._change_reason = "扩大适用范围"
        e["only_b"].townships.add(a)
    return e


def codes(entries):
    return sorted(entry.item.code for entry in entries)


def test_the_lists_as_of_a_day_are_the_entries_in_force_as_recorded_by_its_end(world, timeline):
    a = world.township_a
    assert codes(services.entries_as_of(a, D0)) == []
    assert codes(services.entries_as_of(a, D1)) == ["H001", "H002", "H003"]
    assert codes(services.entries_as_of(a, D2)) == ["H001", "H002", "H005", "H006", "H007"]
    assert codes(services.entries_as_of(a, D3)) == ["H001", "H002", "H004", "H005", "H006", "H007"]


def test_the_lists_as_of_a_day_show_the_item_and_entry_as_they_were(world, timeline):
    old = {e.item.code: e for e in services.entries_as_of(world.township_a, D1)}
    new = {e.item.code: e for e in services.entries_as_of(world.township_a, D2)}
    assert old["H001"].item.name == "甲事项"
    assert new["H001"].item.name == "甲事项（修订）"
    assert old["H002"].township_duty == "巡查报告"
    assert new["H002"].township_duty == "巡查、劝阻、报告"


def test_the_entry_counts_only_inside_its_effective_window(world, timeline):
    assert "H007" not in codes(services.entries_as_of(world.township_a, datetime.date(2025, 1, 31)))
    assert "H007" in codes(services.entries_as_of(world.township_a, datetime.date(2025, 2, 1)))


def test_the_scope_of_the_day_decides_which_township_had_an_entry(world, timeline):
    assert "H004" in codes(services.entries_as_of(world.township_b, D1))
    assert "H004" not in codes(services.entries_as_of(world.township_a, D2))
    assert "H003" not in codes(services.entries_as_of(world.township_b, D1))


def test_drafts_of_the_day_are_hidden_from_the_public(world, timeline):
    from townships import access
    from django.contrib.auth.models import AnonymousUser
    from duties.models import ListEntry

    public = access.scope_q(AnonymousUser(), ListEntry)
    assert "H006" not in codes(services.entries_as_of(world.township_a, D2, scope=public))
    office = access.scope_q(world.office, ListEntry)
    assert "H006" in codes(services.entries_as_of(world.township_a, D2, scope=office))


def test_what_changed_lists_added_removed_and_changed_items(world, timeline):
    changes = history.changes_between(world.township_a, D1, D2)
    assert codes(c.after for c in changes.added) == ["H005", "H006", "H007"]
    assert codes(c.before for c in changes.removed) == ["H003"]
    assert codes(c.after for c in changes.changed) == ["H001", "H002"]
    changed = {c.item.code: c for c in changes.changed}
    assert [(f.field, f.before, f.after) for f in changed["H001"].fields] == [
        ("name", "甲事项", "甲事项（修订）")
    ]
    assert [(f.field, f.before, f.after) for f in changed["H002"].fields] == [
        ("township_duty", "巡查报告", "巡查、劝阻、报告"),
    ]


def test_each_change_carries_its_reason_and_document_number(world, timeline):
    changes = history.changes_between(world.township_a, D1, D2)
    changed = {c.item.code: c for c in changes.changed}
    assert [(e.reason, e.document_no) for e in changed["H002"].events] == [
        ("调整配合职责", "示编办〔2025〕2号")
    ]
    assert [e.reason for e in changed["H001"].events] == ["法律修订"]
    removed = changes.removed[0]
    assert ("事项收回", "示编办〔2025〕3号") in [(e.reason, e.document_no) for e in removed.events]
    assert removed.events[-1].action == "deleted"
    added = {c.item.code: c for c in changes.added}
    assert added["H005"].events[0].document_no == "示县委办〔2025〕9号"
    assert added["H007"].events[0].action == "in_force"


def test_a_scope_change_shows_as_an_addition_with_its_reason(world, timeline):
    changes = history.changes_between(world.township_a, D2, D3)
    assert codes(c.after for c in changes.added) == ["H004"]
    assert changes.added[0].events[-1].reason == "扩大适用范围"
    assert not changes.removed and not changes.changed


def test_the_two_days_may_be_given_in_either_order(world, timeline):
    forward = history.changes_between(world.township_a, D1, D2)
    backward = history.changes_between(world.township_a, D2, D1)
    assert codes(c.entry for c in forward.all) == codes(c.entry for c in backward.all)


def test_nothing_changed_between_two_quiet_days(world, timeline):
    assert history.changes_between(world.township_a, D3, D3 + datetime.timedelta(days=5)).count == 0


# --- the pages -------------------------------------------------------------------------------


def test_the_township_page_as_of_a_day_shows_that_days_rows(client, world, timeline):
    url = reverse("pages:township", args=[world.township_a.code])
    response = client.get(url, {"as_of": D1.isoformat()})
    assert response.status_code == 200
    assert codes(response.context["entries"]) == ["H001", "H003"]
    html = response.content.decode()
    assert "甲事项" in html and "甲事项（修订）" not in html
    assert response.context["as_of"] == D1
    response = client.get(url, {"as_of": D2.isoformat(), "list": "admission"})
    assert codes(response.context["entries"]) == ["H005"]


def test_the_township_page_as_of_a_day_hides_that_days_drafts_from_the_public(client, world, timeline):
    url = reverse("pages:township", args=[world.township_a.code])
    assert "H006" not in codes(client.get(url, {"as_of": D2.isoformat()}).context["entries"])
    client.force_login(world.office)
    assert "H006" in codes(client.get(url, {"as_of": D2.isoformat()}).context["entries"])


def test_the_changes_page_shows_each_change_with_reason_and_document(client, world, timeline):
    url = reverse("pages:township_changes", args=[world.township_a.code])
    response = client.get(url, {"start": D1.isoformat(), "end": D2.isoformat()})
    assert response.status_code == 200
    changes = response.context["changes"]
    assert (len(changes.added), len(changes.removed), len(changes.changed)) == (2, 1, 2)
    html = response.content.decode()
    for text in ("调整配合职责", "示编办〔2025〕2号", "事项收回", "示编办〔2025〕3号", "法律修订", "甲事项（修订）", "戊事项"):
        assert text in html
    assert "己事项" not in html  # a draft, hidden from the public


def test_the_changes_page_defaults_to_the_last_90_days(client, world, timeline):
    response = client.get(reverse("pages:township_changes", args=[world.township_a.code]))
    assert response.status_code == 200
    assert response.context["changes"].day2 == timezone.localdate()


@pytest.mark.parametrize(
    "params",
    [{"start": "2025-02-30", "end": "2025-03-01"}, {"start": "abc", "end": "2025-03-01"}, {"start": "2025-01-01"}],
)
def test_the_changes_page_with_a_malformed_date_is_a_clear_message(client, world, params):
    response = client.get(reverse("pages:township_changes", args=[world.township_a.code]), params)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert response.context["changes"] is None
    assert 'role="alert"' in response.content.decode()


def test_the_changes_page_of_an_unknown_township_is_a_404(client, world):
    assert client.get(reverse("pages:township_changes", args=["990101999"])).status_code == 404


def test_the_changes_page_escapes_names_and_reasons(client, world):
    with on(D1):
        entry = ListEntryFactory(item=DutyItemFactory(county=world.county, name="<script>x</script>"))
    with on(D2):
        save(entry, "<b>reason</b>", notes="<i>n</i>", document_no="<script>d</script>")
    url = reverse("pages:township_changes", args=[world.township_a.code])
    html = client.get(url, {"start": D1.isoformat(), "end": D2.isoformat()}).content.decode()
    assert "<script>x</script>" not in html and "<b>reason</b>" not in html
    assert "<script>d</script>" not in html and "<i>n</i>" not in html
    assert "&lt;b&gt;reason&lt;/b&gt;" in html


def test_the_changes_page_runs_a_constant_number_of_queries(client, world, timeline):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("pages:township_changes", args=[world.township_a.code])
    params = {"start": D1.isoformat(), "end": D3.isoformat()}
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    with on(D2):
        for i in range(30):
            ListEntryFactory(item=DutyItemFactory(county=world.county, code=f"M{i:03d}"))
    with CaptureQueriesContext(connection) as large:
        client.get(url, params)
    assert len(large.captured_queries) == len(small.captured_queries)
