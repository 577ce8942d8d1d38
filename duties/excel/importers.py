"""Importing a sheet: every row is validated first; only a file without a single bad row is
written, in one transaction, with set-based queries: the county's departments, townships,
items and entries are read once into dicts; new rows and their history are written with
bulk inserts (duties.excel.bulk), changed rows with bulk_update / bulk_update_with_history.

Rules (contracts.md §1):
- an item is found by 事项编码, else by (事项名称, 子项) within the county; a new item without a
  code gets a stable generated one (the same file imported again gives the same code);
- a list row is one entry of that list per item (entries that rest on a delegation are
  matched too, the county's own entry first);
- a column that is in the file sets its field, blank included; a column that is not in the
  file leaves the field alone. On the territorial, admission and reclaimed lists a blank 依据
  does not clear the item's legal basis (the power list owns it);
- nothing is ever deleted by an import;
- each created or changed item and entry gets a history row with the reason
  ``导入 <file name>`` and the importing user (entries with the snapshot of their townships,
  as django-simple-history keeps it); unchanged rows get none.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from duties.excel import spec
from duties.excel.bulk import insert_history, insert_objects
from duties.excel.errors import CellError, ExcelFileError, RowError
from duties.excel.reader import Table, read_table
from duties.excel.values import (
    DepartmentIndex,
    TownshipIndex,
    check_length,
    parse_category,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_int,
    text,
)

HISTORY_REASON_PREFIX = "导入 "  # contracts.md §1: the history reason is "导入 <file name>"
HISTORY_REASON_MAX_LENGTH = 100  # django-simple-history's history_change_reason column
GENERATED_CODE_PREFIX = "QD"
_INVALID = object()

NEW = "new"
UPDATE = "update"
SKIP = "skip"


def history_reason(file_name: str) -> str:
    reason = f"{HISTORY_REASON_PREFIX}{file_name or ''}".strip()
    if len(reason) > HISTORY_REASON_MAX_LENGTH:
        reason = reason[: HISTORY_REASON_MAX_LENGTH - 1] + "…"
    return reason


def generated_code(county_code: str, name: str, sub_item: str) -> str:
    """A stable code for an item that came without one: the same county, name and sub-item
    always give the same code."""
    digest = hashlib.sha1(f"{county_code}|{name}|{sub_item}".encode()).hexdigest()[:10].upper()
    return f"{GENERATED_CODE_PREFIX}{county_code}-{digest}"


def is_generated_code(code: str) -> bool:
    return bool(re.fullmatch(rf"{GENERATED_CODE_PREFIX}\d{{6}}-[0-9A-F]{{10}}", code or ""))


# --------------------------------------------------------------------------- reports


@dataclass
class RowOutcome:
    row: int
    action: str  # new | update | skip
    label: str
    values: list  # the row's cells as text, in the sheet's canonical column order
    changed: list = field(default_factory=list)  # headers of the columns that change
    obj: object = None  # the entry / township / department, once written


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    outcomes: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # RowError
    unknown_columns: list = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def created(self) -> int:
        return self.count(NEW)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(SKIP)

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    @property
    def headers(self) -> list[str]:
        return spec.SHEETS[self.kind].headers


# --------------------------------------------------------------------------- base


class BaseImporter:
    sheet: spec.Sheet
    needs_county = True

    def __init__(self, *, county=None, user=None, file_name="", dry_run=False):
        self.county = county
        self.user = user
        self.file_name = file_name
        self.dry_run = dry_run
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.reason = history_reason(file_name)
        self.plans = []

    # -- driving

    def run(self, table: Table) -> ImportReport:
        report = ImportReport(
            self.sheet.kind, self.file_name, dry_run=self.dry_run,
            unknown_columns=list(table.unknown_columns),
        )
        self.table = table
        self.report = report
        self.prepare(table)
        columns = table.columns
        formula_message = _(
            "The cell holds a formula; replace it by its value (copy, then paste as values) "
            "and import again."
        )
        for number, values in table.rows:
            self.row_number = number
            self._row_errors = []
            cells = {k: (values[i] if i < len(values) else None) for k, i in columns.items()}
            formula_keys = [k for k, i in columns.items() if (number, i) in table.formulas]
            for k in formula_keys:
                self._error(k, formula_message)
            if formula_keys:
                continue
            outcome = self.plan_row(number, cells)
            if self._row_errors or outcome is None:
                continue
            outcome.values = [text(cells.get(c.key)) for c in self.sheet.columns]
            report.outcomes.append(outcome)
        self.finish()
        if report.errors:
            report.errors.sort(key=lambda error: error.row or 0)
            report.outcomes = []
            return report
        if self.dry_run:
            return report
        try:
            with transaction.atomic():
                self.apply()
        except DatabaseError as error:
            first_line = (str(error).splitlines() or [error.__class__.__name__])[0]
            report.errors.append(RowError(None, "", _(
                "The database refused the import (%(error)s); nothing was changed. Another "
                "user may have changed the same data at the same time: import the file again."
            ) % {"error": first_line}))
            return report
        report.applied = True
        return report

    # -- helpers for plan_row

    def _error(self, key, message, row=None):
        error = RowError(
            row if row is not None else self.row_number,
            self.table.label(key) if key else "",
            str(message),
        )
        if row is None:
            self._row_errors.append(error)
        self.report.errors.append(error)

    def cell(self, cells, key, parse, *args, **kwargs):
        """``parse(cells[key])``, or _INVALID once the error is recorded."""
        try:
            return parse(cells.get(key), *args, **kwargs)
        except CellError as error:
            self._error(key, error.message)
            return _INVALID

    def text_cell(self, cells, key, limit=None):
        value = text(cells.get(key))
        if limit is not None and len(value) > limit:
            try:
                check_length(value, limit)
            except CellError as error:
                self._error(key, error.message)
                return _INVALID
        return value

    def has(self, key) -> bool:
        return self.table.has(key)

    def required_error(self, key):
        self._error(key, _("This cell cannot be blank."))

    def headers_of(self, keys) -> list[str]:
        known = {column.key for column in self.sheet.columns}
        headers = []
        for key in keys:
            header = self.sheet.column(key).header if key in known else key
            if header not in headers:
                headers.append(header)
        return headers

    # -- to implement

    def prepare(self, table):
        raise NotImplementedError

    def plan_row(self, number, cells) -> RowOutcome | None:
        raise NotImplementedError

    def finish(self):
        """Checks across rows, once every row is planned."""

    def apply(self):
        raise NotImplementedError


def _update(obj, values: dict) -> list[str]:
    """Set ``values`` on ``obj``; the names of those that differed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            changed.append(name)
            setattr(obj, name, value)
    return changed


