"""Changes made through the admin are kept in the history with the user and the change reason."""

import pytest
from django.urls import reverse

from delegations.models import Assignment, Delegation
from duties.models import (
    AdmissionEntry,
    DutyItem,
    ListEntry,
    PowerEntry,
    ReclaimedEntry,
    TerritorialEntry,
)
from tests.factories import DutyItemFactory
from tests.factories_admin import build, changeform_payload, form_errors

pytestmark = pytest.mark.django_db

REASON = "依据示县编发〔2025〕3号调整"


@pytest.fixture
def office_client(client, world):
    client.force_login(world.office)
    return client


def change_url(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=(pk,))


def change_through_admin(client, model, obj, **changes):
    data = changeform_payload(client.get(change_url(model, obj.pk)))
    data.update(changes)
    response = client.post(change_url(model, obj.pk), data)
    assert response.status_code == 302, form_errors(response)


def latest_history(model_or_history, pk):
    history = getattr(model_or_history, "history", model_or_history)
    return history.filter(id=pk).order_by("history_date", "history_id").last()


CHANGES = [
    (DutyItem, {"legal_basis": "《中华人民共和国森林法》第三十四条"}),
    (PowerEntry, {"handling_office": "综合行政执法队"}),
    (TerritorialEntry, {"township_duty": "开展日常巡查，发现火情及时报告"}),
    (AdmissionEntry, {"staff_posts": "2"}),
    (ReclaimedEntry, {"working_method": "部门直接实施，乡镇提供信息"}),
    (Assignment, {"description": "每月巡查一次"}),
]


@pytest.mark.parametrize("model, changes", CHANGES, ids=[m.__name__ for m, _ in CHANGES])
def test_a_change_through_the_admin_writes_history_with_user_and_reason(
    office_client, world, model, changes
):
    obj = build(model, world, 1)
    change_through_admin(office_client, model, obj, change_reason=REASON, **changes)
    record = latest_history(model, obj.pk)
    assert record.history_type == "~"
    assert record.history_user == world.office
    assert record.history_change_reason == REASON
    field, value = next(iter(changes.items()))
    assert str(getattr(record, field)) == value


def test_a_change_without_reason_writes_history_with_the_user_only(office_client, world):
    item = build(DutyItem, world)
    change_through_admin(office_client, DutyItem, item, name="燃气安全检查")
    record = latest_history(DutyItem, item.pk)
    assert (record.name, record.history_user, record.history_change_reason) == (
        "燃气安全检查",
        world.office,
        None,
    )


def test_changing_the_townships_of_an_entry_is_kept_in_the_history(office_client, world):
    entry = build(PowerEntry, world, 1)  # scoped to township A
    change_through_admin(
        office_client, PowerEntry, entry, townships=[world.township_b.pk], change_reason=REASON
    )
    record = latest_history(ListEntry, entry.pk)
    assert [t.township_id for t in record.townships.all()] == [world.township_b.pk]
    assert (record.history_user, record.history_change_reason) == (world.office, REASON)
    earlier = latest_history(ListEntry.history.filter(history_user__isnull=True), entry.pk)
    assert [t.township_id for t in earlier.townships.all()] == [world.township_a.pk]


def test_an_item_added_through_the_admin_has_a_creation_record(office_client, world):
    add_url = reverse("admin:duties_dutyitem_add")
    data = changeform_payload(office_client.get(add_url))
    data.update(
        county=world.county.pk, code="AQ-9", name="安全生产检查", category="inspection",
        change_reason=REASON,
    )
    response = office_client.post(add_url, data)
    assert response.status_code == 302, form_errors(response)
    record = DutyItem.history.get(code="AQ-9")
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        world.office,
        REASON,
    )


def test_a_decision_taken_on_paper_keeps_user_and_reason_on_every_record(office_client, world):
    """A delegation decided before qingdan is entered through the workflow's paper-decision
    step: its records carry the office and the decision, dated by the decision itself."""
    add_url = reverse("admin:delegations_delegation_add")
    data = changeform_payload(office_client.get(add_url))
    data.update(
        department=world.dept_a.pk,
        mode="assign",
        duty_items=[DutyItemFactory(county=world.county, department=world.dept_a).pk],
        townships=[world.township_a.pk],
        effective_from="2023-01-01",
        decision_no="示县政发〔2023〕5号",
        decided_on="2022-12-20",
    )
    response = office_client.post(add_url, data)
    assert response.status_code == 302, form_errors(response)
    delegation = Delegation.objects.get()
    assert (delegation.state, delegation.decision_no) == ("approved", "示县政发〔2023〕5号")
    records = list(Delegation.history.order_by("history_date", "history_id"))
    assert {r.history_user for r in records} == {world.office}
    reasons = [r.history_change_reason for r in records]
    assert reasons[0] == "录入书面决定"
    assert reasons[-1] == "书面决定 示县政发〔2023〕5号（2022-12-20）"
    assert records[-1].state == "approved"


def test_the_history_page_shows_the_reason(office_client, world):
    item = build(DutyItem, world)
    change_through_admin(office_client, DutyItem, item, change_reason=REASON)
    response = office_client.get(reverse("admin:duties_dutyitem_history", args=(item.pk,)))
    assert REASON in response.content.decode()
