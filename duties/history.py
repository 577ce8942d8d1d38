"""What changed on a township's lists between two days.

The lists as they stood at the end of a day are one rule, ``duties.services.entries_as_of``.
``changes_between`` compares the two days' lists entry by entry and attaches, to each added,
removed or changed entry, the history records made between the two days, with their change
reason (``history_change_reason``) and the entry's adjustment document number
(``document_no``). A constant number of queries whatever the size of the lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from duties import services
from duties.models import DutyItem, ListEntry, ListKind

# The fields whose change a reader of a list would notice (entry fields, then item fields).
ENTRY_COMPARED_FIELDS = (
    "effective_from",
    "effective_to",
    "source",
    "handling_office",
    "domain",
    "lead_department",
    "department_duty",
    "township_duty",
    "cooperating_departments",
    "requesting_department",
    "admission_mode",
    "approval_document",
    "approved_on",
    "staff_posts",
    "funding_wan_yuan",
    "receiving_department",
    "working_method",
    "notes",
)
ITEM_COMPARED_FIELDS = (
    "code",
    "name",
    "sub_item",
    "category",
    "legal_basis",
    "department",
    "responsibility_stages",
    "accountability_cases",
)


@dataclass
class ChangeEvent:
    """One dated history record that explains a change."""

    date: datetime.datetime
    action: str  # "created", "changed", "deleted", "in_force", "expired", "item_changed"
    reason: str
    document_no: str
    user: str


@dataclass
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass
class EntryChange:
    """An entry added to, removed from, or changed on a township's lists between two days."""

    change: str  # "added", "removed" or "changed"
    kind: str
    before: ListEntry | None
    after: ListEntry | None
    fields: list[FieldChange] = field(default_factory=list)
    events: list[ChangeEvent] = field(default_factory=list)

    @property
    def entry(self) -> ListEntry:
        return self.after or self.before

    @property
    def item(self):
        return self.entry.item

    @property
    def kind_label(self):
        return ListKind(self.kind).label


@dataclass
class Changes:
    day1: datetime.date
    day2: datetime.date
    added: list[EntryChange]
    removed: list[EntryChange]
    changed: list[EntryChange]

    @property
    def all(self) -> list[EntryChange]:
        return self.added + self.removed + self.changed

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def _display(obj, name) -> str:
    """A field's value as a reader sees it (choice labels, department names, ISO dates)."""
    model_field = obj._meta.get_field(name)
    if model_field.is_relation:
        related = getattr(obj, name, None)
        return str(related) if related is not None else ""
    value = getattr(obj, name)
    if model_field.choices and value:
        return str(getattr(obj, f"get_{name}_display")())
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _stored_names(model, names) -> list[tuple[str, str]]:
    """``(field name, attribute holding its stored value)``: a relation's id, so that equal
    stored values are known to display alike without reading the related objects."""
    return [(name, model._meta.get_field(name).attname) for name in names]


def compare_entries(before: ListEntry, after: ListEntry) -> list[FieldChange]:
    """The visible differences between two states of the same entry (item fields first).
    Only fields whose stored values differ are displayed (most of a list does not change)."""
    changes = []
    for model, old_obj, new_obj, names in (
        (DutyItem, before.item, after.item, _ITEM_STORED),
        (ListEntry, before, after, _ENTRY_STORED),
    ):
        for name, attname in names:
            if getattr(old_obj, attname) == getattr(new_obj, attname):
                continue
            old, new = _display(old_obj, name), _display(new_obj, name)
            if old != new:
                label = str(model._meta.get_field(name).verbose_name)
                changes.append(FieldChange(name, label, old, new))
    return changes


_ITEM_STORED = _stored_names(DutyItem, ITEM_COMPARED_FIELDS)
_ENTRY_STORED = _stored_names(ListEntry, ENTRY_COMPARED_FIELDS)


def _dedupe(events: list[ChangeEvent]) -> list[ChangeEvent]:
    """One event per saving: records of the same minute with the same reason and document
    (an entry saved, then its township scope set) are one change to a reader."""
    kept: dict = {}
    for event in events:
        key = (event.date.replace(second=0, microsecond=0), event.reason, event.document_no)
        first = kept.get(key)
        if first is None:
            kept[key] = event
        elif event.action in ("created", "deleted") and first.action == "changed":
            first.action = event.action  # "added" or "deleted" says more than "changed"
    return list(kept.values())