def _label(code, name):
    return f"{code} {name}".strip()


# --------------------------------------------------------------------------- lists

# model attribute -> column key, for the changes shown in the preview.
_ATTR_TO_COLUMN = {
    "department_id": "department",
    "lead_department_id": "lead_department",
    "requesting_department_id": "requesting_department",
    "receiving_department_id": "receiving_department",
    "all_townships": "scope",
}
# Text limits of the model fields.
_LIMITS = {
    "code": 64, "name": 300, "sub_item": 300, "handling_office": 100, "domain": 100,
    "approval_document": 100,
}
# The department that owns a new item on each list (the power list names it itself).
_NEW_ITEM_DEPARTMENT = {
    spec.TERRITORIAL: "lead_department_id",
    spec.ADMISSION: "requesting_department_id",
    spec.RECLAIMED: "receiving_department_id",
}


@dataclass
class _ListPlan:
    item: object
    item_is_new: bool
    item_changes: list
    entry: object
    entry_is_new: bool
    entry_changes: list
    township_ids: list
    scope_changed: bool
    outcome: RowOutcome


class ListImporter(BaseImporter):
    """One of the four lists (power, territorial, admission, reclaimed)."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        self.sheet = spec.SHEETS[kind]
        super().__init__(**kwargs)

    def prepare(self, table):
        from duties.models import DutyItem, ListEntry
        from townships.models import Department, DepartmentAlias, Township

        county = self.county
        departments = list(Department.objects.filter(county=county))
        aliases = defaultdict(list)
        for department_id, name in DepartmentAlias.objects.filter(
            department__county=county
        ).values_list("department_id", "name"):
            aliases[department_id].append(name)
        for department in departments:
            department.alias_names = aliases.get(department.pk, [])
        self.departments = DepartmentIndex(county, departments)
        self.townships = TownshipIndex(Township.objects.filter(county=county).order_by("code"))

        self.items_by_code = {}
        self.items_by_name = {}
        for item in DutyItem.objects.filter(county=county):
            self.items_by_code[item.code] = item
            self.items_by_name[(item.name, item.sub_item)] = item

        # The county's own entry (no delegation) first, then those of delegations.
        self.entries_by_item = defaultdict(list)
        for entry in ListEntry.objects.filter(kind=self.kind, item__county=county).order_by(
            F("delegation_id").asc(nulls_first=True), "id"
        ):
            self.entries_by_item[entry.item_id].append(entry)
        self.scope_rows = defaultdict(dict)  # entry id -> {township id: through row id}
        through = ListEntry.townships.through
        for row_id, entry_id, township_id in through.objects.filter(
            listentry__kind=self.kind, listentry__item__county=county
        ).values_list("id", "listentry_id", "township_id"):
            self.scope_rows[entry_id][township_id] = row_id

        self.rows_by_item = defaultdict(list)  # item key -> row numbers
        self.final_names = {}  # (name, sub_item) -> (item key, row number)
        self.new_items = {}  # code -> new DutyItem
        self.adopted_codes = set()  # generated codes replaced by a real one in this file

    # -- a row

    def plan_row(self, number, cells):
        code = self.text_cell(cells, "code", _LIMITS["code"]) if self.has("code") else ""
        name = self.text_cell(cells, "name", _LIMITS["name"])
        sub_item = (
            self.text_cell(cells, "sub_item", _LIMITS["sub_item"]) if self.has("sub_item") else None
        )
        item_values, entry_values = self._parse_fields(cells)
        scope = (
            self.cell(cells, "scope", self.townships.parse_scope) if self.has("scope") else None
        )
        if self._row_errors:
            return None
        item, new_code = self._find_item(code, name, sub_item)
        if item is _INVALID:
            return None
        if item is None and not name:
            self.required_error("name")
            return None
        final_name = name or item.name
        if sub_item is not None:
            final_sub = sub_item
        else:
            final_sub = item.sub_item if item is not None else ""
        if item is None:
            code = code or generated_code(self.county.code, final_name, final_sub)
            item = self.new_items.get(code)
        item_key = ("id", item.pk) if item is not None and item.pk else ("new", code)

        # One row per item (an item that several delegations put on the list may have one
        # row per entry).
        earlier = self.rows_by_item[item_key]
        existing = self.entries_by_item.get(item.pk, []) if item is not None and item.pk else []
        if len(earlier) >= max(1, len(existing)):
            self._error("name", _(
                "The same item is already on row %(row)s of this file; each item may appear "
                "once."
            ) % {"row": earlier[0]})
            return None
        holder = self.final_names.get((final_name, final_sub))
        if holder is not None and holder[0] != item_key:
            self._error("name", _("Row %(row)s already has an item with this name and sub-item.")
                        % {"row": holder[1]})
            return None
        clash = self.items_by_name.get((final_name, final_sub))
        if clash is not None and item is not None and item.pk and clash.pk != item.pk:
            self._error("name", _(
                "Another item of this county (code %(code)s) already has this name and sub-item."
            ) % {"code": clash.code})
            return None

        item_values["name"] = final_name
        item_values["sub_item"] = final_sub
        if new_code:
            item_values["code"] = new_code
        item_is_new = item is None or not item.pk
        if item is None:
            from duties.models import DutyItem

            item = DutyItem(county=self.county, code=code)
            owner = _NEW_ITEM_DEPARTMENT.get(self.kind)
            if owner and entry_values.get(owner):
                item.department_id = entry_values[owner]
            self.new_items[code] = item
        item_changes = _update(item, item_values)
        if item_is_new:
            item_changes = []

        # -- the entry
        from duties.models import ListEntry

        occurrence = len(earlier)
        entry = existing[occurrence] if occurrence < len(existing) else None
        entry_is_new = entry is None
        if entry_is_new:
            entry = ListEntry(kind=self.kind, item=item, effective_from=self.today)
            if self.kind == spec.POWER:
                entry.source = "statutory"
        window = self._window(entry, entry_is_new, entry_values)
        if window is None:
            return None
        entry_values.update(window)
        entry_changes = _update(entry, entry_values)

        scope_changed = False
        if scope is not None:
            all_townships, townships = scope
            township_ids = [t.pk for t in townships]
            if not entry_is_new:
                scope_changed = entry.all_townships != all_townships or set(
                    self.scope_rows.get(entry.pk, {})
                ) != set(township_ids)
            entry.all_townships = all_townships
        else:
            township_ids = sorted(self.scope_rows.get(entry.pk, {})) if entry.pk else []
        if entry_is_new:
            entry_changes = []

        earlier.append(number)
        self.final_names[(final_name, final_sub)] = (item_key, number)
        if item_is_new or entry_is_new:
            action = NEW
        elif item_changes or entry_changes or scope_changed:
            action = UPDATE
        else:
            action = SKIP
        changed_keys = [
            _ATTR_TO_COLUMN.get(attr, attr) for attr in [*item_changes, *entry_changes]
        ] + (["scope"] if scope_changed else [])
        outcome = RowOutcome(
            number, action, _label(item.code, final_name), [], self.headers_of(changed_keys)
        )
        self.plans.append(_ListPlan(
            item, item_is_new, item_changes, entry, entry_is_new, entry_changes,
            township_ids, scope_changed, outcome,
        ))
        return outcome

    def _find_item(self, code, name, sub_item):
        """(the existing item or None, a code to give it); (_INVALID, None) after an error."""
        lookup = (name, sub_item or "")
        if code:
            item = self.items_by_code.get(code)
            if item is not None:
                return item, None
            other = self.items_by_name.get(lookup) if name else None
            if other is None:
                return None, None
            if is_generated_code(other.code) and other.code not in self.adopted_codes:
                self.adopted_codes.add(other.code)
                return other, code  # the item came without a code before: it gets the real one
            self._error("code", _(
                "The item “%(name)s” already has the code %(code)s in this county; use that code "
                "or leave the code blank."
            ) % {"name": name, "code": other.code})
            return _INVALID, None
        if not name:
            self.required_error("name")
            return _INVALID, None
        return self.items_by_name.get(lookup), None

    def _parse_fields(self, cells):
        """(item values, entry values) of the columns present in the file."""
        item_values, entry_values = {}, {}
        kind = self.kind
        if kind == spec.POWER:
            if self.has("category"):
                item_values["category"] = self.cell(
                    cells, "category", parse_category, spec.CATEGORY_LABELS, spec.CATEGORY_VARIANTS
                )
            for key in ("legal_basis", "responsibility_stages", "accountability_cases"):
                if self.has(key):
                    item_values[key] = self.text_cell(cells, key)
            if self.has("department"):
                item_values["department_id"] = self._department(cells, "department")
            if self.has("source"):
                entry_values["source"] = self.cell(
                    cells, "source", parse_choice, spec.SOURCE_LABELS, spec.SOURCE_VARIANTS,
                    "statutory", what=_("source"),
                )
            if self.has("handling_office"):
                entry_values["handling_office"] = self.text_cell(
                    cells, "handling_office", _LIMITS["handling_office"]
                )
        elif self.has("legal_basis"):
            basis = self.text_cell(cells, "legal_basis")
            if basis:  # a blank basis here does not clear the item's (see the module doc)
                item_values["legal_basis"] = basis
        if kind == spec.TERRITORIAL:
            if self.has("domain"):
                entry_values["domain"] = self.text_cell(cells, "domain", _LIMITS["domain"])
            entry_values["lead_department_id"] = self._department(
                cells, "lead_department", required=True
            )
            for key in ("department_duty", "township_duty", "cooperating_departments"):
                if self.has(key):
                    entry_values[key] = self.text_cell(cells, key)
        elif kind == spec.ADMISSION:
            if self.has("requesting_department"):
                entry_values["requesting_department_id"] = self._department(
                    cells, "requesting_department"
                )
            if self.has("admission_mode"):
                entry_values["admission_mode"] = self.cell(
                    cells, "admission_mode", parse_choice, spec.ADMISSION_MODE_LABELS,
                    spec.ADMISSION_MODE_VARIANTS, "", what=_("admission mode"),
                )
            document = self.text_cell(cells, "approval_document", _LIMITS["approval_document"])
            if document == "":
                self.required_error("approval_document")
            entry_values["approval_document"] = document
            if self.has("approved_on"):
                entry_values["approved_on"] = self.cell(cells, "approved_on", parse_date)
            if self.has("effective_to"):
                entry_values["effective_to"] = self.cell(cells, "effective_to", parse_date)
            if self.has("staff_posts"):
                entry_values["staff_posts"] = self.cell(cells, "staff_posts", parse_int)
            if self.has("funding_wan_yuan"):
                entry_values["funding_wan_yuan"] = self.cell(
                    cells, "funding_wan_yuan", parse_decimal, places=2, max_digits=12,
                    suffixes=("万元", "万"),
                )
        elif kind == spec.RECLAIMED:
            entry_values["receiving_department_id"] = self._department(
                cells, "receiving_department", required=True
            )
            if self.has("working_method"):
                entry_values["working_method"] = self.text_cell(cells, "working_method")
        if self.has("notes"):
            entry_values["notes"] = self.text_cell(cells, "notes")
        return item_values, entry_values

    def _department(self, cells, key, required=False):
        department = self.cell(cells, key, self.departments.find)
        if department is _INVALID:
            return _INVALID
        if department is None:
            if required:
                self.required_error(key)
                return _INVALID
            return None
        return department.pk

    def _window(self, entry, is_new, entry_values):
        """The entry's effective_from (new entries), checked against 有效期至."""
        effective_to = entry_values.get("effective_to", entry.effective_to)
        if is_new:
            approved_on = entry_values.get("approved_on")
            effective_from = approved_on or self.today
            if effective_to is not None and effective_to < effective_from:
                if approved_on:
                    self._error("effective_to", _(
                        "The end of the term (%(end)s) is earlier than the approval date "
                        "(%(start)s)."
                    ) % {"end": effective_to, "start": effective_from})
                    return None
                effective_from = effective_to  # an admission that has already ended
            return {"effective_from": effective_from}
        if effective_to is not None and effective_to < entry.effective_from:
            self._error("effective_to", _(
                "The end of the term (%(end)s) is earlier than the date the entry took effect "
                "(%(start)s)."
            ) % {"end": effective_to, "start": entry.effective_from})
            return None
        return {}

    # -- writing

    def apply(self):
        from duties.models import DutyItem, ListEntry

        now = self.now
        history = {"user": self.user, "reason": self.reason, "date": now}

        # New items: inserted in bulk, their ids read back by code.
        new_items = list({id(p.item): p.item for p in self.plans if p.item_is_new}.values())
        if new_items:
            for item in new_items:
                item.created_at = item.updated_at = now
            insert_objects(DutyItem, new_items)
            ids = dict(DutyItem.objects.filter(county=self.county).values_list("code", "pk"))
            for item in new_items:
                item.pk = ids[item.code]
                item._state.adding = False
            insert_history(DutyItem, new_items, history_type="+", **history)
        changed_items = {p.item.pk: p.item for p in self.plans if not p.item_is_new and p.item_changes}
        if changed_items:
            fields = {f for p in self.plans if not p.item_is_new for f in p.item_changes}
            for item in changed_items.values():
                item.updated_at = now
            bulk_update_with_history(
                list(changed_items.values()), DutyItem, sorted(fields | {"updated_at"}),
                batch_size=500, default_user=self.user, default_change_reason=self.reason,
                default_date=now,
            )

        # New entries: inserted in bulk, their ids read back by item (one own entry per item).
        new_entries = []
        for plan in self.plans:
            if plan.entry_is_new:
                plan.entry.item = plan.item  # the item has its id now
                plan.entry.created_at = plan.entry.updated_at = now
                new_entries.append(plan.entry)
        if new_entries:
            insert_objects(ListEntry, new_entries)
            ids = dict(
                ListEntry.objects.filter(
                    kind=self.kind, item__county=self.county, delegation__isnull=True
                ).values_list("item_id", "pk")
            )
            for entry in new_entries:
                entry.pk = ids[entry.item_id]
                entry._state.adding = False
        changed_entries, fields = [], set()
        for plan in self.plans:
            if not plan.entry_is_new and (plan.entry_changes or plan.scope_changed):
                fields.update(plan.entry_changes)
                if plan.scope_changed:
                    fields.add("all_townships")
                plan.entry.updated_at = now
                changed_entries.append(plan.entry)
        if changed_entries:
            ListEntry.objects.bulk_update(
                changed_entries, sorted(fields | {"updated_at"}), batch_size=500
            )

        # The scope: replace the townships of changed scopes, add those of new entries.
        through = ListEntry.townships.through
        rescoped = [plan.entry.pk for plan in self.plans if plan.scope_changed]
        for start in range(0, len(rescoped), 500):
            through.objects.filter(listentry_id__in=rescoped[start:start + 500]).delete()
        rows = []
        for plan in self.plans:
            if plan.entry_is_new or plan.scope_changed:
                self.scope_rows[plan.entry.pk] = {}
                if not plan.entry.all_townships:
                    rows.extend(
                        through(listentry_id=plan.entry.pk, township_id=t) for t in plan.township_ids
                    )
        if rows:
            through.objects.bulk_create(rows, batch_size=500)
            for row in rows:
                self.scope_rows[row.listentry_id][row.township_id] = row.pk

        insert_history(ListEntry, new_entries, history_type="+", **history)
        insert_history(ListEntry, changed_entries, history_type="~", **history)
        self._scope_history([*new_entries, *changed_entries])
        for plan in self.plans:
            plan.outcome.obj = plan.entry

    def _scope_history(self, entries):
        """The snapshot of the townships of each new history row (which the lists as of a date
        are read from), as django-simple-history keeps it for an m2m field."""
        from duties.models import ListEntry

        scoped = [entry.pk for entry in entries if self.scope_rows.get(entry.pk)]
        if not scoped:
            return
        history_model = ListEntry.history.model
        scope_history = history_model.townships.model
        rows = []
        for start in range(0, len(scoped), 500):
            for entry_id, history_id in history_model.objects.filter(
                history_date=self.now, id__in=scoped[start:start + 500]
            ).values_list("id", "history_id"):
                rows.extend(
                    scope_history(id=row_id, listentry_id=entry_id, township_id=township_id,
                                  history_id=history_id)
                    for township_id, row_id in self.scope_rows[entry_id].items()
                )
        scope_history.objects.bulk_create(rows, batch_size=500)


