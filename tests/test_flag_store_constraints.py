"""The flag store's and the cases' named constraints: a violating save fails in the database,
and model validation refuses it with the constraint's message. ``CASES`` has the shape of
``tests/test_constraints.py``'s (name → (model, build(world)))."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from delegations.models import Case, Finding, FlagStoreState
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def a_finding(w):
    """A stored finding (an unlisted assignment in township A)."""
    AssignmentFactory(department=w.dept_a, duty_item=None, title="迎检材料报送",
                      townships=[w.township_a])
    return Finding.objects.get(rule="UNLISTED_ASSIGNMENT", township=w.township_a)


def copy(obj, **fields):
    """An unsaved copy of ``obj`` with ``fields`` changed."""
    values = {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields
              if f.attname != "id"}
    return type(obj)(**(values | fields))


def finding(w, **fields):
    stored = a_finding(w)
    return copy(stored, **({"key": stored.key + "0"} | fields))


def case(w, **fields):
    stored = a_finding(w).case
    return copy(stored, **({"subject": stored.subject + ":0"} | fields))


def state_twice(w):
    FlagStoreState.objects.get_or_create(name="dates")
    return FlagStoreState(name="dates")


CASES = {
    "finding_identity_unique": (Finding, lambda w: copy(a_finding(w))),
    "finding_severity_valid": (Finding, lambda w: finding(w, severity="fatal")),
    "flag_store_state_name_unique": (FlagStoreState, state_twice),
    "case_subject_unique": (Case, lambda w: copy(a_finding(w).case)),
    "case_status_valid": (Case, lambda w: case(w, status="lost")),
    "case_answer_valid": (Case, lambda w: case(w, answer="maybe")),
    "case_resolution_valid": (Case, lambda w: case(w, resolution="forgotten")),
    "case_closed_has_resolution": (Case, lambda w: case(w, status="closed", resolution="")),
    "case_dismissal_explained": (
        Case, lambda w: case(w, status="closed", resolution="dismissed", close_note=""),
    ),
    "case_dispute_explained": (
        Case, lambda w: case(w, status="answered", answer="disputed", answer_note=""),
    ),
}


def test_every_constraint_of_the_store_and_the_cases_has_a_case():
    names = {c.name for model in (Finding, Case, FlagStoreState) for c in model._meta.constraints}
    assert set(CASES) == names


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_violating_save_fails_in_the_database(world, name):
    model, build = CASES[name]
    obj = build(world)
    with pytest.raises(IntegrityError) as failure, transaction.atomic():
        obj.save()
    if not name.endswith("unique"):
        assert name in str(failure.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_validation_refuses_with_the_constraint_message(world, name):
    model, build = CASES[name]
    obj = build(world)
    constraint = next(c for c in model._meta.constraints if c.name == name)
    with pytest.raises(ValidationError) as failure:
        obj.validate_constraints()
    assert str(constraint.violation_error_message) in " ".join(failure.value.messages)
