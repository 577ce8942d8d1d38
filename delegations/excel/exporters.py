"""Exporting the past-work sheets (``duties.excel.exporters`` hands over ``default_queryset``
and ``rows_of`` for these kinds; the writer, title row and formula safety are its own).

Rows hold what the importer reads back (delegations.excel.importers): choices as their
Chinese labels, dates as dates, 乡镇/适用乡镇 as township names joined by 、 (全部 when the row
covers every township of the county), the department's full name, the item's code and name —
so an export imports again unchanged. A decided delegation of several items is one row per
item. Each export runs a constant number of queries.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.utils import timezone

from delegations.excel import sheets
from delegations.models import Assignment, Delegation
from duties.excel.spec import ALL_TOWNSHIPS_EXPORT
from duties.models import DutyItem
from townships.models import Township

DECIDED_STATES = (Delegation.State.APPROVED, Delegation.State.REVOKED)


def default_queryset(kind, *, county, township=None):
    """The county's assignments (those naming ``township``, when given), or its approved and
    revoked delegations (those naming ``township``)."""
    if kind == sheets.ASSIGNMENTS:
        queryset = Assignment.objects.filter(department__county=county)
    elif kind == sheets.DELEGATIONS:
        queryset = Delegation.objects.filter(department__county=county, state__in=DECIDED_STATES)
    else:
        raise ValueError(f"Unknown past-work sheet kind {kind!r}.")
    if township is not None:
        queryset = queryset.filter(townships=township)
    return queryset


def rows_of(kind, queryset):
    if kind == sheets.ASSIGNMENTS:
        return _assignment_rows(queryset)
    if kind == sheets.DELEGATIONS:
        return _delegation_rows(queryset)
    raise ValueError(f"Unknown past-work sheet kind {kind!r}.")


def _townships_prefetch():
    return Prefetch("townships", queryset=Township.objects.order_by("code").only("id", "name", "county_id"))


def _county_sizes(objects) -> dict:
    """county id -> how many townships it has (one query)."""
    county_ids = {obj.department.county_id for obj in objects}
    sizes = defaultdict(int)
    for county_id in Township.objects.filter(county_id__in=county_ids).values_list("county_id", flat=True):
        sizes[county_id] += 1
    return sizes


def _scope(townships, county_size) -> str:
    if townships and len(townships) == county_size:
        return ALL_TOWNSHIPS_EXPORT
    return "、".join(t.name for t in townships)


def _assignment_rows(queryset):
    assignments = list(
        queryset.select_related("department", "duty_item")
        .prefetch_related(_townships_prefetch())
        .order_by("assigned_on", "pk")
    )
    sizes = _county_sizes(assignments)
    for assignment in assignments:
        item = assignment.duty_item
        yield [
            assignment.department.name,
            _scope(list(assignment.townships.all()), sizes[assignment.department.county_id]),
            assignment.title,
            item.code if item else "",
            item.name if item else "",
            sheets.CHANNEL_LABELS.get(assignment.channel, assignment.channel),
            sheets.RESPONSIBILITY_LABELS.get(assignment.responsibility, assignment.responsibility),
            assignment.document_no,
            assignment.assigned_on,
            assignment.description,
        ]


def _delegation_rows(queryset):
    delegations = list(
        queryset.select_related("department")
        .prefetch_related(
            Prefetch("duty_items", queryset=DutyItem.objects.order_by("code").only("id", "code", "name")),
            _townships_prefetch(),
        )
        .order_by("decided_at", "pk")
    )
    sizes = _county_sizes(delegations)
    for delegation in delegations:
        scope = _scope(list(delegation.townships.all()), sizes[delegation.department.county_id])
        decided_on = timezone.localdate(delegation.decided_at) if delegation.decided_at else None
        for item in delegation.duty_items.all():
            yield [
                delegation.department.name,
                sheets.MODE_LABELS.get(delegation.mode, delegation.mode),
                item.code,
                item.name,
                scope,
                delegation.decision_no,
                decided_on,
                delegation.effective_from,
                delegation.effective_to,
                delegation.agreement_scope,
                delegation.agreement_powers,
                delegation.agreement_term_end,
                delegation.published_on,
                delegation.provincial_decision,
                delegation.staff_posts,
                delegation.funding_wan_yuan,
                delegation.legal_basis,
                delegation.reason,
            ]
