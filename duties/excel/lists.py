"""Planning the rows of the four lists (power, territorial, admission, reclaimed).

Rules (docs/contracts.md §1):
- an item is found by 事项编码, else by (事项名称, 子项) within the county; a new item without a
  code gets a stable generated one (the same file imported again gives the same code);
- a list row is one entry of that list per item (entries that rest on a delegation are
  matched too, the county's own entry first);
- the day a row took effect (ListEntry.effective_from) is its 生效日期, else (admission) its
  批准日期, else the import-wide date, else the day of the import; an explicit date (the row's or
  the import-wide one) also corrects the date of an existing entry, while without any an
  existing entry keeps its date (docs/excel.md "生效日期"). The history keeps the day the rows
  were recorded;
- a column that is in the file sets its field, blank included; a column that is not in the
  file leaves the field alone. On the territorial, admission and reclaimed lists a blank 依据
  does not clear the item's legal basis (the power list owns it);
- nothing is ever deleted by an import.

The county's departments, townships, items and entries are read once into dicts; each row is
checked in memory; duties.excel.list_writer writes the plans.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from duties.excel import spec
from duties.excel.base import (
    FROM_APPROVAL,
    FROM_FILE,
    FROM_GIVEN,
    FROM_TERM_END,
    FROM_TODAY,
    INVALID,
    KEPT,
    NEW,
    SKIP,
    UPDATE,
    BaseImporter,
    RowOutcome,
    effective_dates,
    row_label,
    update_values,
)
from duties.excel.categories import parse_category
from duties.excel.departments import DepartmentIndex
from duties.excel.values import TownshipIndex, parse_choice, parse_date, parse_decimal, parse_int

GENERATED_CODE_PREFIX = "QD"


def generated_code(county_code: str, name: str, sub_item: str) -> str:
    """A stable code for an item that came without one: the same county, name and sub-item
    always give the same code."""
    digest = hashlib.sha1(f"{county_code}|{name}|{sub_item}".encode()).hexdigest()[:10].upper()
    return f"{GENERATED_CODE_PREFIX}{county_code}-{digest}"


def is_generated_code(code: str) -> bool:
    return bool(re.fullmatch(rf"{GENERATED_CODE_PREFIX}\d{{6}}-[0-9A-F]{{10}}", code or ""))


# --------------------------------------------------------------------------- the fields of each list

ITEM, ENTRY = "item", "entry"


@dataclass(frozen=True)
class ListField:
    """Column ``key`` sets ``attr`` of the item or the entry, read as ``read`` (a ListImporter
    ``read_*`` method) within the model field's max_length; ``required``: the cell may not be
    blank; ``blank_keeps``: a blank cell leaves the field as it is."""

    key: str
    owner: str
    attr: str
    read: str = "text"
    required: bool = False
    blank_keeps: bool = False

    @property
    def limit(self) -> int | None:
        from duties.models import DutyItem, ListEntry

        model = DutyItem if self.owner == ITEM else ListEntry
        return model._meta.get_field(self.attr).max_length


_BASIS = ListField("legal_basis", ITEM, "legal_basis", blank_keeps=True)
_NOTES = ListField("notes", ENTRY, "notes")
FIELDS = {
    spec.POWER: (
        ListField("category", ITEM, "category", "category"),
        ListField("legal_basis", ITEM, "legal_basis"),
        ListField("responsibility_stages", ITEM, "responsibility_stages"),
        ListField("accountability_cases", ITEM, "accountability_cases"),
        ListField("department", ITEM, "department_id", "department"),
        ListField("source", ENTRY, "source", "choice"),
        ListField("handling_office", ENTRY, "handling_office", "line"),
        _NOTES,
    ),
    spec.TERRITORIAL: (
        ListField("domain", ENTRY, "domain", "line"),
        ListField("lead_department", ENTRY, "lead_department_id", "department", required=True),
        ListField("department_duty", ENTRY, "department_duty"),
        ListField("township_duty", ENTRY, "township_duty"),
        ListField("cooperating_departments", ENTRY, "cooperating_departments"),
        _BASIS,
        _NOTES,
    ),
    spec.ADMISSION: (
        ListField("requesting_department", ENTRY, "requesting_department_id", "department"),
        ListField("admission_mode", ENTRY, "admission_mode", "choice"),
        ListField("approval_document", ENTRY, "approval_document", "line", required=True),
        ListField("approved_on", ENTRY, "approved_on", "date"),
        ListField("effective_to", ENTRY, "effective_to", "date"),
        ListField("staff_posts", ENTRY, "staff_posts", "int"),
        ListField("funding_wan_yuan", ENTRY, "funding_wan_yuan", "money"),
        _BASIS,
        _NOTES,
    ),
    spec.RECLAIMED: (
        ListField("receiving_department", ENTRY, "receiving_department_id", "department", required=True),
        ListField("working_method", ENTRY, "working_method"),
        _BASIS,
        _NOTES,
    ),
}
_CHOICES = {
    "source": (spec.SOURCE_LABELS, spec.SOURCE_VARIANTS, "statutory"),
    "admission_mode": (spec.ADMISSION_MODE_LABELS, spec.ADMISSION_MODE_VARIANTS, ""),
}
# model attribute -> column key, for the changes shown in the preview.
_ATTR_TO_COLUMN = {
    "department_id": "department",
    "lead_department_id": "lead_department",
    "requesting_department_id": "requesting_department",
    "receiving_department_id": "receiving_department",
    "all_townships": "scope",
}
# The department that owns a new item on each list (the power list names it itself).
_NEW_ITEM_DEPARTMENT = {
    spec.TERRITORIAL: "lead_department_id",
    spec.ADMISSION: "requesting_department_id",
    spec.RECLAIMED: "receiving_department_id",
}


_IMMUTABLE = (type(None), str, int, float, bool, Decimal, datetime.date, datetime.datetime)


class NewInstances:
    """Unsaved instances of ``model`` with its field defaults and ``fixed`` values, made by
    copying a prototype's field values into a fresh instance: ``Model.__init__`` costs 20–40 µs
    for the wide DutyItem and ListEntry, which a 20,000-row import would pay for every row
    (manage.py bench_excel). Only models whose defaults are immutable values qualify; the
    instances are the same as ``model(**fixed)`` (no pre/post_init receivers are connected)."""

    def __init__(self, model, **fixed):
        prototype = model(**fixed)
        self.model = model
        self.values = {k: v for k, v in prototype.__dict__.items() if k != "_state"}
        if not all(isinstance(v, _IMMUTABLE) for v in self.values.values()):
            raise TypeError(f"{model.__name__} has a mutable default; build it with {model.__name__}().")

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        obj.__dict__.update(self.values)
        obj._state = ModelState()
        for name, value in values.items():
            setattr(obj, name, value)
        return obj


@dataclass
class ListRow:
    """One row as read: identity, the values of the item and of the entry, the scope."""

    number: int
    code: str
    name: str
    sub_item: str | None
    item_values: dict
    entry_values: dict
    scope: tuple | None  # (all townships, [townships]) or None when the file has no 适用乡镇
    effective_from: datetime.date | None = None  # the row's 生效日期


@dataclass
class ListPlan:
    item: object
    item_is_new: bool
    item_changes: list
    entry: object
    entry_is_new: bool
    entry_changes: list
    township_ids: list
    scope_changed: bool
    outcome: RowOutcome
    effective: tuple  # (where effective_from came from, the day): see _window


class ListImporter(BaseImporter):
    """One of the four lists (power, territorial, admission, reclaimed)."""

    writer_class = None  # duties.excel.list_writer.ListWriter (the benchmark swaps it)

    def __init__(self, kind, *, register_aliases=False, **kwargs):
        self.kind = kind
        self.sheet = spec.SHEETS[kind]
        self.register_aliases = register_aliases
        super().__init__(**kwargs)

    # -- reading the county once

    def prepare(self, table):
        from duties.models import DutyItem

        self.fields = [(f, getattr(self, f"read_{f.read}")) for f in FIELDS[self.kind] if self.has(f.key)]
        self.limits = {f.key: f.limit for f, _read in self.fields}
        self.item_limits = {name: DutyItem._meta.get_field(name).max_length
                            for name in ("code", "name", "sub_item")}
        self._load_directory()
        self._load_items()
        self.rows_by_item = defaultdict(list)  # item key -> row numbers
        self.final_names = {}  # (name, sub_item) -> (item key, row number)
        self.new_items = {}  # code -> new DutyItem
        self.adopted_codes = set()  # generated codes replaced by a real one in this file

    def _load_directory(self):
        from townships.models import Township

        self.departments = DepartmentIndex.for_county(self.county)
        self.townships = TownshipIndex(Township.objects.filter(county=self.county).order_by("code"))

    def _load_items(self):
        from duties.models import DutyItem, ListEntry

        self.new_item = NewInstances(DutyItem, county=self.county)
        entry_defaults = {"source": "statutory"} if self.kind == spec.POWER else {}
        self.new_entry = NewInstances(ListEntry, kind=self.kind, effective_from=self.today,
                                      **entry_defaults)

        self.items_by_code, self.items_by_name = {}, {}
        for item in DutyItem.objects.filter(county=self.county):
            self.items_by_code[item.code] = item
            self.items_by_name[(item.name, item.sub_item)] = item
        # The county's own entry (no delegation) first, then those of delegations.
        self.entries_by_item = defaultdict(list)
        for entry in ListEntry.objects.filter(kind=self.kind, item__county=self.county).order_by(
            F("delegation_id").asc(nulls_first=True), "id"
        ):
            self.entries_by_item[entry.item_id].append(entry)
        self.scope_rows = defaultdict(dict)  # entry id -> {township id: through row id}
        through = ListEntry.townships.through
        for row_id, entry_id, township_id in through.objects.filter(
            listentry__kind=self.kind, listentry__item__county=self.county
        ).values_list("id", "listentry_id", "township_id"):
            self.scope_rows[entry_id][township_id] = row_id

    # -- a row

    def plan_row(self, number, cells):
        row = self._read(number, cells)
        if row is None:
            return None
        found = self._identify(row)
        if found is None:
            return None
        item, item_key, existing = found
        plan = self._plan(row, item, item_key, existing)
        if plan is None:
            return None
        self.rows_by_item[item_key].append(number)
        self.final_names[(row.name, row.sub_item)] = (item_key, number)
        self.plans.append(plan)
        return plan.outcome

    def _read(self, number, cells) -> ListRow | None:
        limits = self.item_limits
        code = self.text_cell(cells, "code", limits["code"], single_line=True) if self.has("code") else ""
        name = self.text_cell(cells, "name", limits["name"], single_line=True)
        sub_item = (
            self.text_cell(cells, "sub_item", limits["sub_item"], single_line=True)
            if self.has("sub_item") else None
        )
        values = {ITEM: {}, ENTRY: {}}
        for list_field, read in self.fields:
            value = read(cells, list_field)
            if value in ("", None) and list_field.required:
                self.required_error(list_field.key)
            elif value == "" and list_field.blank_keeps:
                continue
            values[list_field.owner][list_field.attr] = value
        scope = self.cell(cells, "scope", self.townships.parse_scope) if self.has("scope") else None
        effective_from = (
            self.cell(cells, "effective_from", parse_date) if self.has("effective_from") else None
        )
        if self._row_errors:
            return None
        return ListRow(number, code, name, sub_item, values[ITEM], values[ENTRY], scope,
                       effective_from)

    # -- the readers of ListField.read

    def read_text(self, cells, list_field):
        return self.text_cell(cells, list_field.key, self.limits[list_field.key])

    def read_line(self, cells, list_field):
        return self.text_cell(cells, list_field.key, self.limits[list_field.key], single_line=True)

    def read_category(self, cells, list_field):
        return self.cell(cells, list_field.key, parse_category)

    def read_choice(self, cells, list_field):
        labels, variants, default = _CHOICES[list_field.key]
        what = self.sheet.column(list_field.key).header
        return self.cell(cells, list_field.key, parse_choice, labels, variants, default, what=what)

    def read_date(self, cells, list_field):
        return self.cell(cells, list_field.key, parse_date)

    def read_int(self, cells, list_field):
        return self.cell(cells, list_field.key, parse_int)

    def read_money(self, cells, list_field):
        return self.cell(cells, list_field.key, parse_decimal, places=2, max_digits=12,
                         suffixes=("万元", "万"))

    def read_department(self, cells, list_field):
        department = self.cell(cells, list_field.key, self.departments.find)
        if department is INVALID or department is None:
            return department
        return department.pk

    # -- which item

    def _identify(self, row: ListRow):
        """(item or None, item key, its existing entries) after the identity checks, or None
        once an error is recorded. Fills in the row's final name and sub-item."""
        item, new_code = self._find_item(row.code, row.name, row.sub_item)
        if item is INVALID:
            return None
        if item is None and not row.name:
            self.required_error("name")
            return None
        row.name = row.name or item.name
        if row.sub_item is None:
            row.sub_item = item.sub_item if item is not None else ""
        if new_code:
            row.item_values["code"] = new_code
        if item is None:
            row.code = row.code or generated_code(self.county.code, row.name, row.sub_item)
            item = self.new_items.get(row.code)
        saved = item is not None and item.pk
        item_key = ("id", item.pk) if saved else ("new", row.code)
        existing = self.entries_by_item.get(item.pk, []) if saved else []
        if not self._unique(row, item, item_key, existing):
            return None
        return item, item_key, existing

    def _find_item(self, code, name, sub_item):
        """(the existing item or None, a code to give it); (INVALID, None) after an error."""
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
            return INVALID, None
        if not name:
            self.required_error("name")
            return INVALID, None
        return self.items_by_name.get(lookup), None

    def _unique(self, row, item, item_key, existing) -> bool:
        """One row per item (an item that several delegations put on the list may have one
        row per entry), and one item per name and sub-item."""
        earlier = self.rows_by_item[item_key]
        if len(earlier) >= max(1, len(existing)):
            self._error("name", _(
                "The same item is already on row %(row)s of this file; each item may appear "
                "once."
            ) % {"row": earlier[0]})
            return False
        holder = self.final_names.get((row.name, row.sub_item))
        if holder is not None and holder[0] != item_key:
            self._error("name", _("Row %(row)s already has an item with this name and sub-item.")
                        % {"row": holder[1]})
            return False
        clash = self.items_by_name.get((row.name, row.sub_item))
        if clash is not None and item is not None and item.pk and clash.pk != item.pk:
            self._error("name", _(
                "Another item of this county (code %(code)s) already has this name and sub-item."
            ) % {"code": clash.code})
            return False
        return True

    # -- the plan of a row

    def _plan(self, row, item, item_key, existing) -> ListPlan | None:
        row.item_values["name"] = row.name
        row.item_values["sub_item"] = row.sub_item
        item_is_new = item is None or not item.pk
        if item is None:
            item = self.new_item(code=row.code)
            owner = _NEW_ITEM_DEPARTMENT.get(self.kind)
            if owner and row.entry_values.get(owner):
                item.department_id = row.entry_values[owner]
            self.new_items[row.code] = item
        item_changes = update_values(item, row.item_values)
        entry, entry_is_new = self._entry(item, existing, len(self.rows_by_item[item_key]))
        window = self._window(entry, entry_is_new, row)
        if window is None:
            return None
        source, effective_from = window
        if source != KEPT:
            row.entry_values["effective_from"] = effective_from
        entry_changes = update_values(entry, row.entry_values)
        township_ids, scope_changed = self._scope(entry, entry_is_new, row.scope)
        if item_is_new:
            item_changes = []
        if entry_is_new:
            entry_changes = []
        if item_is_new or entry_is_new:
            action = NEW
        elif item_changes or entry_changes or scope_changed:
            action = UPDATE
        else:
            action = SKIP
        changed_keys = [_ATTR_TO_COLUMN.get(a, a) for a in [*item_changes, *entry_changes]]
        if scope_changed:
            changed_keys.append("scope")
        outcome = RowOutcome(row.number, action, row_label(item.code, row.name), {},
                             self.headers_of(changed_keys))
        return ListPlan(item, item_is_new, item_changes, entry, entry_is_new, entry_changes,
                        township_ids, scope_changed, outcome, (source, effective_from))

    def _entry(self, item, existing, occurrence):
        """The entry a row is about (its n-th row takes the item's n-th entry) and whether it
        is new."""
        if occurrence < len(existing):
            return existing[occurrence], False
        return self.new_entry(item=item), True

    def _scope(self, entry, is_new, scope):
        """(the township ids of the entry's scope, whether the scope changes)."""
        if scope is None:
            return (sorted(self.scope_rows.get(entry.pk, {})) if entry.pk else []), False
        all_townships, townships = scope
        township_ids = [t.pk for t in townships]
        changed = not is_new and (
            entry.all_townships != all_townships
            or set(self.scope_rows.get(entry.pk, {})) != set(township_ids)
        )
        entry.all_townships = all_townships
        return township_ids, changed

    def _window(self, entry, is_new, row):
        """(where the entry's effective_from comes from, the day) — ``(KEPT, None)`` for an
        existing entry that keeps its date — checked against 有效期至; None after an error.

        Precedence: the row's 生效日期, (admission) its 批准日期, the import-wide date, the day
        of the import. Only an explicit date (the row's or the import-wide one) changes the date
        of an existing entry; the import-wide date leaves an entry that rests on a delegation
        alone (its window is the decision's)."""
        effective_to = row.entry_values.get("effective_to", entry.effective_to)
        approved_on = row.entry_values.get("approved_on")
        if row.effective_from is not None:
            source, start = FROM_FILE, row.effective_from
        elif approved_on:
            source, start = FROM_APPROVAL, approved_on
        elif self.effective_from is not None:
            source, start = FROM_GIVEN, self.effective_from
        else:
            source, start = FROM_TODAY, self.today
        explicit = row.effective_from is not None or (
            self.effective_from is not None and not entry.delegation_id
        )
        if not is_new and not explicit:
            source, start = KEPT, entry.effective_from
        if effective_to is None or effective_to >= start:
            return source, (None if source == KEPT else start)
        if source == FROM_TODAY:
            return FROM_TERM_END, effective_to  # an admission that has already ended
        key = "effective_to" if self.has("effective_to") else "effective_from"
        if source == FROM_APPROVAL:
            message = _(
                "The end of the term (%(end)s) is earlier than the approval date (%(start)s)."
            )
        else:
            message = _(
                "The end of the term (%(end)s) is earlier than the date the entry took effect "
                "(%(start)s)."
            )
        self._error(key, message % {"end": effective_to, "start": start})
        return None

    # -- after the rows

    def finish(self):
        self.report.departments = sorted(
            self.departments.resolved.values(), key=lambda r: (r.department.code, r.written)
        )
        self.report.effective_dates = effective_dates(plan.effective for plan in self.plans)

    def apply(self):
        from duties.excel.list_writer import ListWriter

        (self.writer_class or ListWriter)(self).write()
