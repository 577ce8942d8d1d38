"""Dates decide: a delegation covers only while approved and in force on the assignment date;
a list entry only within its window. Flags follow the current data on every query."""

import datetime

import pytest

from delegations.flags import FlagQuery, store
from duties.models import ListEntry, ListKind
from tests.factories import (
    AssignmentFactory,
    DelegationFactory,
    DutyItemFactory,
    ListEntryFactory,
    approve,
    revoke,
)

pytestmark = pytest.mark.django_db
# After each test, the flag store equals the rules computed today (the factories and the
# helpers below write as production does, refreshing the store).
from tests.factories import store_follows_every_test, the_store_follows  # noqa: E402, F401
D = datetime.date



def unlisted(world):
    return sorted(
        f.assignment for f in FlagQuery(county=world.county, rules="UNLISTED_ASSIGNMENT",
                                         today=D(2025, 12, 31))
    )


@pytest.fixture
def offloaded(world):
    """An item on no list, assigned to township A on 2025-03-01 and on 2025-09-01, and
    ``request(**fields)``: the department's request of it, submitted on 2024-12-02 (effective
    from 2025-01-01 unless ``fields`` say otherwise)."""
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    early = AssignmentFactory(department=world.dept_a, townships=[world.township_a], duty_item=item,
                              assigned_on=D(2025, 3, 1))
    late = AssignmentFactory(department=world.dept_a, townships=[world.township_a], duty_item=item,
                             assigned_on=D(2025, 9, 1))

    def request(**fields):
        fields = {"townships": [world.township_a], "effective_from": D(2025, 1, 1), **fields}
        return DelegationFactory(department=world.dept_a, duty_items=[item], state="submitted",
                                 submitted_on=D(2024, 12, 2), **fields)

    return item, early, late, request


def approved(request, **fields):
    return approve(request(**fields), "示县委〔2025〕3号", on=D(2024, 12, 20))


def test_approving_a_delegation_that_covers_the_assignments_clears_their_flags(world, offloaded):
    _item, early, late, request = offloaded
    submitted = request()
    assert unlisted(world) == [early.pk, late.pk]
    approve(submitted, "示县委〔2025〕3号", on=D(2024, 12, 20))
    assert unlisted(world) == []


def test_revoking_keeps_earlier_assignments_covered_and_flags_later_ones(world, offloaded):
    _item, _early, late, request = offloaded
    revoke(approved(request), D(2025, 6, 1))
    assert unlisted(world) == [late.pk]


def test_expiry_keeps_earlier_assignments_covered_and_flags_later_ones(world, offloaded):
    _item, _early, late, request = offloaded
    approved(request, effective_to=D(2025, 8, 31))
    assert unlisted(world) == [late.pk]


def test_a_delegation_starting_after_the_assignment_does_not_cover_it(world, offloaded):
    _item, early, _late, request = offloaded
    approved(request, effective_from=D(2025, 4, 1))
    assert unlisted(world) == [early.pk]


def test_a_delegation_for_another_township_does_not_cover(world, offloaded):
    _item, early, late, request = offloaded
    approved(request, townships=[world.township_b])
    assert unlisted(world) == [early.pk, late.pk]


def test_a_list_entry_counts_only_within_its_window(world, offloaded):
    item, early, late, _request = offloaded
    ListEntryFactory(kind=ListKind.POWER, item=item, effective_from=D(2025, 1, 1),
                     effective_to=D(2025, 6, 30))
    assert unlisted(world) == [late.pk]


def test_a_list_entry_resting_on_a_revoked_delegation_stops_counting_at_revocation(world, offloaded):
    item, _early, late, request = offloaded
    delegation = approved(request)
    entry = ListEntry.objects.get(kind=ListKind.ADMISSION, item=item, delegation=delegation)
    assert (entry.effective_from, entry.effective_to) == (D(2025, 1, 1), None)
    revoke(delegation, D(2025, 6, 1))
    entry.effective_to = None  # the entry left open after the revocation (a clerk's save)
    entry.save()
    store.refresh(county=entry.item.county_id, reason="修改清单")
    assert unlisted(world) == [late.pk]


def test_expired_delegation_makes_later_assignments_rely_on_a_delegation_not_in_force(world, offloaded):
    _item, _early, late, request = offloaded
    delegation = approved(request, effective_to=D(2025, 8, 31))
    [flag] = FlagQuery(county=world.county, rules="DELEGATION_NOT_IN_FORCE", today=D(2025, 12, 31))
    assert (flag.assignment, flag.delegation, flag.evidence["reason"]) == (late.pk, delegation.pk, "expired")


def test_a_partial_revocation_ends_the_cover_for_the_revoked_township_only(world, offloaded):
    item, early, late, _request = offloaded
    other = AssignmentFactory(department=world.dept_a, townships=[world.township_b], duty_item=item,
                              assigned_on=D(2025, 9, 1))
    delegation = approve(
        DelegationFactory(department=world.dept_a, duty_items=[item],
                          townships=[world.township_a, world.township_b], state="submitted",
                          submitted_on=D(2024, 12, 2), effective_from=D(2025, 1, 1)),
        "示县委〔2025〕3号", on=D(2024, 12, 20),
    )
    assert unlisted(world) == []
    revoke(delegation, D(2025, 6, 1), townships=[world.township_a])
    delegation.refresh_from_db()
    assert delegation.state == "approved"  # township B still holds it
    # Township A was covered on 2025-03-01, no longer on 2025-09-01; township B still is.
    assert unlisted(world) == [late.pk]
    assert other.pk not in unlisted(world)
