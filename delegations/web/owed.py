"""What a department owes the townships: the lists seen from the department's side.

One read for the department's own page (``department_page``):

- its main responsibility (主体责任) on the territorial lists, with the townships each entry
  covers and the duty written for the department (and, beside it, the township's share);
- the items it reclaimed (收回清单), with the townships and its working method;
- the delegations it made (赋权/委托/交办, approved or revoked) and their terms: mode, items,
  townships, decision number, effective window, staff and funding, written agreement,
  revocations;
- the assignments it logged (or that townships reported about it) and the flags they raised.

Every part is one query (and its prefetches) whatever the size of the county, and the flags
are read once for the department (``flags_for``), so the page costs a constant number of
queries. The rows are those the viewer may see (``townships.access``); the flags those of the
viewer's flag scope.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from delegations.models import Assignment, Delegation, Revocation
from delegations.web.flag_reads import flags_for
from duties.models import DutyItem, ListEntry, ListKind
from townships import access
from townships.models import Department, Township

# The assignments shown on the page (the newest first); the assignment list has the rest.
ASSIGNMENT_LIMIT = 100
DECIDED_STATES = (Delegation.State.APPROVED, Delegation.State.REVOKED)


def may_view(user, department: Department) -> bool:
    """The department's own users and the office of its county may open its page."""
    role = access.role_of(user)
    if role == access.DEPARTMENT:
        return access.profile_of(user).department_id == department.pk
    if role == access.OFFICE:
        limit = access.office_county_id(user)
        return limit is None or limit == department.county_id
    return False


def _entries(user, department, kind, role_field, today):
    rows = (
        ListEntry.objects.filter(access.scope_q(user, ListEntry), kind=kind, **{role_field: department})
        .effective_on(today)
        .select_related("item")
        .prefetch_related(Prefetch("townships", queryset=Township.objects.order_by("code")))
        .order_by("item__code", "id")
    )
    return list(rows)


@dataclass
class Owed:
    """What ``department`` owes the townships (see the module docstring)."""

    department: Department
    territorial: list[ListEntry]
    reclaimed: list[ListEntry]
    delegations: list[Delegation]
    assignments: list[Assignment]
    assignment_total: int
    flags: list = field(default_factory=list)
    # Flags that name neither a delegation nor an assignment shown here.
    other_flags: list = field(default_factory=list)

    @property
    def flag_count(self) -> int:
        return len(self.flags)


def what_department_owes(user, department: Department, today: datetime.date | None = None) -> Owed:
    """The department's page, as ``user`` may see it, on ``today`` (default: today)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    territorial = _entries(user, department, ListKind.TERRITORIAL, "lead_department", today)
    reclaimed = _entries(user, department, ListKind.RECLAIMED, "receiving_department", today)
    ordered_townships = Township.objects.order_by("code")
    delegations = list(
        access.restrict(user, Delegation.objects.filter(department=department, state__in=DECIDED_STATES))
        .prefetch_related(
            Prefetch("duty_items", queryset=DutyItem.objects.order_by("code")),
            Prefetch("townships", queryset=ordered_townships),
            Prefetch(
                "revocations",
                queryset=Revocation.objects.order_by("revoked_on", "id").prefetch_related(
                    Prefetch("townships", queryset=ordered_townships), "duty_items"
                ),
            ),
        )
        .order_by("-decided_at", "-id")
    )
    visible_assignments = access.restrict(user, Assignment.objects.filter(department=department))
    assignments = list(
        visible_assignments.select_related("duty_item", "reporting_township")
        .prefetch_related(Prefetch("townships", queryset=ordered_townships))
        .order_by("-assigned_on", "-id")[:ASSIGNMENT_LIMIT]
    )
    assignment_total = (
        len(assignments) if len(assignments) < ASSIGNMENT_LIMIT else visible_assignments.count()
    )

    flags = flags_for(user, department)
    by_assignment, by_delegation = defaultdict(list), defaultdict(list)
    for flag in flags:
        if flag.assignment:
            by_assignment[flag.assignment].append(flag)
        elif flag.delegation:
            by_delegation[flag.delegation].append(flag)
    shown = set()
    for row in assignments:
        row.flags = by_assignment.get(row.pk, [])
        shown.add(("a", row.pk))
    for row in delegations:
        row.flags = by_delegation.get(row.pk, [])
        row.is_in_force = row.is_in_force_on(today)
        shown.add(("d", row.pk))
    other = [
        flag
        for flag in flags
        if not (
            (flag.assignment and ("a", flag.assignment) in shown)
            or (not flag.assignment and flag.delegation and ("d", flag.delegation) in shown)
        )
    ]
    return Owed(
        department=department,
        territorial=territorial,
        reclaimed=reclaimed,
        delegations=delegations,
        assignments=assignments,
        assignment_total=assignment_total,
        flags=flags,
        other_flags=other,
    )
