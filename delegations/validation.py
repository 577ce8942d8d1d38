"""Rules on the content of a delegation or an assignment, shared by forms and services.

The database keeps the backstop (delegations/migrations/0003: a non-draft delegation has items
and townships); the workflow and these functions give the user a clear message before it is
reached.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _



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


def validate_assignment_townships(*, department, townships):
    """The townships an assignment is handed to are in the department's county."""
    if department is None:
        return
    errors = county_mismatches(department.county_id, townships=list(townships or []))
    if errors:
        raise ValidationError(errors)
