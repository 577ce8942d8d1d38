"""Row sources and shared conditions for the rules: what "listed", "covered" and "in force"
mean, written once as SQL (Exists / Subquery) so every rule uses the same definitions.

Row sources (one row = one candidate flag):
- ``assignment_rows()``  one row per (assignment, township);
- ``delegation_rows()``  one row per (delegation, township), or per (delegation, township,
  item) with ``items=True``;
- ``entry_rows(kind)``   one row per (list entry, township in its scope): county-wide entries
  are expanded to every township of the item's county, the others to the townships they name.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    CharField,
    Exists,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Trim
from django.utils import timezone

from delegations import calendar
from delegations.flags.registry import Context, GroupConcat, Part, Rows
from delegations.models import Assignment, CalendarDay, Delegation, Revocation
from duties.models import ListEntry, ListKind, in_window, scope_covers

AssignmentTownship = Assignment.townships.through
DelegationTownship = Delegation.townships.through
DelegationItem = Delegation.duty_items.through

APPROVED = Delegation.State.APPROVED
REVOKED = Delegation.State.REVOKED
SUBMITTED = Delegation.State.SUBMITTED
DRAFT = Delegation.State.DRAFT
PUBLISHED = ListEntry.Status.PUBLISHED

# Lists on which a township holds an item at all, or holds it as its own.
HELD_LISTS = [ListKind.POWER, ListKind.TERRITORIAL, ListKind.ADMISSION]
OWN_LISTS = [ListKind.POWER, ListKind.ADMISSION]

# References from inside a subquery to the (assignment, township) row being checked.
DAY = OuterRef("assignment__assigned_on")
ITEM = OuterRef("assignment__duty_item")
TITLE = OuterRef("assignment__title")
TOWNSHIP = OuterRef("township")
COUNTY = OuterRef("township__county")

DUPLICATE_WINDOW_DAYS = 90

# Characters dropped before comparing titles ("near-identical" titles). Kept short: SQLite's
# parser allows about 35 nested function calls, and each character is one REPLACE.
TITLE_NOISE = (" ", "\u3000", "，", ",", "、", "。", "：", "“", "”", "（", "）", "(", ")")
# docs/contracts.md §3 VAGUE_COOPERATION: words that say nothing concrete, plus joining words and
# the separators found between them.
VAGUE_WORDS = ("协调配合", "视情况", "必要时", "若干", "其他工作")
JOINING_WORDS = ("和", "及", "等")
VAGUE_SEPARATORS = (" ", "，", "、", "。", "；")


class StripChars(Func):
    """``expression`` with every one of ``chars`` removed: nested REPLACE with the characters
    written as SQL literals (constants of this module, never user input), so that the same
    expression used twice is recognised as the same by the database (SQLite then computes
    windows partitioned by it once)."""

    output_field = CharField()

    def __init__(self, expression, chars):
        for char in chars:
            if "'" in char or "\\" in char:
                raise ValueError("StripChars takes plain characters only")
        self.chars = tuple(chars)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        for char in self.chars:
            sql = f"REPLACE({sql}, '{char}', '')"
        return sql, params


def strip_chars(expression, chars):
    """``expression`` with every one of ``chars`` (strings) removed, in SQL (nested REPLACE)."""
    return StripChars(expression, chars)


def normalized_title(expression):
    """Titles are near-identical when equal after dropping whitespace and punctuation."""
    return strip_chars(expression, TITLE_NOISE)


def only_vague_words(expression):
    """SQL: the text is blank once vague words, joining words and punctuation are removed."""
    return Trim(strip_chars(expression, VAGUE_WORDS + JOINING_WORDS + VAGUE_SEPARATORS))


class DayNumber(Func):
    """A date as a number of days (for RANGE window frames), in native SQL."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - DATE '1970-01-01')", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"julianday({sql})", params


# --- dates -------------------------------------------------------------------------------
def delegation_in_force(day, prefix: str = "delegation__") -> Q:
    """The delegation (reached through ``prefix``; ``""`` on Delegation itself) is in force on
    ``day``: approved (or revoked later than ``day``), ``effective_from ≤ day ≤ effective_to``.
    The one set-based definition; ``Delegation.is_in_force_on`` is its twin for one object."""
    return Q(
        **{f"{prefix}state__in": [APPROVED, REVOKED], f"{prefix}effective_from__lte": day}
    ) & (Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": day})) & (
        Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": day})
    )


