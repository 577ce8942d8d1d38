"""A township's report of work pushed onto it: one Assignment recorded by the township.

The township names the department, what was asked, how (notice, meeting, pledge…), the
document number and the date; the flag engine then judges the assignment like any other
(UNLISTED_ASSIGNMENT, RECLAIMED_ITEM_ASSIGNED, MAIN_DUTY_SHIFTED…). Nothing else is asked of
the township (基层减负: no proof uploads, no re-typing of what the lists already hold).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.models import Assignment
from duties.models import DutyItem
from townships import access
from townships.models import Department, Township

# History change reason (stored data, in Chinese like the other services' reasons).
REASON_REPORTED = "乡镇报告"


@transaction.atomic
def report_assignment(
    user,
    township: Township,
    *,
    department: Department,
    title: str,
    channel: str,
    assigned_on: datetime.date,
    responsibility: str = Assignment.Responsibility.MAIN,
    document_no: str = "",
    duty_item: DutyItem | None = None,
    description: str = "",
) -> Assignment:
    """Record that ``department`` handed ``township`` the work ``title``; returns the
    Assignment (recorded_by township and reporting_township set when a township user
    reports; recorded_by office when the office records it), the township its only target. Only the township's own users (or the office) may report; raises
    PermissionDenied otherwise and ValidationError for inconsistent data."""
    problem = access.explain(user, "create_assignment", township)
    if problem:
        raise PermissionDenied(problem[1])
    errors = {}
    if department.county_id != township.county_id:
        errors["department"] = _("The department must belong to the township's county.")
    if duty_item is not None and duty_item.county_id != township.county_id:
        errors["duty_item"] = _("The item must belong to the township's county.")
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Say what the township was asked to do.")
    if channel not in Assignment.Channel.values:
        errors["channel"] = _("Unknown channel.")
    if responsibility not in Assignment.Responsibility.values:
        errors["responsibility"] = _("Unknown responsibility.")
    if errors:
        raise ValidationError(errors)

    by_township = access.role_of(user) == access.TOWNSHIP
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
            Assignment.RecordedBy.TOWNSHIP if by_township else Assignment.RecordedBy.OFFICE
        ),
        reporting_township=township if by_township else None,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    assignment._change_reason = REASON_REPORTED
    assignment.save()
    assignment.townships.set([township])
    return assignment