# --------------------------------------------------------------------------- counties


class _CountyRowsMixin:
    """Townships and departments name their county in each row (区县代码), or take the
    county chosen for the import."""

    creates_counties = False

    def _prefetch_counties(self, table):
        from townships.models import County

        codes = set()
        index = table.columns.get("county_code")
        if index is not None:
            codes = {text(values[index]) for _n, values in table.rows if index < len(values)}
        if self.county is not None:
            codes.add(self.county.code)
        self.counties = {c.code: c for c in County.objects.filter(code__in=codes - {""})}
        self.new_counties = {}

    def _county(self, cells):
        code = text(cells.get("county_code")) if self.has("county_code") else ""
        if self.county is not None:
            if code and code != self.county.code:
                self._error("county_code", _(
                    "This row is for county %(code)s, but the import is for %(county)s "
                    "(%(county_code)s)."
                ) % {"code": code, "county": self.county.name, "county_code": self.county.code})
                return None
            return self.county
        if not code:
            self._error("county_code" if self.has("county_code") else "", _(
                "No county: fill in the county code (区县代码) or choose the county to import "
                "into."
            ))
            return None
        county = self.counties.get(code) or self.new_counties.get(code)
        if county is not None:
            return county
        if not self.creates_counties:
            self._error("county_code", _("Unknown county %(code)s.") % {"code": code})
            return None
        if not re.fullmatch(r"[0-9]{6}", code):
            self._error("county_code", _("A county code is 6 digits."))
            return None
        name = text(cells.get("county_name")) if self.has("county_name") else ""
        if not name:
            self._error("county_code", _(
                "Unknown county %(code)s; give its name (区县名称) to create it."
            ) % {"code": code})
            return None
        if len(name) > 50:
            self._error("county_name", _(
                "The text is %(length)s characters long; at most %(limit)s are allowed."
            ) % {"length": len(name), "limit": 50})
            return None
        from townships.models import County

        county = County(code=code, name=name)
        self.new_counties[code] = county
        return county