def _action(history_type: str) -> str:
    return {"+": "created", "~": "changed", "-": "deleted"}.get(history_type, "changed")


def changes_between(
    township, day1: datetime.date, day2: datetime.date, scope=None, kind=None
) -> Changes:
    """What was added to, removed from and changed on the township's lists after the end of
    ``day1`` up to the end of ``day2``, each with the history records (date, reason, document
    number, user) made in between. ``day1`` after ``day2`` is swapped. ``scope`` as for
    ``services.entries_as_of``. Eight queries.
    """
    if day1 > day2:
        day1, day2 = day2, day1
    before = {e.pk: e for e in services.entries_as_of(township, day1, kind=kind, scope=scope)}
    after = {e.pk: e for e in services.entries_as_of(township, day2, kind=kind, scope=scope)}
    start, end = services.end_of_day(day1), services.end_of_day(day2)

    # The records in between, read as values (a full history row per record cost as much as
    # the comparison itself); the user is shown by its username.
    event_fields = ("id", "history_date", "history_type", "history_change_reason",
                    "history_user__username")
    entry_events: dict[int, list[ChangeEvent]] = {}
    records = (
        ListEntry.history.model.objects.filter(
            history_date__gte=start, history_date__lt=end, item__county_id=township.county_id
        )
        .order_by("history_date", "history_id")
    )
    if kind:
        records = records.filter(kind=kind)
    wanted = before.keys() | after.keys()
    for pk, date, history_type, reason, user, document_no in records.values_list(
        *event_fields, "document_no"
    ):
        if pk not in wanted:
            continue
        entry_events.setdefault(pk, []).append(ChangeEvent(
            date=date, action=_action(history_type), reason=reason or "",
            document_no=document_no or "", user=user or "",
        ))
    item_events: dict[int, list[ChangeEvent]] = {}
    item_records = (
        DutyItem.history.model.objects.filter(
            history_date__gte=start, history_date__lt=end, county_id=township.county_id
        )
        .exclude(history_type="+")
        .order_by("history_date", "history_id")
    )
    for pk, date, _type, reason, user in item_records.values_list(*event_fields):
        item_events.setdefault(pk, []).append(ChangeEvent(
            date=date, action="item_changed", reason=reason or "", document_no="",
            user=user or "",
        ))

    def events_for(entry: ListEntry, change: str) -> list[ChangeEvent]:
        events = _dedupe(entry_events.get(entry.pk, []))
        if change == "changed":
            events += item_events.get(entry.item_id, [])
            events.sort(key=lambda e: e.date)
        if not events:
            # Nothing was recorded in between: the entry's own window opened or closed.
            if change == "added" and entry.effective_from and day1 < entry.effective_from <= day2:
                events.append(
                    ChangeEvent(
                        date=timezone.make_aware(
                            datetime.datetime.combine(entry.effective_from, datetime.time.min)
                        ),
                        action="in_force",
                        reason=_("came into force"),
                        document_no=entry.document_no,
                        user="",
                    )
                )
            elif change == "removed" and entry.effective_to and day1 <= entry.effective_to < day2:
                events.append(
                    ChangeEvent(
                        date=services.end_of_day(entry.effective_to),
                        action="expired",
                        reason=_("effective period ended"),
                        document_no=entry.document_no,
                        user="",
                    )
                )
        return events

    def order(change: EntryChange):
        return (list(ListKind.values).index(change.kind), change.item.code)

    added = sorted(
        (
            EntryChange("added", e.kind, None, e, events=events_for(e, "added"))
            for key, e in after.items()
            if key not in before
        ),
        key=order,
    )
    removed = sorted(
        (
            EntryChange("removed", e.kind, e, None, events=events_for(e, "removed"))
            for key, e in before.items()
            if key not in after
        ),
        key=order,
    )
    changed = []
    for key in before.keys() & after.keys():
        fields = compare_entries(before[key], after[key])
        if fields:
            changed.append(
                EntryChange(
                    "changed",
                    after[key].kind,
                    before[key],
                    after[key],
                    fields=fields,
                    events=events_for(after[key], "changed"),
                )
            )
    changed.sort(key=order)
    return Changes(day1=day1, day2=day2, added=added, removed=removed, changed=changed)
