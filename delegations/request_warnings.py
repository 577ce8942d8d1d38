"""What the office should look at before deciding a request (never a refusal by itself):
an item on a named township's reclaimed list (收回清单), an item already on its other lists,
an item another department owns. Shown at submit, in the review queue and at the decision;
the approval's ``reclaimed_ended`` precondition (``delegations.transitions``) reads them too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from delegations.validation import names
from duties.models import DutyItem, ListEntry, ListKind


@dataclass(frozen=True)
class RequestWarning:
    """Something the office should look at before deciding (never a refusal by itself).

    ``code``: ``reclaimed`` (the item is on a named township's 收回清单), ``already_listed``
    (it is already on a named township's other lists) or ``other_department`` (another
    department owns the item).
    """

    code: str
    item: DutyItem
    townships: tuple = ()
    lists: tuple = ()
    entry_ids: tuple = ()

    @property
    def message(self) -> str:
        item = names([self.item])
        towns = "、".join(t.name for t in self.townships)
        if self.code == "reclaimed":
            return _(
                "%(item)s is on the reclaimed list (收回清单) of %(townships)s: pushing it back "
                "down needs the reclaimed entry ended, with a reason, in the decision."
            ) % {"item": item, "townships": towns}
        if self.code == "already_listed":
            labels = "、".join(str(ListKind(kind).label) for kind in self.lists)
            return _("%(item)s is already on the lists of %(townships)s (%(lists)s).") % {
                "item": item, "townships": towns, "lists": labels,
            }
        return _("%(item)s is owned by another department (%(department)s).") % {
            "item": item,
            "department": self.item.department.name if self.item.department_id else "—",
        }

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "item": self.item.code,
            "townships": [t.code for t in self.townships],
            "lists": list(self.lists),
            "message": self.message,
        }


def _window_overlaps(entry, delegation) -> bool:
    end = delegation.effective_to
    return (end is None or entry.effective_from <= end) and (
        entry.effective_to is None or entry.effective_to >= delegation.effective_from
    )


def warnings_by_delegation(delegations) -> dict[int, list[RequestWarning]]:
    """The warnings of each delegation, ``{pk: [RequestWarning]}``, in a constant number of
    queries (three, plus two when the items and townships are not prefetched)."""
    delegations = [d for d in delegations if d.pk is not None]
    if not delegations:
        return {}
    items_of, towns_of = {}, {}
    for d in delegations:
        items_of[d.pk] = list(d.duty_items.all())
        towns_of[d.pk] = list(d.townships.all())
    item_ids = {i.pk for items in items_of.values() for i in items}
    town_ids = {t.pk for towns in towns_of.values() for t in towns}
    # Only the entries that cover one of these townships (an item handed down in batches has
    # entries for many other townships), and which of these townships each one names.
    named = ListEntry.townships.through.objects.filter(township_id__in=town_ids)
    covered_by = {}
    pairs = named.filter(listentry__item_id__in=item_ids,
                         listentry__status=ListEntry.Status.PUBLISHED)
    for entry_id, township_id in pairs.values_list("listentry_id", "township_id"):
        covered_by.setdefault(entry_id, set()).add(township_id)
    entries = (
        ListEntry.objects.filter(item_id__in=item_ids, status=ListEntry.Status.PUBLISHED)
        .filter(Q(all_townships=True) | Q(pk__in=named.values("listentry_id")))
        .only("id", "kind", "item_id", "all_townships", "effective_from", "effective_to",
              "delegation_id")
    )
    by_item = {}
    for entry in entries:
        by_item.setdefault(entry.item_id, []).append(entry)
    owners = {
        item.pk: item
        for item in DutyItem.objects.filter(pk__in=item_ids).select_related("department")
    }
    result = {}
    for d in delegations:
        found = []
        for item in items_of[d.pk]:
            reclaimed, listed, kinds, ids = [], [], [], []
            for entry in by_item.get(item.pk, []):
                if entry.delegation_id == d.pk or not _window_overlaps(entry, d):
                    continue
                covered = covered_by.get(entry.pk, ())
                hit = [t for t in towns_of[d.pk] if entry.all_townships or t.pk in covered]
                if not hit:
                    continue
                if entry.kind == ListKind.RECLAIMED:
                    reclaimed += [t for t in hit if t not in reclaimed]
                    ids.append(entry.pk)
                else:
                    listed += [t for t in hit if t not in listed]
                    if entry.kind not in kinds:
                        kinds.append(entry.kind)
            if reclaimed:
                found.append(RequestWarning("reclaimed", item, tuple(reclaimed),
                                            (ListKind.RECLAIMED,), tuple(ids)))
            if listed:
                found.append(RequestWarning("already_listed", item, tuple(listed), tuple(kinds)))
            owner = owners.get(item.pk, item)
            if owner.department_id is not None and owner.department_id != d.department_id:
                found.append(RequestWarning("other_department", owner))
        result[d.pk] = found
    return result


def warnings_for(delegation) -> list[RequestWarning]:
    """The warnings of one delegation (reclaimed item, already on the township's lists, item
    of another department): shown at submit, in the review queue and at the decision."""
    return warnings_by_delegation([delegation]).get(delegation.pk, [])

