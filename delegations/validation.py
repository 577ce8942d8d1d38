"""Rules on the content of a delegation or an assignment, shared by forms and services.

The database keeps the backstop (delegations/migrations/0003: a non-draft delegation has items
and townships); these functions give the user a clear message before it is reached.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from delegations.models import DelegationState


def county_mismatches(county_id, *, duty_items=(), townships=()):
    """{field: message} for the items and townships that are not in the county ``county_id``."""
    errors = {}
    foreign_items = [item for item in duty_items if item.county_id != county_id]
    if foreign_items:
        errors["duty_items"] = _(
            "These items belong to another county than the department: %(items)s."
        ) % {"items": "、".join(str(item) for item in foreign_items)}
    foreign_townships = [t for t in townships if t.county_id != county_id]
    if foreign_townships:
        errors["townships"] = _(
            "These townships are not in the department's county: %(townships)s."
        ) % {"townships": "、".join(t.name for t in foreign_townships)}
    return errors


def validate_delegation(*, state, department, duty_items, townships):
    """Check a delegation's items and townships against its state and department.

    - outside the draft state it names at least one duty item and one township;
    - its items and townships are in the department's county.
    Raises ValidationError({"duty_items"|"townships": message}).
    """
    duty_items = list(duty_items or [])
    townships = list(townships or [])
    errors = {}
    if state and state != DelegationState.DRAFT:
        if not duty_items:
            errors["duty_items"] = _(
                "Choose at least one duty item, or keep the delegation as a draft."
            )
        if not townships:
            errors["townships"] = _(
                "Choose at least one township, or keep the delegation as a draft."
            )
    if department is not None:
        for field, message in county_mismatches(
            department.county_id, duty_items=duty_items, townships=townships
        ).items():
            errors.setdefault(field, message)
    if errors:
        raise ValidationError(errors)


def validate_assignment_townships(*, department, townships):
    """The townships an assignment is handed to are in the department's county."""
    if department is None:
        return
    errors = county_mismatches(department.county_id, townships=list(townships or []))
    if errors:
        raise ValidationError(errors)
