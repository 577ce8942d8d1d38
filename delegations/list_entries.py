"""The townships' list entries a delegation's decision writes and its revocation ends.

Called by the workflow's writers (``delegations.workflow``) inside their transaction, with the
reason of the step; every entry saved carries the step's history stamp. An approved 交办 goes
on the admission list (准入清单), a 赋权 or 委托 on the power list (权责清单, source 赋权/委托).
"""

import datetime

from delegations.models import Delegation
from delegations.stamps import stamp
from duties.models import AdmissionMode, ListEntry, ListKind, PowerSource
from townships.models import Township

Mode = Delegation.Mode


def _list_kind(delegation):
    return ListKind.ADMISSION if delegation.mode == Mode.ASSIGN else ListKind.POWER


def put_on_lists(delegation, user, reason, decided_on, now):
    townships = list(delegation.townships.all())
    existing = {
        e.item_id: e
        for e in ListEntry.objects.filter(delegation=delegation, kind=_list_kind(delegation))
    }
    items = list(delegation.duty_items.all())
    taken = listed_by_the_county_of(
        delegation, [i for i in items if i.pk not in existing], townships
    )
    for item in items:
        entry = existing.get(item.pk) or taken.get(item.pk)
        _add_list_entry(delegation, item, townships, entry, user, reason, decided_on, now)


def _source(delegation):
    if delegation.mode == Mode.ASSIGN:
        return ""
    return PowerSource.GRANTED if delegation.mode == Mode.GRANT else PowerSource.ENTRUSTED


def listed_by_the_county(delegation, item, townships):
    """The county's own entry (resting on no delegation) that already lists what the decision
    puts on the lists: the same item on the same list, from the same source (赋权/委托 on the
    power list; the admission list for a 交办) and for exactly the decision's townships. A
    county moving in publishes its granted powers on its 权责清单 and records the decisions
    too (the 赋权委托 sheet): the decision takes that entry over instead of listing the item a
    second time. Any other entry of the item is left alone (request_warnings names it)."""
    return listed_by_the_county_of(delegation, [item], townships).get(item.pk)


def listed_by_the_county_of(delegation, items, townships) -> dict:
    """``listed_by_the_county`` for several items at once: item pk → the entry taken over
    (two queries, plus one for a county-wide entry, whatever the number of items)."""
    if not items:
        return {}
    kind = _list_kind(delegation)
    wanted = {t.pk for t in townships}
    candidates = ListEntry.objects.filter(
        kind=kind, item__in=[i.pk for i in items], delegation__isnull=True
    )
    if kind == ListKind.POWER:
        candidates = candidates.filter(source=_source(delegation))
    county_townships = None
    found = {}
    for entry in candidates.prefetch_related("townships").order_by("pk"):
        if entry.item_id in found:
            continue
        if entry.all_townships:
            if county_townships is None:
                county_townships = set(
                    Township.objects.filter(county_id=items[0].county_id)
                    .values_list("pk", flat=True)
                )
            covered = county_townships
        else:
            covered = {t.pk for t in entry.townships.all()}
        if covered == wanted:
            found[entry.item_id] = entry
    return found


def _add_list_entry(delegation, item, townships, entry, user, reason, decided_on, now):
    """One entry per (list, item, delegation) — the ListEntry uniqueness rule — so an
    existing one is updated rather than duplicated.

    The staff and funding of the request belong to the whole request (every item, every
    township): they stay on the delegation and are not copied onto each entry, where a list
    of two items would read as twice the posts and money."""
    kind = _list_kind(delegation)
    entry = entry or ListEntry(kind=kind, item=item)
    entry.delegation = delegation
    entry.all_townships = False
    entry.status = ListEntry.Status.PUBLISHED
    entry.effective_from = delegation.effective_from
    entry.effective_to = delegation.effective_to
    entry.document_no = delegation.decision_no
    if kind == ListKind.ADMISSION:
        entry.source = ""
        entry.admission_mode = AdmissionMode.ASSIGN
        entry.approval_document = delegation.decision_no
        entry.approved_on = decided_on
        entry.requesting_department_id = delegation.department_id
        entry.staff_posts = None
        entry.funding_wan_yuan = None
    else:
        entry.source = _source(delegation)
    stamp(entry, user, reason, now)
    entry.save()
    entry.townships.set(townships)
    return entry


def end_reclaimed(delegation, reclaimed, user, reason, now):
    """End the reclaimed entries of the delegation's items for its townships: an entry that
    covers other townships too loses these townships; one left with none ends the day before
    the delegation takes effect (or is removed if it would end before it began)."""
    ids = {pk for w in reclaimed for pk in w.entry_ids}
    county_townships = list(Township.objects.filter(county_id=delegation.department.county_id))
    handed = {t.pk for t in delegation.townships.all()}
    for entry in ListEntry.objects.filter(pk__in=ids).prefetch_related("townships"):
        covered = county_townships if entry.all_townships else list(entry.townships.all())
        remaining = [t for t in covered if t.pk not in handed]
        stamp(entry, user, reason, now)
        entry.document_no = delegation.decision_no
        if remaining:
            entry.all_townships = False
            entry.save()
            entry.townships.set(remaining)
            continue
        last_day = delegation.effective_from - datetime.timedelta(days=1)
        if last_day < entry.effective_from:
            entry.delete()
        else:
            entry.effective_to = last_day
            entry.save()


def end_entries(delegation, items, townships, revoked_on, user, reason, now):
    """End the entries of the revoked items for the revoked townships the day before
    ``revoked_on``: an entry that covers other townships too loses these townships; one that
    would end before it began is removed (the history keeps a row of it)."""
    last_day = revoked_on - datetime.timedelta(days=1)
    item_ids = {i.pk for i in items}
    town_ids = {t.pk for t in townships}
    entries = ListEntry.objects.filter(delegation=delegation, item_id__in=item_ids)
    for entry in entries.prefetch_related("townships"):
        stamp(entry, user, reason, now)
        current = list(entry.townships.all())
        remaining = [t for t in current if t.pk not in town_ids]
        if remaining and not entry.all_townships:
            entry.save()
            entry.townships.set(remaining)
        elif last_day < entry.effective_from:
            entry.delete()
        elif entry.effective_to is None or entry.effective_to > last_day:
            entry.effective_to = last_day
            entry.save()