def delegation_live(today: datetime.date, prefix: str = "delegation__") -> Q:
    """A request under review or an approved delegation not yet expired."""
    return Q(**{f"{prefix}state": SUBMITTED}) | (
        Q(**{f"{prefix}state": APPROVED})
        & (Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": today}))
    )


def delegation_current(today: datetime.date, prefix: str = "delegation__") -> Q:
    """An approved delegation not yet expired (it may start later)."""
    return Q(**{f"{prefix}state": APPROVED}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": today})
    )


class NotIndexed(Func):
    """The column's value, written so that no index on it is used: the lookups by item are
    always the selective ones, but SQLite without statistics would rather scan a whole list
    through the (kind, status) index."""

    template = "(%(expressions)s || '')"
    output_field = CharField()


def entries_on(kinds, day=DAY, township=TOWNSHIP, county=COUNTY):
    """Entries of ``kinds`` in force on ``day`` (published, within their window) whose scope
    covers ``township`` — the definitions of ``duties.models`` — and, when an entry rests on a
    delegation, that delegation in force on ``day`` too (callers add the item condition).
    """
    return ListEntry.objects.alias(list_kind=NotIndexed("kind"), list_status=NotIndexed("status")).filter(
        in_window(day),
        scope_covers(township, county),
        Q(delegation__isnull=True) | delegation_in_force(day),
        list_kind__in=kinds,
        list_status=PUBLISHED,
    )


def listed(kinds) -> Q:
    """The assignment's item is on one of the township's ``kinds`` lists on the assignment
    date; an assignment without an item counts as listed when its title is the name of an
    item on those lists."""
    return (Q(assignment__duty_item__isnull=False) & Exists(entries_on(kinds).filter(item=ITEM))) | (
        Q(assignment__duty_item__isnull=True)
        & Exists(entries_on(kinds).filter(item__county=COUNTY, item__name=TITLE))
    )


def covered() -> Exists:
    """An approved delegation in force on the assignment date covers the item and township,
    unless a (partial) revocation effective by that date ended this item for this township."""
    pair_revoked = Revocation.objects.filter(
        delegation_id=OuterRef("delegation_id"),
        duty_items=OuterRef("dutyitem_id"),
        townships=OuterRef(TOWNSHIP),
        revoked_on__lte=OuterRef(DAY),
    )
    return Exists(
        DelegationItem.objects.filter(
            delegation_in_force(DAY), dutyitem=ITEM, delegation__townships=TOWNSHIP
        ).filter(~Exists(pair_revoked))
    )


def delegations_for_item():
    """Non-draft delegations naming the assignment's item and township (any state, any date)."""
    return DelegationItem.objects.filter(dutyitem=ITEM, delegation__townships=TOWNSHIP).exclude(
        delegation__state=DRAFT
    )


def id_list(queryset, group: str, column: str):
    """Subquery: the comma-separated ``column`` values of ``queryset`` (one group)."""
    return Subquery(
        queryset.order_by().values(group).annotate(ids=GroupConcat(column, ordered=True))
        .values("ids")[:1]
    )


# --- row sources -------------------------------------------------------------------------
def assignment_rows() -> Rows:
    """One row per (assignment, township), with the assignment's facts."""
    return Rows(
        Part(
            AssignmentTownship.objects.all(),
            township="township",
            department="assignment__department",
            duty_item="assignment__duty_item",
            assignment="assignment",
            facts={
                "title": "assignment__title",
                "assigned_on": "assignment__assigned_on",
                "document_no": "assignment__document_no",
                "channel": "assignment__channel",
                "responsibility": "assignment__responsibility",
            },
        )
    )


DELEGATION_FACTS = {
    "mode": "delegation__mode",
    "state": "delegation__state",
    "decision_no": "delegation__decision_no",
    "effective_from": "delegation__effective_from",
    "effective_to": "delegation__effective_to",
}


def delegation_rows(*conditions, items: bool = False, **lookups) -> Rows:
    """One row per (delegation, township), or per (delegation, township, item), filtered by
    ``conditions`` / ``lookups`` (relative to the through row: ``delegation__…``,
    ``dutyitem__…``)."""
    if items:
        part = Part(
            DelegationItem.objects.filter(*conditions, **lookups),
            township="delegation__townships",
            department="delegation__department",
            duty_item="dutyitem",
            delegation="delegation",
            facts=dict(DELEGATION_FACTS),
        )
    else:
        part = Part(
            DelegationTownship.objects.filter(*conditions, **lookups),
            township="township",
            department="delegation__department",
            delegation="delegation",
            facts=dict(DELEGATION_FACTS),
        )
    return Rows(part)


def entry_rows(kinds, today: datetime.date | None = None, *, department: str | None = None) -> Rows:
    """One row per (published list entry of ``kinds``, township in its scope); with ``today``,
    only entries in force that day."""
    base = ListEntry.objects.filter(kind__in=kinds)
    base = base.in_force(today) if today is not None else base.published()
    common = dict(
        department=department,
        duty_item="item",
        delegation="delegation",
        entry="pk",
        facts={
            "list": "kind",
            "entry_effective_from": "effective_from",
            "entry_effective_to": "effective_to",
            "entry_document_no": "document_no",
        },
    )
    return Rows(
        Part(base.filter(all_townships=True), township="item__county__townships", **common),
        Part(base.filter(all_townships=False), township="townships", **common),
    )


# --- the review deadline -------------------------------------------------------------------
def overdue_context(today: datetime.date) -> Context:
    """The context OVERDUE_REVIEW needs, with one query (the holiday calendar).

    A request without a stored deadline is due ``N`` working days after the day it was
    submitted (``QINGDAN["REVIEW_DEADLINE_WORKING_DAYS"]``). It is overdue when that day is
    before ``today``, i.e. when it was submitted before the ``N``-th working day counted back
    from yesterday; the cutoff is the start of that day in local time.
    """
    n = calendar.review_deadline_days()
    special = dict(
        CalendarDay.objects.filter(date__lte=today + datetime.timedelta(days=400)).values_list(
            "date", "kind"
        )
    )
    day = calendar.nth_working_day_before(today, n, special)
    cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return Context(today=today, overdue_cutoff=cutoff, calendar=special, deadline_days=n)
