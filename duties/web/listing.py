"""What a township page shows: the visible entries of the four lists, searched and filtered.

The page loads every visible entry of the township once (a few hundred, at most a couple of
thousand rows, one query) and does tabs, counts, search and filters in Python, so the live
lists and the lists "as of" a past day (rebuilt from the history) go through the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from duties import services
from duties.models import AdmissionMode, Category, ListEntry, ListKind, PowerSource
from townships import access

KINDS = [kind.value for kind in ListKind]

# The text a search looks into: name, code, basis and the duties.
_ITEM_SEARCH_FIELDS = (
    "code",
    "name",
    "sub_item",
    "legal_basis",
    "responsibility_stages",
    "accountability_cases",
)
_ENTRY_SEARCH_FIELDS = (
    "domain",
    "department_duty",
    "township_duty",
    "cooperating_departments",
    "working_method",
    "handling_office",
    "approval_document",
    "notes",
)

SOURCE_CHOICES = [(c.value, c.label) for c in PowerSource] + [
    (c.value, c.label) for c in AdmissionMode
]


def visible_entries(user):
    """The ListEntry queryset ``user`` may see (the public: published entries only)."""
    return ListEntry.objects.filter(visibility(user))


# Columns no page shows: not loaded (fewer conversions on 1,000-row pages).
_DEFERRED = ("created_at", "updated_at", "item__created_at", "item__updated_at")


def township_entries(township, user, as_of=None) -> list[ListEntry]:
    """Every entry of the township's four lists that ``user`` may see, in force today, or as
    they stood at the end of ``as_of``. One query (three for a past day)."""
    if as_of is not None:
        return services.entries_as_of(township, as_of, scope=visibility(user))
    return list(
        services.current_entries(township, entries=visible_entries(user)).defer(*_DEFERRED)
    )


@dataclass
class TabLists:
    """One list of a township page and the counts of its tabs.

    ``entries``: the entries of the list shown that match the search (all of them without a
    search); ``counts``: {kind: number of entries matching the search} for the four lists;
    ``total``: the number of entries of the list shown, search or not."""

    entries: list[ListEntry]
    counts: dict[str, int]
    total: int


def township_list(township, user, kind, as_of=None, q="") -> TabLists:
    """One list of the township (``kind``) and the counts of the four, as ``TabLists``.

    Without a search: two queries for today (a count by list and the one list), three for a
    past day (the history is read once for the four lists). With a search ``q`` the four
    lists are read at once (one query today) and searched, so each tab counts its matches."""
    if q:
        lists = split_by_kind(township_entries(township, user, as_of))
        search = Filters(q=q)
        matching = {k: filter_entries(entries, search) for k, entries in lists.items()}
        return TabLists(matching[kind], {k: len(v) for k, v in matching.items()}, len(lists[kind]))
    if as_of is not None:
        lists = split_by_kind(township_entries(township, user, as_of))
        return TabLists(lists[kind], {k: len(v) for k, v in lists.items()}, len(lists[kind]))
    current = services.current_entries(township, entries=visible_entries(user))
    counts = {k: 0 for k in KINDS}
    for row in current.order_by().values("kind").annotate(n=Count("id")):
        counts[row["kind"]] = row["n"]
    entries = list(
        services.current_entries(township, entries=visible_entries(user), kind=kind).defer(
            *_DEFERRED
        )
    )
    return TabLists(entries, counts, len(entries))


def visibility(user):
    """The condition on list entries (live or historical rows) that ``user`` may see."""
    return access.scope_q(user, ListEntry, access.VIEW)


def entry_department(entry):
    """The department a row is "about": lead (territorial), requesting (admission), receiving
    (reclaimed), else the item's owning department."""
    return (
        entry.lead_department
        or entry.requesting_department
        or entry.receiving_department
        or entry.item.department
    )


def _haystack(entry) -> str:
    item = entry.item
    parts = [getattr(item, name) or "" for name in _ITEM_SEARCH_FIELDS]
    parts += [getattr(entry, name) or "" for name in _ENTRY_SEARCH_FIELDS]
    return "\n".join(parts).casefold()


def _departments_of(entry):
    return {
        d.code
        for d in (
            entry.item.department,
            entry.lead_department,
            entry.requesting_department,
            entry.receiving_department,
        )
        if d is not None
    }


@dataclass
class Filters:
    q: str = ""
    category: str = ""
    department: str = ""
    source: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.department or self.source)


def search_terms(q: str) -> list[str]:
    return [term.casefold() for term in q.split() if term]


def filter_entries(entries, filters: Filters) -> list[ListEntry]:
    """Entries matching every search term (in name, code, basis or duties) and the filters."""
    terms = search_terms(filters.q)
    result = []
    for entry in entries:
        if filters.category and entry.item.category != filters.category:
            continue
        if filters.department and filters.department not in _departments_of(entry):
            continue
        if filters.source and filters.source not in (entry.source, entry.admission_mode):
            continue
        if terms:
            haystack = _haystack(entry)
            if not all(term in haystack for term in terms):
                continue
        result.append(entry)
    return result


def with_labels(entries) -> list[ListEntry]:
    """Attach the display labels of the choice fields (``category_label``, ``source_label``,
    ``mode_label``), translated once per value instead of once per row."""
    categories = {c.value: str(c.label) for c in Category}
    sources = {c.value: str(c.label) for c in PowerSource}
    modes = {c.value: str(c.label) for c in AdmissionMode}
    for entry in entries:
        entry.category_label = categories.get(entry.item.category, entry.item.category)
        entry.source_label = sources.get(entry.source, "")
        entry.mode_label = modes.get(entry.admission_mode, "")
    return entries


def split_by_kind(entries) -> dict[str, list[ListEntry]]:
    lists = {kind: [] for kind in KINDS}
    for entry in entries:
        lists[entry.kind].append(entry)
    return lists


def counts_by_category(entries) -> list[tuple[str, str, int]]:
    """(category value, label, count) in the canonical order, non-empty only."""
    counts = Counter(entry.item.category for entry in entries)
    return [(c.value, c.label, counts[c.value]) for c in Category if counts[c.value]]


def departments_in(entries) -> list:
    """The departments the rows name, for the department filter (sorted by code)."""
    seen = {}
    for entry in entries:
        for department in (
            entry.item.department,
            entry.lead_department,
            entry.requesting_department,
            entry.receiving_department,
        ):
            if department is not None:
                seen[department.code] = department
    return [seen[code] for code in sorted(seen)]


def county_counts(county, townships, user) -> dict[int, dict[str, int]]:
    """Per township (of ``county``): {kind: number of visible entries in force today}.
    Two queries whatever the number of townships and entries."""
    visible = visible_entries(user).filter(item__county_id=county.pk).effective_on(
        timezone.localdate()
    )
    county_wide = Counter()
    for row in visible.filter(all_townships=True).values("kind").annotate(n=Count("id")):
        county_wide[row["kind"]] = row["n"]
    through = ListEntry.townships.through
    specific = (
        through.objects.filter(listentry__in=visible.filter(all_townships=False))
        .values("township_id", "listentry__kind")
        .annotate(n=Count("id"))
    )
    per_township: dict[int, Counter] = {}
    for row in specific:
        per_township.setdefault(row["township_id"], Counter())[row["listentry__kind"]] += row["n"]
    result = {}
    for township in townships:
        extra = per_township.get(township.pk, Counter())
        result[township.pk] = {kind: county_wide[kind] + extra[kind] for kind in KINDS}
    return result
