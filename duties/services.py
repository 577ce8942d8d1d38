"""Business rules of the duty lists."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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


# --- Lists as of a date ----------------------------------------------------------------------
#
# A township's lists "as they stood on day D" are read from the django-simple-history tables:
# for every entry, its latest historical row recorded by the end of D (China time), unless that
# row is a deletion; the row's own scope (every township of the county, or the townships in the
# m2m history snapshot of that row) and effective window decide whether it was on the
# township's list that day. Without a date, the lists are the current entries in force today.
# Every function returns a queryset: callers paginate it and the query count stays constant.

import datetime as _datetime  # noqa: E402  (kept with the section it serves)
from zoneinfo import ZoneInfo  # noqa: E402

from django.db.models import OuterRef, Q, Subquery  # noqa: E402
from django.utils import timezone  # noqa: E402

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


def end_of_day(day: _datetime.date) -> _datetime.datetime:
    """The first instant after ``day`` in China time: history recorded before it counts."""
    if day >= _datetime.date.max:
        return _datetime.datetime.max.replace(tzinfo=_datetime.timezone.utc)
    return _datetime.datetime.combine(
        day + _datetime.timedelta(days=1), _datetime.time.min, tzinfo=LIST_TIMEZONE
    )


def _in_window(queryset, day):
    return queryset.filter(effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )


def current_entries(township, *, entries=None, kind=None, day=None):
    """The entries on ``township``'s lists in force on ``day`` (default: today).

    ``entries`` is the ListEntry queryset the caller may see (already scoped for the user);
    ``kind`` one of ListKind or None for all four lists.
    """
    from duties.models import ListEntry

    day = day or timezone.localdate()
    queryset = entries if entries is not None else ListEntry.objects.all()
    queryset = queryset.filter(
        Q(all_townships=True, item__county_id=township.county_id)
        | Q(pk__in=ListEntry.townships.through.objects.filter(township_id=township.pk).values(
            "listentry_id"
        ))
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    return _in_window(queryset, day).select_related(*ENTRY_RELATED).order_by(*ENTRY_ORDER)


def entries_as_of(township, day: _datetime.date, *, kind=None, scope=None):
    """The historical rows of the entries on ``township``'s lists as they stood at the end of
    ``day``: each entry's latest version recorded by then (deleted entries dropped), whose scope
    covered the township and whose effective window covered ``day``.

    Returns a queryset of HistoricalListEntry (same field names as ListEntry; ``id`` is the
    entry's id). ``scope`` is a condition on ListEntry fields (the user's visibility, e.g.
    ``townships.access.scope_q(user, ListEntry)``), applied to the historical rows, so that
    an entry that was a draft on that day stays hidden from those who see published ones only.
    """
    from duties.models import ListEntry

    history = ListEntry.history.model
    scope_history = history.townships.model
    cutoff = end_of_day(day)
    latest = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    queryset = (
        history.objects.filter(history_date__lt=cutoff, history_id=Subquery(latest))
        .exclude(history_type="-")
        .filter(
            Q(all_townships=True, item__county_id=township.county_id)
            | Q(
                history_id__in=scope_history.objects.filter(township_id=township.pk).values(
                    "history_id"
                )
            )
        )
    )
    if kind:
        queryset = queryset.filter(kind=kind)
    if scope is not None:
        queryset = queryset.filter(scope)
    return _in_window(queryset, day).select_related(*ENTRY_RELATED).order_by(*ENTRY_ORDER)