# --------------------------------------------------------------------------- townships


class TownshipImporter(_CountyRowsMixin, BaseImporter):
    sheet = spec.SHEETS[spec.TOWNSHIPS]
    needs_county = False
    creates_counties = True

    def prepare(self, table):
        from townships.models import Township

        self._prefetch_counties(table)
        known = Township.objects.filter(county__code__in=list(self.counties))
        self.townships_by_code = {t.code: t for t in known}
        self.by_name = {(t.county_id, t.name): t for t in self.townships_by_code.values()}
        codes = set()
        index = table.columns.get("code")
        if index is not None:
            codes = {text(values[index]) for _n, values in table.rows if index < len(values)}
        self.elsewhere = {
            t.code: t
            for t in Township.objects.filter(code__in=codes - {""})
            .exclude(county__code__in=list(self.counties))
            .select_related("county")
        }
        self.seen_codes = {}
        self.seen_names = {}

    def plan_row(self, number, cells):
        from townships.models import Township

        county = self._county(cells)
        code = self.text_cell(cells, "code")
        name = self.text_cell(cells, "name", 50)
        values = {}
        if self.has("kind"):
            values["kind"] = self.cell(
                cells, "kind", parse_choice, spec.TOWNSHIP_KIND_LABELS,
                spec.TOWNSHIP_KIND_VARIANTS, "town", what=_("township kind"),
            )
        if self.has("category"):
            values["category"] = self.cell(
                cells, "category", parse_choice, spec.TOWNSHIP_CATEGORY_LABELS,
                spec.TOWNSHIP_CATEGORY_VARIANTS, "general", what=_("township category"),
            )
        if self.has("population"):
            values["population"] = self.cell(cells, "population", parse_int)
        if self.has("area_km2"):
            values["area_km2"] = self.cell(
                cells, "area_km2", parse_decimal, places=2, max_digits=10, positive=True,
                suffixes=("平方公里", "km²", "km2"),
            )
        if self._row_errors or county is None:
            return None
        if not code:
            self.required_error("code")
            return None
        if not re.fullmatch(r"[0-9]{9}", code):
            self._error("code", _("A township code is 9 digits."))
            return None
        if not code.startswith(county.code):
            self._error("code", _("A township code starts with its county's code (%(code)s).")
                        % {"code": county.code})
            return None
        if not name:
            self.required_error("name")
            return None
        if code in self.elsewhere:
            other = self.elsewhere[code]
            self._error("code", _("This code belongs to %(township)s of %(county)s.")
                        % {"township": other.name, "county": other.county.name})
            return None
        if code in self.seen_codes:
            self._error("code", _("The same township is already on row %(row)s of this file.")
                        % {"row": self.seen_codes[code]})
            return None
        county_key = county.pk or ("new", county.code)
        if (county_key, name) in self.seen_names:
            self._error("name", _("Row %(row)s already has a township of this name.")
                        % {"row": self.seen_names[(county_key, name)]})
            return None
        other = self.by_name.get((county.pk, name)) if county.pk else None
        if other is not None and other.code != code:
            self._error("name", _("Township %(code)s of this county already has this name.")
                        % {"code": other.code})
            return None
        self.seen_codes[code] = number
        self.seen_names[(county_key, name)] = number

        values["name"] = name
        township = self.townships_by_code.get(code)
        if township is None:
            township = Township(county=county, code=code)
            _update(township, values)
            action, changes = NEW, []
        else:
            changes = _update(township, values)
            action = UPDATE if changes else SKIP
        outcome = RowOutcome(number, action, _label(code, name), [], self.headers_of(changes))
        self.plans.append((township, action, changes, outcome))
        return outcome

    def apply(self):
        from townships.models import County, Township

        if self.new_counties:
            County.objects.bulk_create(list(self.new_counties.values()))
        new = [t for t, action, _c, _o in self.plans if action == NEW]
        for township in new:
            township.county = township.county  # new counties have their ids now
        if new:
            Township.objects.bulk_create(new, batch_size=500)
        changed = [t for t, action, _c, _o in self.plans if action == UPDATE]
        if changed:
            fields = sorted({f for _t, action, c, _o in self.plans if action == UPDATE for f in c})
            Township.objects.bulk_update(changed, fields, batch_size=500)
        for township, _action, _changes, outcome in self.plans:
            outcome.obj = township


