"""Writing the plans of a list import (inside the import's transaction).

Each created or changed row gets one history row with the reason ``导入 <file name>``, the
importing user and the import's time; unchanged rows get none. Changed items and entries are
written with django-simple-history's ``bulk_update_with_history``. New ones go through
``create``: plain multi-row INSERTs of the rows and of their history (duties.excel.bulk, the
same rows ``bulk_create_with_history`` writes), because the library's helper, which prepares
every value through Django's compiler, makes a 20,000-row import miss its target (≤ 3× a bare
openpyxl parse); ``manage.py bench_excel`` measures both (bench/excel.py) and prints the
library's figure beside ours. The townships of each new history row of an entry (the snapshot
the lists as of a date are read from) are written as django-simple-history keeps them for an
m2m field.
"""

from __future__ import annotations

from simple_history.utils import bulk_update_with_history

from duties.excel.bulk import insert_history, insert_objects

BATCH = 500


class ListWriter:
    def __init__(self, importer):
        self.plans = importer.plans
        self.kind = importer.kind
        self.county = importer.county
        self.now = importer.now
        self.scope_rows = importer.scope_rows
        self.history = {
            "default_user": importer.user,
            "default_change_reason": importer.reason,
            "default_date": importer.now,
        }
        self.importer = importer

    def write(self):
        self._items()
        new_entries, changed_entries = self._entries()
        self._scopes()
        self._scope_history([*new_entries, *changed_entries])
        for plan in self.plans:
            plan.outcome.obj = plan.entry
        if self.importer.register_aliases:
            self._aliases()

    def create(self, model, objs, ids, key):
        """INSERT ``objs`` (new instances of ``model``) and their "+" history rows. ``ids``, a
        queryset of (``key`` attribute, id) pairs, gives the objects their ids once inserted."""
        for obj in objs:
            obj.created_at = obj.updated_at = self.now
        insert_objects(model, objs)
        ids = dict(ids)
        for obj in objs:
            obj.pk = ids[getattr(obj, key)]
            obj._state.adding = False
        insert_history(model, objs, history_type="+", user=self.history["default_user"],
                       reason=self.history["default_change_reason"], date=self.now)

    def _items(self):
        from duties.models import DutyItem

        new_items = list({id(p.item): p.item for p in self.plans if p.item_is_new}.values())
        if new_items:
            ids = DutyItem.objects.filter(county=self.county).values_list("code", "pk")
            self.create(DutyItem, new_items, ids, "code")
        changed = {p.item.pk: p.item for p in self.plans if not p.item_is_new and p.item_changes}
        if changed:
            fields = {f for p in self.plans if not p.item_is_new for f in p.item_changes}
            for item in changed.values():
                item.updated_at = self.now
            bulk_update_with_history(
                list(changed.values()), DutyItem, sorted(fields | {"updated_at"}),
                batch_size=BATCH, **self.history,
            )

    def _entries(self):
        from duties.models import ListEntry

        new_entries = []
        for plan in self.plans:
            if plan.entry_is_new:
                plan.entry.item = plan.item  # the item has its id now
                new_entries.append(plan.entry)
        if new_entries:
            # One own entry (no delegation) per item and list: the item tells them apart.
            ids = ListEntry.objects.filter(
                kind=self.kind, item__county=self.county, delegation__isnull=True
            ).values_list("item_id", "pk")
            self.create(ListEntry, new_entries, ids, "item_id")
        changed, fields = [], set()
        for plan in self.plans:
            if not plan.entry_is_new and (plan.entry_changes or plan.scope_changed):
                fields.update(plan.entry_changes)
                if plan.scope_changed:
                    fields.add("all_townships")
                plan.entry.updated_at = self.now
                changed.append(plan.entry)
        if changed:
            bulk_update_with_history(
                changed, ListEntry, sorted(fields | {"updated_at"}), batch_size=BATCH,
                **self.history,
            )
        return new_entries, changed

    def _scopes(self):
        """Replace the townships of changed scopes, add those of new entries."""
        from duties.models import ListEntry

        through = ListEntry.townships.through
        rescoped = [plan.entry.pk for plan in self.plans if plan.scope_changed]
        for start in range(0, len(rescoped), BATCH):
            through.objects.filter(listentry_id__in=rescoped[start:start + BATCH]).delete()
        rows = []
        for plan in self.plans:
            if plan.entry_is_new or plan.scope_changed:
                self.scope_rows[plan.entry.pk] = {}
                if not plan.entry.all_townships:
                    rows.extend(
                        through(listentry_id=plan.entry.pk, township_id=t) for t in plan.township_ids
                    )
        if rows:
            through.objects.bulk_create(rows, batch_size=BATCH)
            for row in rows:
                self.scope_rows[row.listentry_id][row.township_id] = row.pk

    def _scope_history(self, entries):
        """The townships of each new history row of ``entries``."""
        from duties.models import ListEntry

        scoped = [entry.pk for entry in entries if self.scope_rows.get(entry.pk)]
        if not scoped:
            return
        history_model = ListEntry.history.model
        scope_history = history_model.townships.model
        rows = []
        for start in range(0, len(scoped), BATCH):
            for entry_id, history_id in history_model.objects.filter(
                history_date=self.now, id__in=scoped[start:start + BATCH]
            ).values_list("id", "history_id"):
                rows.extend(
                    scope_history(id=row_id, listentry_id=entry_id, township_id=township_id,
                                  history_id=history_id)
                    for township_id, row_id in self.scope_rows[entry_id].items()
                )
        scope_history.objects.bulk_create(rows, batch_size=BATCH)

    def _aliases(self):
        """Register the spellings found only by their normalised form as aliases."""
        from townships.models import DepartmentAlias

        pairs = self.importer.departments.new_aliases()
        DepartmentAlias.objects.bulk_create(
            [DepartmentAlias(department=department, name=name) for department, name in pairs],
            batch_size=BATCH,
        )
        self.importer.report.new_aliases = pairs
