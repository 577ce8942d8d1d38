"""Each flag rule: one case that fires, one near miss that must not (docs/contracts.md §3)."""

import datetime

import pytest

from delegations.flags import FlagQuery, store
from delegations.models import Assignment, Delegation
from duties.models import Category, ListEntry, ListKind
from tests.factories import (
    AssignmentFactory,
    DelegationFactory,
    DutyItemFactory,
    ListEntryFactory,
)

pytestmark = pytest.mark.django_db
# After each test, the flag store equals the rules computed today (the factories and the
# helpers below write as production does, refreshing the store).
from tests.factories import store_follows_every_test, the_store_follows  # noqa: E402, F401


TODAY = datetime.date(2025, 6, 30)
D = datetime.date


def flags(world, rule, **filters):
    return list(FlagQuery(county=world.county, rules=rule, today=TODAY, **filters))


def item_of(world, department=None, **fields):
    return DutyItemFactory(county=world.county, department=department or world.dept_a, **fields)


def assign(world, item=None, department=None, townships=None, **fields):
    return AssignmentFactory(
        department=department or world.dept_a,
        townships=townships or [world.township_a],
        duty_item=item,
        **fields,
    )


def delegate(world, items, state="approved", townships=None, department=None, **fields):
    return DelegationFactory(
        department=department or world.dept_a,
        duty_items=items,
        townships=townships or [world.township_a],
        state=state,
        **fields,
    )


ENTRUST_AGREEMENT = dict(
    agreement_scope="辖区内", agreement_powers="检查、罚款", agreement_term_end=D(2027, 12, 31),
    published_on=D(2024, 1, 5),
)


def reclassify(item, category):
    """The catalog changes an item's category after a delegation of it was filed or
    approved (a list revision); the rules judge by the catalog as it stands. (The admin's
    save refreshes the county's flags, as here.)"""
    item.category = category
    item.save()
    store.refresh(county=item.county_id, reason="修改事项")


def recorded_before_the_workflow(delegation, **fields):
    """Give ``delegation`` fields no writer gives a delegation today — the workflow refuses
    them at submission, approval and paper decision — as rows recorded before those checks
    hold them (imported in bulk, the county's flags then refreshed); the rules still judge
    such rows."""
    Delegation.objects.filter(pk=delegation.pk).update(**fields)
    store.refresh(county=delegation.department.county_id, reason="导入")


def clerk_saves(entry):
    """A clerk's change of a list entry in the admin (whose save refreshes the county)."""
    entry.save()
    store.refresh(county=entry.item.county_id, reason="修改清单")


# --- UNLISTED_ASSIGNMENT -------------------------------------------------------------------
def test_unlisted_assignment_fires_for_an_item_on_no_list(world):
    item = item_of(world)
    assignment = assign(world, item)
    [flag] = flags(world, "UNLISTED_ASSIGNMENT")
    assert (flag.assignment, flag.township.code, flag.duty_item.code) == (
        assignment.pk, world.township_a.code, item.code,
    )
    assert flag.severity == "error" and flag.department.code == "YJJ"
    assert flag.evidence["assigned_on"] == "2025-03-01"


def test_unlisted_assignment_fires_for_a_task_without_item(world):
    assign(world, None, title="迎检材料报送")
    assert len(flags(world, "UNLISTED_ASSIGNMENT")) == 1


def test_unlisted_assignment_near_miss_item_on_the_power_list(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.POWER, item=item)
    assign(world, item)
    assign(world, None, title=item.name)  # a task named like a listed item
    assert flags(world, "UNLISTED_ASSIGNMENT") == []


def test_unlisted_assignment_only_the_township_outside_a_named_scope_is_flagged(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item, townships=[world.township_a])
    assign(world, item, townships=[world.township_a, world.township_b])
    assert [f.township.code for f in flags(world, "UNLISTED_ASSIGNMENT")] == [world.township_b.code]


def test_unlisted_assignment_draft_list_entries_do_not_count(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.POWER, item=item, status="draft")
    assign(world, item)
    assert len(flags(world, "UNLISTED_ASSIGNMENT")) == 1


