import pytest

from delegations.models import Delegation
from tests.factories import AssignmentFactory, DelegationFactory, ListEntryFactory

pytestmark = pytest.mark.django_db


def test_factories_build_every_list_kind_and_delegation_state(world):
    for kind in ("power", "territorial", "admission", "reclaimed"):
        entry = ListEntryFactory(kind=kind, item__county=world.county, item__department=world.dept_a)
        entry.full_clean()
    for state in Delegation.State.values:
        delegation = DelegationFactory(department=world.dept_a, state=state)
        delegation.refresh_from_db()
        assert delegation.state == state
        assert delegation.duty_items.count() == 1
    assignment = AssignmentFactory(department=world.dept_b, townships=[world.township_a])
    assert list(assignment.townships.all()) == [world.township_a]
