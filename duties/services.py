"""Business rules of the duty lists: an entry's scope, a township's lists today and as they
stood on a past day.

A township's lists are the entries whose scope covers it (``ListEntry.objects.covering``) and
whose effective window covers the day (``effective_on``), within what the reader may see
(``townships.access``: the public sees published entries only). The lists "as they stood on
day D" are read from the django-simple-history tables, with the catalog items as they stood
that day too; an entry recorded after D that took effect by D (a list moved in later) counts
in its first recorded version. The API, the township pages, their exports and the history views all read them
here, so they give the same entries for the same day.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from duties.models import DutyItem, ListEntry, history_scope_covers, in_window
from townships.models import Department


# --- Scope of a list entry -------------------------------------------------------------------


def validate_scope(item, all_townships, townships):
    """Check the scope of a list entry: every township of the item's county, or named ones.

    ``item`` is the entry's DutyItem (or None when not yet known: then only the shape of the
    scope is checked), ``townships`` an iterable of Township. Raises ValidationError (without a
    field name; callers attach it to their townships field) when
    - the entry is for named townships but names none,
    - it is for every township and also names some (the two would contradict each other),
    - a named township belongs to another county than the item.
    """
    townships = list(townships or [])
    if all_townships and townships:
        raise ValidationError(
            _(
                "An entry for every township of the county names no townships: untick "
                "“every township of the county” or remove the townships."
            ),
            code="scope_ambiguous",
        )
    if not all_townships and not townships:
        raise ValidationError(
            _("Name at least one township, or apply the entry to every township of the county."),
            code="scope_empty",
        )
    if item is not None:
        foreign = [t for t in townships if t.county_id != item.county_id]
        if foreign:
            raise ValidationError(
                _("These townships are not in the item's county (%(county)s): %(townships)s.")
                % {"county": item.county, "townships": "、".join(t.name for t in foreign)},
                code="scope_other_county",
            )


# --- A township's lists ----------------------------------------------------------------------

LIST_TIMEZONE = ZoneInfo("Asia/Shanghai")
ENTRY_RELATED = (
    "item",
    "item__county",
    "item__department",
    "lead_department",
    "requesting_department",
    "receiving_department",
)
ENTRY_ORDER = ("kind", "item__code", "id")
ENTRY_DEPARTMENTS = ("lead_department", "requesting_department", "receiving_department")


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in China time: history recorded before it counts."""
    if day >= datetime.date.max:
        return datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=LIST_TIMEZONE
    )


def current_entries(township, *, entries=None, kind=None, day=None):
    """The entries on ``township``'s lists whose window covers ``day`` (default: today), as a
    queryset (callers paginate it; one query).

    ``entries`` is the ListEntry queryset the reader may see (already scoped for the user);
    ``kind`` one of ListKind or None for all four lists.
    """
    day = day or timezone.localdate()
    queryset = entries if entries is not None else ListEntry.objects.all()
    queryset = queryset.covering(township).effective_on(day)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.select_related(*ENTRY_RELATED).order_by(*ENTRY_ORDER)


def _history_rows_as_of(township, day, *, kind=None, scope=None):
    """Per entry, the version that speaks for ``day``: its latest history row recorded by the
    end of ``day``; for an entry recorded only later (a list moved in after the day it took
    effect), its first recorded row. Deletions are dropped; the row's recorded scope must cover
    the township and its window ``day``.

    Two queries: the versions (id, date) of every entry that could cover the township — its
    county's, or one naming it — are read and the version picked here (a correlated "latest
    of each" subquery per row cost far more), then the picked rows."""
    history = ListEntry.history.model
    cutoff = end_of_day(day)
    named = history.townships.model.objects.filter(township=township).values("history")
    versions = history.objects.filter(
        Q(item__county_id=township.county_id)
        | Q(id__in=history.objects.filter(history_id__in=named).values("id"))
    )
    latest, first = {}, {}
    for entry_id, history_id, date in versions.values_list("id", "history_id", "history_date"):
        order = (date, history_id)
        if date < cutoff and (entry_id not in latest or order > latest[entry_id]):
            latest[entry_id] = order
        if entry_id not in first or order < first[entry_id]:
            first[entry_id] = order
    picked = [order[1] for order in {**first, **latest}.values()]
    rows = (
        history.objects.filter(history_id__in=picked)
        .exclude(history_type="-")
        .filter(history_scope_covers(township), in_window(day))
    )
    if kind:
        rows = rows.filter(kind=kind)
    if scope is not None:
        rows = rows.filter(scope)
    return rows.order_by(*ENTRY_ORDER)