# --- RECLAIMED_ITEM_ASSIGNED --------------------------------------------------------------
def test_reclaimed_item_assigned_fires(world):
    item = item_of(world)
    entry = ListEntryFactory(kind=ListKind.RECLAIMED, item=item)
    assign(world, item, department=world.dept_b)
    [flag] = flags(world, "RECLAIMED_ITEM_ASSIGNED")
    assert flag.evidence["reclaimed_entry"] == entry.pk
    assert flag.department.code == "NYJ"


def test_reclaimed_item_near_miss_reclaimed_only_after_the_assignment(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.RECLAIMED, item=item, effective_from=D(2025, 4, 1))
    assign(world, item, assigned_on=D(2025, 3, 1))
    assert flags(world, "RECLAIMED_ITEM_ASSIGNED") == []


# --- MAIN_DUTY_SHIFTED ----------------------------------------------------------------------
def test_main_duty_shifted_fires_for_main_responsibility_on_a_territorial_item(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item)
    assign(world, item, responsibility=Assignment.Responsibility.MAIN)
    [flag] = flags(world, "MAIN_DUTY_SHIFTED")
    assert "巡查" in flag.evidence["township_duty"]


def test_main_duty_shifted_near_miss_cooperation_asked(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item)
    assign(world, item, responsibility=Assignment.Responsibility.COOPERATE)
    assert flags(world, "MAIN_DUTY_SHIFTED") == []


def test_main_duty_shifted_near_miss_item_also_on_the_power_list(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item)
    ListEntryFactory(kind=ListKind.POWER, item=item)
    assign(world, item, responsibility=Assignment.Responsibility.MAIN)
    assert flags(world, "MAIN_DUTY_SHIFTED") == []


# --- LIABILITY_SHIFT_BY_ASSESSMENT ----------------------------------------------------------
def test_liability_shift_fires_for_a_pledge_on_a_cooperation_item(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item)
    assign(world, item, channel=Assignment.Channel.PLEDGE)
    [flag] = flags(world, "LIABILITY_SHIFT_BY_ASSESSMENT")
    assert flag.evidence["channel"] == "pledge"


def test_liability_shift_near_miss_assessment_of_an_own_power(world):
    item = item_of(world)
    ListEntryFactory(kind=ListKind.POWER, item=item)
    assign(world, item, channel=Assignment.Channel.ASSESSMENT)
    assert flags(world, "LIABILITY_SHIFT_BY_ASSESSMENT") == []


# --- ENTRUSTMENT_WITHOUT_AGREEMENT -----------------------------------------------------------
def test_entrustment_without_agreement_fires_and_names_what_is_missing(world):
    fields = {**ENTRUST_AGREEMENT, "published_on": None}
    delegation = delegate(world, [item_of(world)], mode="entrust", **fields)
    recorded_before_the_workflow(delegation, agreement_powers="")
    [flag] = flags(world, "ENTRUSTMENT_WITHOUT_AGREEMENT")
    assert flag.delegation == delegation.pk and flag.assignment is None
    assert flag.evidence["missing"] == ["powers", "publication"]


def test_entrustment_near_miss_written_and_published(world):
    delegate(world, [item_of(world)], mode="entrust", **ENTRUST_AGREEMENT)
    delegate(world, [item_of(world)], mode="entrust", state="submitted",  # not approved yet
             **{**ENTRUST_AGREEMENT, "published_on": None})
    assert flags(world, "ENTRUSTMENT_WITHOUT_AGREEMENT") == []


# --- NON_DELEGABLE_POWER ---------------------------------------------------------------------
def test_non_delegable_power_fires_for_entrusted_coercion_even_when_only_submitted(world):
    coercion = item_of(world, category=Category.INSPECTION)
    delegate(world, [coercion, item_of(world)], mode="entrust", state="submitted",
             townships=[world.township_a, world.township_b], **ENTRUST_AGREEMENT)
    reclassify(coercion, Category.COERCION)
    found = flags(world, "NON_DELEGABLE_POWER")
    assert [(f.township.code, f.duty_item.code) for f in found] == [
        (world.township_a.code, coercion.code), (world.township_b.code, coercion.code),
    ]


def test_non_delegable_power_near_miss_coercion_by_grant_or_rejected(world):
    coercion = item_of(world, category=Category.COERCION)
    delegate(world, [coercion], mode="grant", provincial_decision="省政府令第1号")
    refused = item_of(world, category=Category.INSPECTION)
    delegate(world, [refused], mode="entrust", state="rejected", **ENTRUST_AGREEMENT)
    reclassify(refused, Category.COERCION)
    assert flags(world, "NON_DELEGABLE_POWER") == []


