"""Recording an assignment (work handed to townships) from any channel: the API, pages, imports.

- a department user logs its own department's assignments (``recorded_by`` department);
- the office records any department's assignments of its county (``recorded_by`` office);
- a township user reports work pushed onto its own township: that is
  :func:`delegations.reports.report_assignment` (``recorded_by`` township, the reporting
  township set), to which this module hands over.

Who may do it is decided by :mod:`townships.access` (``create_assignment``); the checks on
the data (same county, a title, known channel and responsibility) are here.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.models import Assignment
from delegations.reports import report_assignment
from duties.models import DutyItem
from townships import access
from townships.models import Department, Township

# History change reason (stored data, like the workflow's).
REASON_LOGGED = "登记交办"


@transaction.atomic
def record_assignment(
    user,
    *,
    department: Department,
    townships: list[Township],
    title: str,
    channel: str,
    assigned_on: datetime.date,
    responsibility: str | None = None,
    document_no: str = "",
    duty_item: DutyItem | None = None,
    description: str = "",
) -> Assignment:
    """Record that ``department`` handed ``townships`` the work ``title``; returns the
    Assignment. Raises PermissionDenied when the user may not record it (a department user
    for another department, a township user for another township or for several townships)
    and ValidationError (field → messages) for inconsistent data."""
    townships = list(townships)
    if access.role_of(user) == access.TOWNSHIP:
        own = access.township_of(user)
        if len(townships) != 1 or townships[0].pk != getattr(own, "pk", None):
            raise PermissionDenied(_("You may report only for your own township."))
        extra = {"responsibility": responsibility} if responsibility else {}
        return report_assignment(
            user,
            townships[0],
            department=department,
            title=title,
            channel=channel,
            assigned_on=assigned_on,
            document_no=document_no,
            duty_item=duty_item,
            description=description,
            **extra,
        )

    access.check(user, "create_assignment", department)
    responsibility = responsibility or Assignment.Responsibility.COOPERATE
    errors = {}
    if not townships:
        errors["townships"] = _("Name at least one township.")
    foreign = [t.name for t in townships if t.county_id != department.county_id]
    if foreign:
        errors["townships"] = _("These townships are not in the department's county: %(names)s.") % {
            "names": "、".join(foreign)
        }
    if duty_item is not None and duty_item.county_id != department.county_id:
        errors["duty_item"] = _("The item must belong to the department's county.")
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Say what the townships were asked to do.")
    if channel not in Assignment.Channel.values:
        errors["channel"] = _("Unknown channel.")
    if responsibility not in Assignment.Responsibility.values:
        errors["responsibility"] = _("Unknown responsibility.")
    if errors:
        raise ValidationError(errors)

    by_department = access.role_of(user) == access.DEPARTMENT
    assignment = Assignment(
        department=department,
        title=title[:300],
        duty_item=duty_item,
        channel=channel,
        responsibility=responsibility,
        document_no=(document_no or "").strip()[:100],
        assigned_on=assigned_on,
        description=description or "",
        recorded_by=(
            Assignment.RecordedBy.DEPARTMENT if by_department else Assignment.RecordedBy.OFFICE
        ),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    assignment._change_reason = REASON_LOGGED
    assignment.save()
    assignment.townships.set(townships)
    return assignment