# --------------------------------------------------------------------------- departments

_ALIAS_SPLIT_RE = re.compile(r"[、,，;；\n]+")


class DepartmentImporter(_CountyRowsMixin, BaseImporter):
    sheet = spec.SHEETS[spec.DEPARTMENTS]
    needs_county = False

    def prepare(self, table):
        from townships.models import Department, DepartmentAlias

        self._prefetch_counties(table)
        departments = list(Department.objects.filter(county__code__in=list(self.counties)))
        self.by_code = {(d.county_id, d.code): d for d in departments}
        self.by_id = {d.pk: d for d in departments}
        self.aliases = defaultdict(dict)  # department id -> {alias name: alias row}
        for alias in DepartmentAlias.objects.filter(department__in=departments):
            self.aliases[alias.department_id][alias.name] = alias
        self.seen_codes = {}

    def plan_row(self, number, cells):
        from townships.models import Department

        county = self._county(cells)
        code = self.text_cell(cells, "code", 32)
        name = self.text_cell(cells, "name", 100)
        values = {}
        if self.has("kind"):
            values["kind"] = self.cell(
                cells, "kind", parse_choice, spec.DEPARTMENT_KIND_LABELS,
                spec.DEPARTMENT_KIND_VARIANTS, "government", what=_("department kind"),
            )
        alias_names = None
        if self.has("short_name"):
            # The first name is the short name, the others aliases ("、应急局": no short name).
            raw = text(cells.get("short_name"))
            parts = [part.strip() for part in _ALIAS_SPLIT_RE.split(raw)] if raw else [""]
            short = parts[0]
            aliases = [p for p in dict.fromkeys(parts[1:]) if p and p not in (name, short)]
            if len(short) > 50:
                self._error("short_name", _("The short name is longer than %(limit)s characters.")
                            % {"limit": 50})
            elif any(len(n) > 100 for n in aliases):
                self._error("short_name", _("An alias is longer than %(limit)s characters.")
                            % {"limit": 100})
            values["short_name"] = short
            alias_names = set(aliases)
        if self._row_errors or county is None:
            return None
        if not code:
            self.required_error("code")
            return None
        if not name:
            self.required_error("name")
            return None
        if (county.pk, code) in self.seen_codes:
            self._error("code", _("The same department is already on row %(row)s of this file.")
                        % {"row": self.seen_codes[(county.pk, code)]})
            return None
        self.seen_codes[(county.pk, code)] = number

        values["name"] = name
        department = self.by_code.get((county.pk, code))
        if department is None:
            department = Department(county=county, code=code)
            _update(department, values)
            action, changes = NEW, []
        else:
            changes = _update(department, values)
            if alias_names is not None and alias_names != set(self.aliases[department.pk]):
                changes.append("short_name")
            action = UPDATE if changes else SKIP
        outcome = RowOutcome(number, action, _label(code, name), [], self.headers_of(changes))
        self.plans.append((department, action, changes, alias_names, outcome))
        return outcome

    def finish(self):
        """No two departments of a county may answer to the same name (full name, short name
        or alias), once the file is applied."""
        answers = {}  # department key -> (county id, full name, {names}, row or None)
        for department in self.by_id.values():
            names = {department.name, department.short_name, *self.aliases[department.pk]}
            answers[department.pk] = (department.county_id, department.name, names - {""}, None)
        for department, _action, _changes, alias_names, outcome in self.plans:
            key = department.pk or ("new", department.county.code, department.code)
            if alias_names is None:
                aliases = set(self.aliases[department.pk]) if department.pk else set()
            else:
                aliases = alias_names
            names = {department.name, department.short_name, *aliases} - {""}
            answers[key] = (department.county.pk or department.county.code, department.name,
                            names, outcome.row)
        owners = defaultdict(list)
        for key, (county, _full, names, _row) in answers.items():
            for name in names:
                owners[(county, name)].append(key)
        for (_county, name), keys in owners.items():
            if len(keys) < 2:
                continue
            for key in keys:
                _c, full, _names, row = answers[key]
                if row is None:
                    continue
                other = next(answers[k][1] for k in keys if k != key)
                column = "name" if name == full else "short_name"
                self._error(column, _("“%(name)s” already names %(department)s.")
                            % {"name": name, "department": other}, row=row)

    def apply(self):
        from townships.models import Department, DepartmentAlias

        new = [d for d, action, _c, _a, _o in self.plans if action == NEW]
        if new:
            Department.objects.bulk_create(new, batch_size=500)
        changed = [d for d, action, c, _a, _o in self.plans if action == UPDATE]
        fields = sorted({f for _d, action, c, _a, _o in self.plans if action == UPDATE for f in c})
        if changed and fields:
            Department.objects.bulk_update(changed, fields, batch_size=500)
        stale, fresh = [], []
        for department, action, _c, alias_names, outcome in self.plans:
            outcome.obj = department
            if alias_names is None:
                continue
            current = self.aliases.get(department.pk, {}) if action != NEW else {}
            stale.extend(alias.pk for name, alias in current.items() if name not in alias_names)
            fresh.extend(
                DepartmentAlias(department=department, name=name)
                for name in sorted(alias_names)
                if name not in current
            )
        if stale:
            DepartmentAlias.objects.filter(pk__in=stale).delete()
        if fresh:
            DepartmentAlias.objects.bulk_create(fresh, batch_size=500)