def _as_model(model, queryset, *extra):
    """``(model instance, *extra values)`` per row of a history ``queryset``: the model's own
    fields read as values and the instance made by ``from_db`` (a history row object and
    ``.instance`` cost two full model builds per row, most of a 1,000-entry page)."""
    names = [f.attname for f in model._meta.concrete_fields]
    for values in queryset.values_list(*names, *extra):
        yield (model.from_db(queryset.db, names, values[:len(names)]), *values[len(names):])


def _items_as_of(county_id, cutoff) -> dict:
    """Per catalog item of the county, ``(item as it stood, history type)`` of its latest
    history row made before ``cutoff`` (for an item recorded only later, its first row)."""
    # A linear scan of the county's item history beats a correlated "latest of each"
    # subquery by far (items change rarely: one to a few records each).
    latest, first = {}, {}
    records = DutyItem.history.model.objects.filter(county_id=county_id)
    for item, date, history_id, history_type in _as_model(
        DutyItem, records, "history_date", "history_id", "history_type"
    ):
        order = (date, history_id)
        if date < cutoff and (item.pk not in latest or order > latest[item.pk][0]):
            latest[item.pk] = (order, item, history_type)
        if item.pk not in first or order < first[item.pk][0]:
            first[item.pk] = (order, item, history_type)
    return {pk: (item, history_type) for pk, (_o, item, history_type) in {**first, **latest}.items()}


def entries_as_of(township, day: datetime.date, *, kind=None, scope=None) -> list:
    """The entries on ``township``'s lists as they stood at the end of ``day`` (China time).

    Each entry is its latest version recorded by then (deleted entries dropped) — or, for an
    entry recorded in qingdan only after ``day`` (a county's lists moved in with the day they
    took effect, docs/excel.md), its first recorded version — whose recorded scope covered the
    township and whose effective window covered ``day``. The day a list took effect decides;
    the day it was recorded only picks the version of its text. Each is an unsaved
    ``ListEntry`` whose ``item`` is the catalog item as it stood that day too (name, category,
    basis… from the item's history). ``scope`` is the reader's visibility
    (``townships.access.scope_q(user, ListEntry)``, applied to the history rows, so an entry
    that was a draft that day stays hidden from the public; None: every entry). Five queries
    whatever the size of the lists (the versions, the picked rows, the items' versions, the
    county's departments, the township's county unless loaded).
    """
    entries = [entry for (entry,) in _as_model(
        ListEntry, _history_rows_as_of(township, day, kind=kind, scope=scope))]
    items = _items_as_of(township.county_id, end_of_day(day))
    county = township.county
    departments = {d.pk: d for d in Department.objects.filter(county_id=township.county_id)}
    named = {getattr(e, f"{name}_id") for e in entries for name in ENTRY_DEPARTMENTS} - {None}
    if not named <= departments.keys():  # a department of another county (none normally)
        departments.update(Department.objects.in_bulk(named - departments.keys()))
    # An item with no usable version that day (deleted since, or none recorded) shows as it is
    # now: one query for all of them (normally none).
    live = [e.item_id for e in entries if items.get(e.item_id, (None, "-"))[1] == "-"]
    live_items = DutyItem.objects.select_related("county", "department").in_bulk(live) if live else {}
    for entry in entries:
        item = live_items.get(entry.item_id)
        if item is None and entry.item_id in items:
            item = items[entry.item_id][0]
            item.county = county
            item.department = departments.get(item.department_id)
        entry.item = item
        for name in ENTRY_DEPARTMENTS:
            setattr(entry, name, departments.get(getattr(entry, f"{name}_id")))
    return entries