# --- GRANT_WITHOUT_PROVINCIAL_DECISION -------------------------------------------------------
def test_grant_without_provincial_decision_fires_for_penalty_items(world):
    penalty = item_of(world, category=Category.OTHER_POWER)
    delegate(world, [penalty, item_of(world, category=Category.INSPECTION)], mode="grant")
    reclassify(penalty, Category.PENALTY)
    [flag] = flags(world, "GRANT_WITHOUT_PROVINCIAL_DECISION")
    assert flag.duty_item.code == penalty.code


def test_grant_near_miss_provincial_decision_named(world):
    penalty = item_of(world, category=Category.PENALTY)
    delegate(world, [penalty], mode="grant", provincial_decision="陕政发〔2021〕12号")
    assert flags(world, "GRANT_WITHOUT_PROVINCIAL_DECISION") == []


# --- REDELEGATION ---------------------------------------------------------------------------
def test_redelegation_fires_when_the_department_holds_the_item_by_entrustment(world):
    item = item_of(world, department=world.dept_b)
    parent = delegate(world, [item], mode="entrust", department=world.dept_b, **ENTRUST_AGREEMENT)
    child = delegate(world, [item], mode="entrust", **ENTRUST_AGREEMENT)
    recorded_before_the_workflow(child, derived_from=parent)
    [flag] = flags(world, "REDELEGATION")
    assert flag.delegation == child.pk and flag.evidence["derived_from"] == parent.pk


def test_redelegation_near_miss_derived_from_a_grant(world):
    item = item_of(world)
    parent = delegate(world, [item], mode="grant", provincial_decision="省政府令第1号")
    delegate(world, [item], mode="assign", derived_from=parent)
    assert flags(world, "REDELEGATION") == []


# --- DELEGATION_NOT_IN_FORCE ----------------------------------------------------------------
def test_delegation_not_in_force_fires_for_an_assignment_relying_on_a_pending_request(world):
    item = item_of(world)
    request = delegate(world, [item], state="submitted")
    assign(world, item)
    [flag] = flags(world, "DELEGATION_NOT_IN_FORCE")
    assert flag.delegation == request.pk and flag.evidence["delegation_state"] == "submitted"


def test_delegation_not_in_force_fires_for_a_list_entry_left_after_revocation(world):
    item = item_of(world)
    delegation = delegate(world, [item], state="revoked", submitted_on=D(2024, 12, 1),
                          revoked_on=D(2025, 1, 1))
    entry = ListEntry.objects.get(kind=ListKind.ADMISSION, item=item, delegation=delegation)
    entry.effective_to = None  # a clerk re-opens the entry the revocation ended
    clerk_saves(entry)
    [flag] = flags(world, "DELEGATION_NOT_IN_FORCE")
    assert flag.evidence["list_entry"] == entry.pk and flag.assignment is None


def test_delegation_not_in_force_near_miss_delegation_in_force(world):
    item = item_of(world)
    delegate(world, [item])  # the approval puts the item on the admission list
    assign(world, item)
    assert flags(world, "DELEGATION_NOT_IN_FORCE") == []


# --- UNFUNDED_DELEGATION --------------------------------------------------------------------
def test_unfunded_delegation_fires(world):
    delegate(world, [item_of(world)], staff_posts=0, funding_wan_yuan=0)
    assert len(flags(world, "UNFUNDED_DELEGATION")) == 1


def test_unfunded_delegation_near_miss_funding_without_staff(world):
    delegate(world, [item_of(world)], staff_posts=0, funding_wan_yuan=5)
    delegate(world, [item_of(world)], state="submitted", staff_posts=0, funding_wan_yuan=0)
    assert flags(world, "UNFUNDED_DELEGATION") == []


# --- OVERDUE_REVIEW -------------------------------------------------------------------------
def test_overdue_review_fires_past_the_stored_deadline(world):
    # 15 working days after 2025-05-29 is 2025-06-20 (06-02 is the Dragon Boat Festival).
    delegate(world, [item_of(world)], state="submitted", submitted_on=D(2025, 5, 29))
    [flag] = flags(world, "OVERDUE_REVIEW")
    assert flag.evidence["deadline"] == "2025-06-20"


