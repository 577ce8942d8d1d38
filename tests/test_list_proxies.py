import pytest

from duties.models import ListEntry, PowerEntry, TerritorialEntry
from tests.factories import DutyItemFactory, ListEntryFactory

pytestmark = pytest.mark.django_db


def test_a_list_proxy_sees_only_its_own_list(world):
    power = ListEntryFactory(kind="power", item__county=world.county)
    ListEntryFactory(kind="territorial", item__county=world.county, item__department=world.dept_a)
    assert list(PowerEntry.objects.values_list("pk", flat=True)) == [power.pk]
    assert TerritorialEntry.objects.count() == 1


def test_saving_through_a_list_proxy_sets_the_list_and_writes_history(world):
    entry = PowerEntry.objects.create(item=DutyItemFactory(county=world.county), source="statutory")
    entry.notes = "调整"
    entry._change_reason = "测试"
    entry.save()
    assert entry.kind == "power"
    history = ListEntry.history.filter(id=entry.id).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "~"]
    assert history.last().history_change_reason == "测试"