# --------------------------------------------------------------------------- entry points


def importer_for(kind, **kwargs) -> BaseImporter:
    if kind == spec.TOWNSHIPS:
        return TownshipImporter(**kwargs)
    if kind == spec.DEPARTMENTS:
        return DepartmentImporter(**kwargs)
    if kind in spec.LIST_KINDS:
        return ListImporter(kind, **kwargs)
    raise ValueError(f"Unknown sheet kind {kind!r}; use one of {', '.join(spec.KINDS)}.")


def import_file(kind, data: bytes, file_name: str, *, county=None, user=None, dry_run=False) -> ImportReport:
    """Validate and (unless ``dry_run`` or any row is bad) import ``data``.

    Never raises for a bad file: file-level problems come back as a report error without a
    row number; the database is left unchanged whenever the report has errors.
    """
    importer = importer_for(kind, county=county, user=user, file_name=file_name, dry_run=dry_run)
    if county is None and importer.needs_county:
        report = ImportReport(kind, file_name, dry_run=dry_run)
        report.errors.append(RowError(None, "", _("Choose the county to import the list into.")))
        return report
    try:
        table = read_table(data, file_name, importer.sheet)
    except ExcelFileError as error:
        report = ImportReport(kind, file_name, dry_run=dry_run)
        report.errors.append(RowError(None, "", error.message))
        return report
    return importer.run(table)
