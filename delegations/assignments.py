"""Recording an assignment (work handed to townships), from every channel: API, pages, admin.

- a department user logs its own department's assignments (``recorded_by`` department);
- the office records any department's assignments (``recorded_by`` office);
- a township user reports work pushed onto its own township (``recorded_by`` township, the
  reporting township set). Nothing else is asked of the township (基层减负: no proof uploads,
  no re-typing of what the lists already hold); the flag engine then judges the assignment
  like any other.

Who may do it is decided by :mod:`townships.access` (``create_assignment``); the checks on the
data (same county, a title, known channel and responsibility) are here, once.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.flags import store as flag_store
from delegations.models import Assignment
from delegations.stamps import real_user
from delegations.validation import county_mismatches
from duties.models import DutyItem
from townships import access
from townships.models import Department, Township

# History change reasons (stored data, in Chinese like the other services' reasons).
REASON_LOGGED = "登记交办"
REASON_REPORTED = "乡镇报告"


def _errors(*, department, townships, duty_item, title, channel, responsibility) -> dict:
    errors = {}
    if not townships:
        errors["townships"] = _("Name at least one township.")
    errors.update(county_mismatches(department.county_id, townships=townships))
    if duty_item is not None and duty_item.county_id != department.county_id:
        errors["duty_item"] = _("The item must belong to the department's county.")
    if not title:
        errors["title"] = _("Say what the townships were asked to do.")
    if channel not in Assignment.Channel.values:
        errors["channel"] = _("Unknown channel.")
    if responsibility not in Assignment.Responsibility.values:
        errors["responsibility"] = _("Unknown responsibility.")
    return errors


def _create(
    user, *, department, townships, title, channel, responsibility, assigned_on, document_no,
    duty_item, description, recorded_by, reporting_township=None, reason,
) -> Assignment:
    title = (title or "").strip()
    errors = _errors(
        department=department, townships=townships, duty_item=duty_item, title=title,
        channel=channel, responsibility=responsibility,
    )
    if errors:
        raise ValidationError(errors)
    assignment = Assignment(
        department=department,
        title=title[:300],
        duty_item=duty_item,
        channel=channel,
        responsibility=responsibility,
        document_no=(document_no or "").strip()[:100],
        assigned_on=assigned_on,
        description=description or "",
        recorded_by=recorded_by,
        reporting_township=reporting_township,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    assignment._change_reason = reason
    assignment._history_user = real_user(user)  # also when there is no request (commands)
    assignment.save()
    assignment.townships.set(townships)
    flag_store.assignment_recorded(assignment, townships, reason=reason, user=user)
    return assignment


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
    reason: str = REASON_LOGGED,
) -> Assignment:
    """Record that ``department`` handed ``townships`` the work ``title``; returns the
    Assignment. ``reason`` is the history's change reason (an import gives "导入 <file>"). A township user is handed over to :func:`report_assignment` (one township,
    its own). Raises PermissionDenied when the user may not record it and ValidationError
    (field → message) for inconsistent data."""
    townships = list(townships)
    if access.role_of(user) == access.TOWNSHIP:
        own = access.township_of(user)
        if len(townships) != 1 or townships[0].pk != getattr(own, "pk", None):
            raise PermissionDenied(_("You may report only for your own township."))
        return report_assignment(
            user, townships[0], department=department, title=title, channel=channel,
            assigned_on=assigned_on, responsibility=responsibility or Assignment.Responsibility.MAIN,
            document_no=document_no, duty_item=duty_item, description=description,
        )
    access.check(user, "create_assignment", department)
    by_department = access.role_of(user) == access.DEPARTMENT
    return _create(
        user, department=department, townships=townships, title=title, channel=channel,
        responsibility=responsibility or Assignment.Responsibility.COOPERATE,
        assigned_on=assigned_on, document_no=document_no, duty_item=duty_item,
        description=description,
        recorded_by=(
            Assignment.RecordedBy.DEPARTMENT if by_department else Assignment.RecordedBy.OFFICE
        ),
        reason=reason,
    )


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
    """Record that ``department`` handed ``township`` the work ``title``, as reported by the
    township (or recorded by the office on its behalf). Only the township's own users or the
    office may; raises PermissionDenied otherwise and ValidationError for inconsistent data."""
    problem = access.explain(user, "create_assignment", township)
    if problem:
        raise PermissionDenied(problem[1])
    by_township = access.role_of(user) == access.TOWNSHIP
    return _create(
        user, department=department, townships=[township], title=title, channel=channel,
        responsibility=responsibility, assigned_on=assigned_on, document_no=document_no,
        duty_item=duty_item, description=description,
        recorded_by=(
            Assignment.RecordedBy.TOWNSHIP if by_township else Assignment.RecordedBy.OFFICE
        ),
        reporting_township=township if by_township else None,
        reason=REASON_REPORTED,
    )