def test_overdue_review_without_deadline_counts_working_days(world, settings):
    settings.QINGDAN = {"REVIEW_DEADLINE_WORKING_DAYS": 15}
    # 2025-06-09 + 15 working days = 2025-06-30 (today): not yet overdue; 06-06 → 06-27: overdue.
    on_time = delegate(world, [item_of(world)], state="submitted", submitted_on=D(2025, 6, 9))
    late = delegate(world, [item_of(world)], state="submitted", submitted_on=D(2025, 6, 6))
    for request in (on_time, late):
        recorded_before_the_workflow(request, deadline=None)
    [flag] = flags(world, "OVERDUE_REVIEW")
    assert flag.delegation == late.pk and flag.evidence["deadline"] == "2025-06-27"


def test_overdue_review_near_miss_deadline_not_passed_or_decided(world):
    delegate(world, [item_of(world)], state="submitted", submitted_on=D(2025, 6, 9))  # due today
    delegate(world, [item_of(world)], state="approved", submitted_on=D(2024, 12, 11))  # due 01-01
    assert flags(world, "OVERDUE_REVIEW") == []


# --- NOT_OWNING_DEPARTMENT -------------------------------------------------------------------
def test_not_owning_department_fires_for_delegations_and_assignments(world):
    foreign = item_of(world, department=world.dept_b)
    delegate(world, [foreign], department=world.dept_a)
    assign(world, foreign, department=world.dept_a)
    found = flags(world, "NOT_OWNING_DEPARTMENT")
    assert sorted((f.assignment is None, f.evidence["owner"]) for f in found) == [
        (False, world.dept_b.name), (True, world.dept_b.name),
    ]


def test_not_owning_department_near_miss_own_item_or_township_item(world):
    delegate(world, [item_of(world, department=world.dept_a)], department=world.dept_a)
    township_item = DutyItemFactory(county=world.county, department=None)
    assign(world, township_item, department=world.dept_a)
    assert flags(world, "NOT_OWNING_DEPARTMENT") == []


# --- VAGUE_COOPERATION ----------------------------------------------------------------------
def test_vague_cooperation_fires_for_vague_words_once_per_township(world):
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item_of(world),
                     township_duty="视情况协调配合、其他工作")
    found = flags(world, "VAGUE_COOPERATION")
    assert sorted(f.township.code for f in found) == [world.township_a.code, world.township_b.code]
    assert found[0].department.code == "YJJ"


def test_vague_cooperation_fires_for_a_missing_department_duty(world):
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item_of(world), department_duty="",
                     townships=[world.township_b])
    [flag] = flags(world, "VAGUE_COOPERATION")
    assert flag.township.code == world.township_b.code


def test_vague_cooperation_near_miss_concrete_duty_with_a_vague_word(world):
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item_of(world),
                     township_duty="必要时开展巡查并报告")
    assert flags(world, "VAGUE_COOPERATION") == []


# --- DUPLICATE_ASSIGNMENT -------------------------------------------------------------------
def test_duplicate_assignment_fires_for_near_identical_titles_from_two_departments(world):
    first = assign(world, None, title="关于开展燃气安全大排查的通知", assigned_on=D(2025, 3, 1))
    second = assign(world, None, department=world.dept_b, title="关于开展 燃气安全大排查的通知。",
                    assigned_on=D(2025, 5, 20))
    found = flags(world, "DUPLICATE_ASSIGNMENT")
    assert sorted((f.assignment, tuple(f.evidence["duplicates"])) for f in found) == [
        (first.pk, (second.pk,)), (second.pk, (first.pk,)),
    ]


def test_duplicate_assignment_fires_for_the_same_item(world):
    item = item_of(world)
    assign(world, item, title="通知一")
    assign(world, item, department=world.dept_b, title="另一个标题", assigned_on=D(2025, 4, 1))
    assert len(flags(world, "DUPLICATE_ASSIGNMENT")) == 2


def test_duplicate_assignment_near_miss_same_department_or_over_90_days(world):
    assign(world, None, title="燃气安全大排查", assigned_on=D(2025, 1, 1))
    assign(world, None, title="燃气安全大排查", assigned_on=D(2025, 2, 1))  # same department
    assign(world, None, department=world.dept_b, title="燃气安全大排查", assigned_on=D(2025, 5, 3))  # 91 days
    assert flags(world, "DUPLICATE_ASSIGNMENT") == []
