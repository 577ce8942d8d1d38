"""Importing the past-work sheets: the assignments register (交办事项) and the decided
delegations (赋权委托), through the same driver as the other sheets (duties.excel.base: every
row planned in memory first, a file with any bad row writes nothing, ``第N行 列名: 原因``).

Each row is written by the one service of its concept, so the checks and the history are those
of the app:

- a 交办事项 row is one ``delegations.assignments.record_assignment`` (recorded by the office
  user importing); it is judged by the flags against the lists in force on its 交办日期;
- a 赋权委托 row is one ``delegations.workflow.record_paper_decision``: the decision taken on
  paper, dated by its 批准日期, its items put on the townships' lists from its 生效日期.

Planning runs the workflow's own rules without writing (``validation.paper_decision_errors``
and the ``record_decision`` step's preconditions, ``transitions.refusals``), so a row the
workflow would refuse is a row error with the workflow's message; a refusal that still comes
while writing (the data changed meanwhile) rolls the whole file back and is reported on its row.

Both sheets are idempotent: a row that was already recorded (the same assignment; an approved
or revoked delegation of the same department, 批准文号, 方式 and item) is unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.excel import sheets
from delegations.models import Assignment, Delegation
from duties.excel.base import (
    FROM_APPROVAL,
    FROM_FILE,
    INVALID,
    KEPT,
    NEW,
    SKIP,
    BaseImporter,
    RowOutcome,
    effective_dates,
)
from duties.excel.departments import DepartmentIndex
from duties.excel.errors import RowError
from duties.excel.values import TownshipIndex, key, parse_choice, parse_date, parse_decimal, parse_int


def compact_rows(numbers) -> str:
    """Row numbers as ranges: [3, 4, 5, 9] -> "3–5、9"."""
    spans = []
    for previous, number in zip([None, *numbers], numbers):
        if previous is None or number != previous + 1:
            spans.append([number, number])
        else:
            spans[-1][1] = number
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def importer_for(kind, **kwargs):
    """The importer of a past-work sheet (``duties.excel.importers.importer_for`` hands over)."""
    if kind == sheets.ASSIGNMENTS:
        return AssignmentImporter(**kwargs)
    if kind == sheets.DELEGATIONS:
        return DelegationImporter(**kwargs)
    raise ValueError(f"Unknown past-work sheet kind {kind!r}.")


class _Refused(Exception):
    """A service refused a planned row while writing: rolls the import back."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def _messages(error) -> list[tuple[str | None, str]]:
    """``(field or None, message)`` of a ValidationError (or PermissionDenied)."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [(field, message) for field, messages in error.message_dict.items()
                for message in messages]
    if isinstance(error, ValidationError):
        return [(None, message) for message in error.messages]
    return [(None, str(error))]


@dataclass
class _Plan:
    """A row to write: its outcome and the service's keyword arguments."""

    outcome: RowOutcome
    values: dict


class _PastWorkImporter(BaseImporter):
    """What both sheets share: the county's departments, townships and items, read once; the
    cells that name them; the user's right to record; refusals while writing."""

    action = ""  # townships.access action the importing user needs on each department
    # A service's field -> the column its message is shown on, where the names differ ("item":
    # the item's code column, else its name column); a field named like a column is that column.
    field_columns: dict = {}

    # -- reading the county once

    def prepare(self, table):
        from duties.models import DutyItem
        from townships.models import Township

        self.departments = DepartmentIndex.for_county(self.county)
        self.county_townships = list(Township.objects.filter(county=self.county).order_by("code"))
        self.townships = TownshipIndex(self.county_townships)
        self.items_by_code = {}
        self.items_by_name = defaultdict(list)
        for item in DutyItem.objects.filter(county=self.county).order_by("code"):
            self.items_by_code[item.code] = item
            self.items_by_name[key(item.name)].append(item)
            if item.sub_item:
                self.items_by_name[key(f"{item.name}({item.sub_item})")].append(item)
        self.permitted = {}  # department id -> why the user may not record for it ("": it may)
        self.seen = {}  # identity of a row -> its row number
        self.load_existing()

    def load_existing(self):
        raise NotImplementedError

    # -- cells

    def read_department(self, cells):
        department = self.cell(cells, "department", self.departments.find)
        if department is None:
            self.required_error("department")
            return INVALID
        if department is not INVALID and not self._permitted(department):
            return INVALID
        return department

    def _permitted(self, department) -> bool:
        """The importing user may record for ``department`` (a dry run without a user may
        only check the file)."""
        from townships import access

        if self.user is None:
            return True
        if department.pk not in self.permitted:
            problem = access.explain(self.user, self.action, department)
            self.permitted[department.pk] = problem[1] if problem else ""
        if self.permitted[department.pk]:
            self._error("department", self.permitted[department.pk])
            return False
        return True

    def read_townships(self, cells):
        """The townships a row names (every township of the county for a blank cell or 全部)."""
        if not self.has("townships"):
            return list(self.county_townships)
        scope = self.cell(cells, "townships", self.townships.parse_scope)
        if scope is INVALID:
            return INVALID
        everywhere, named = scope
        townships = list(self.county_townships) if everywhere else named
        if not townships:
            self._error("townships", _("The county has no townships yet: import its townships first."))
            return INVALID
        return townships

    def read_item(self, cells, *, required):
        """The county's item the row names by 事项编码, else by 事项名称 (None when both are
        blank and the item is optional); INVALID once an error is recorded."""
        code = self.text_cell(cells, "item_code", single_line=True) if self.has("item_code") else ""
        name = self.text_cell(cells, "item_name", single_line=True) if self.has("item_name") else ""
        if code:
            item = self.items_by_code.get(code)
            if item is None:
                self._error("item_code", _("Unknown item code “%(value)s”: no item of this county "
                                           "has that code.") % {"value": code})
                return INVALID
            if name and item not in self.items_by_name.get(key(name), ()):
                self._error("item_name", _("Item %(code)s is “%(name)s”, not “%(written)s”; "
                                           "correct the code or the name.")
                            % {"code": code, "name": item.name, "written": name})
                return INVALID
            return item
        if name:
            found = self.items_by_name.get(key(name), [])
            if not found:
                self._error("item_name", _("Unknown item “%(value)s”: no item of this county has "
                                           "that name; import it with the lists first, or give "
                                           "its code.") % {"value": name})
                return INVALID
            if len(found) > 1:
                self._error("item_name", _("Several items of this county are named “%(value)s” "
                                           "(%(codes)s); give the item code.")
                            % {"value": name, "codes": "、".join(item.code for item in found)})
                return INVALID
            return found[0]
        if required:
            self._error("item_code" if self.has("item_code") else "item_name",
                        _("Give the item code or the item name."))
            return INVALID
        return None

    def read_choice(self, cells, column, labels, variants, default, *, required=False):
        if required and not self.text_cell(cells, column):
            self.required_error(column)
            return INVALID
        what = self.sheet.column(column).header
        return self.cell(cells, column, parse_choice, labels, variants, default, what=what)

    def read_date(self, cells, column, *, required=False):
        if not self.has(column):
            return None
        day = self.cell(cells, column, parse_date)
        if day is None and required:
            self.required_error(column)
            return INVALID
        return day

    def read_text(self, cells, column, model, field=None, *, single_line=False):
        """The cell as text within ``model.field``'s length, stripped as the services strip it
        (so a row read back compares equal to what was recorded)."""
        if not self.has(column):
            return ""
        limit = model._meta.get_field(field or column).max_length
        value = self.text_cell(cells, column, limit, single_line=single_line)
        return value.strip() if isinstance(value, str) else value

    def duplicate(self, identity, what) -> bool:
        """Whether the same row is already in this file (then the error is recorded)."""
        if identity in self.seen:
            self._error("", what % {"row": self.seen[identity]})
            return True
        self.seen[identity] = self.row_number
        return False

    # -- the service's messages, on their row and column

    def service_errors(self, row, error) -> list[RowError]:
        errors = []
        keys = {column.key for column in self.sheet.columns}
        for field, message in _messages(error):
            column = self.field_columns.get(field, field if field in keys else "")
            if column == "item":
                column = "item_code" if self.has("item_code") else "item_name"
            errors.append(RowError(row, self.column_label(column), str(message)))
        return errors

    def row_errors(self, error):
        """Record a service's refusal (planned without writing) on the current row."""
        for row_error in self.service_errors(self.row_number, error):
            self._row_errors.append(row_error)
            self.report.errors.append(row_error)

    def finish(self):
        self.report.departments = sorted(
            self.departments.resolved.values(), key=lambda r: (r.department.code, r.written)
        )

    def _write(self):
        try:
            super()._write()
        except _Refused as refused:
            self.report.errors.extend(refused.errors)
            self.report.outcomes = []

    def record(self, plan, service, **kwargs):
        """``service(user, **kwargs)`` for a planned row; a refusal rolls the import back."""
        try:
            return service(self.user, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            raise _Refused(self.service_errors(plan.outcome.row, error)) from error


# --------------------------------------------------------------------------- 交办事项


class AssignmentImporter(_PastWorkImporter):
    """The assignments register: one row, one assignment (``record_assignment``)."""

    sheet = sheets.ASSIGNMENTS_SHEET
    action = "create_assignment"
    field_columns = {"duty_item": "item"}

    def load_existing(self):
        """The county's assignments by identity, with their description."""
        rows = Assignment.objects.filter(department__county=self.county).values_list(
            "pk", "department_id", "title", "assigned_on", "document_no", "duty_item_id",
            "channel", "responsibility", "description",
        )
        townships = defaultdict(set)
        for assignment_id, township_id in Assignment.townships.through.objects.filter(
            assignment__department__county=self.county
        ).values_list("assignment_id", "township_id"):
            townships[assignment_id].add(township_id)
        self.existing = {}
        for pk, department_id, title, day, document_no, item_id, channel, responsibility, text in rows:
            identity = (department_id, title, day, document_no, frozenset(townships[pk]), item_id,
                        channel, responsibility)
            self.existing.setdefault(identity, (pk, text))

    def prepare(self, table):
        super().prepare(table)
        self.assumed_cooperation = []  # rows whose 责任类型 is blank (or has no column)

    def plan_row(self, number, cells):
        department = self.read_department(cells)
        townships = self.read_townships(cells)
        title = self.read_text(cells, "title", Assignment, single_line=True)
        item = self.read_item(cells, required=False)
        channel = self.read_choice(cells, "channel", sheets.CHANNEL_LABELS, sheets.CHANNEL_VARIANTS,
                                   "", required=True)
        responsibility = self.read_choice(
            cells, "responsibility", sheets.RESPONSIBILITY_LABELS, sheets.RESPONSIBILITY_VARIANTS,
            Assignment.Responsibility.COOPERATE,
        ) if self.has("responsibility") else Assignment.Responsibility.COOPERATE
        if not (self.has("responsibility") and self.text_cell(cells, "responsibility")):
            self.assumed_cooperation.append(number)
        document_no = self.read_text(cells, "document_no", Assignment, single_line=True)
        assigned_on = self.read_date(cells, "assigned_on", required=True)
        description = self.read_text(cells, "description", Assignment)
        if title == "":
            self.required_error("title")
        if self._row_errors:
            return None
        identity = (department.pk, title, assigned_on, document_no,
                    frozenset(t.pk for t in townships), item.pk if item else None, channel,
                    responsibility)
        if self.duplicate(identity, _("The same assignment is already on row %(row)s of this file.")):
            return None
        label = f"{assigned_on.isoformat()} {title}"
        recorded = self.existing.get(identity)
        if recorded is not None:
            if self.has("description") and recorded[1] != description:
                self.report.warnings.append(_(
                    "Row %(row)s: this assignment is already recorded (no. %(id)s) with another "
                    "description (说明); the recorded one is kept."
                ) % {"row": number, "id": recorded[0]})
            return RowOutcome(number, SKIP, label, {})
        if assigned_on > self.today:
            self._error("assigned_on", _("The assignment date %(day)s is later than today.")
                        % {"day": assigned_on.isoformat()})
            return None
        outcome = RowOutcome(number, NEW, label, {})
        self.plans.append(_Plan(outcome, {
            "department": department, "townships": townships, "title": title, "duty_item": item,
            "channel": channel, "responsibility": responsibility, "document_no": document_no,
            "assigned_on": assigned_on, "description": description,
        }))
        return outcome

    def finish(self):
        super().finish()
        if self.assumed_cooperation:
            # Shown before confirming: a main responsibility recorded as cooperation would hide
            # a 主体责任转嫁 from the flags (MAIN_DUTY_SHIFTED).
            self.report.warnings.append(_(
                "%(column)s is blank on rows %(rows)s: they are recorded as cooperation (配合). "
                "Fill in 主体 where the township was asked to take the main responsibility."
            ) % {"column": sheets.ASSIGNMENTS_SHEET.column("responsibility").header,
                 "rows": compact_rows(self.assumed_cooperation)})

    def apply(self):
        from delegations.assignments import record_assignment

        for plan in self.plans:
            plan.outcome.obj = self.record(plan, record_assignment, reason=self.reason,
                                           **plan.values)


# --------------------------------------------------------------------------- 赋权委托


class _Many:
    """A planned set of items or townships, read as ``delegation.duty_items.all()``."""

    def __init__(self, objects):
        self.objects = list(objects)

    def all(self):
        return list(self.objects)


class PlannedDelegation:
    """A row's delegation before it is written, as the workflow's rules read a delegation
    (``validation.validate_request``, ``request_warnings``): its request fields, department,
    items and townships. ``pk`` 0 names no saved delegation."""

    pk = 0

    def __init__(self, department, items, townships, fields):
        from delegations import validation

        self.department = department
        self.department_id = department.pk
        self.duty_items = _Many(items)
        self.townships = _Many(townships)
        for name, value in {**validation.REQUEST_DEFAULTS, **fields}.items():
            setattr(self, name, value)


# The request fields (``record_paper_decision``'s keywords) read from the columns of the same
# name: dates, and texts (whether one line).
_DATE_FIELDS = ("effective_to", "agreement_term_end", "published_on")
_TEXT_FIELDS = {
    "agreement_scope": False, "agreement_powers": False, "provincial_decision": True,
    "legal_basis": False, "reason": False,
}
# What is compared with an already recorded delegation (fields, each read from its column).
_COMPARED = (
    "townships", "decided_on", "effective_from", *_DATE_FIELDS, *_TEXT_FIELDS, "staff_posts",
    "funding_wan_yuan",
)


class DelegationImporter(_PastWorkImporter):
    """The decided delegations: one row, one decision taken on paper
    (``workflow.record_paper_decision``) of one item."""

    sheet = sheets.DELEGATIONS_SHEET
    action = "record_decision"
    field_columns = {"duty_items": "item", "end_reclaimed_reason": "item"}

    def prepare(self, table):
        super().prepare(table)
        self.date_sources = []  # (where each row's effective date came from, None)

    def load_existing(self):
        """The county's approved and revoked delegations, by (department, 批准文号, mode, item)."""
        delegations = (
            Delegation.objects.filter(
                department__county=self.county,
                state__in=[Delegation.State.APPROVED, Delegation.State.REVOKED],
            )
            .order_by("pk")
            .prefetch_related("duty_items", "townships")
        )
        self.existing = defaultdict(list)
        for delegation in delegations:
            for item in delegation.duty_items.all():
                identity = (delegation.department_id, delegation.decision_no, delegation.mode, item.pk)
                self.existing[identity].append(delegation)

    def plan_row(self, number, cells):
        department = self.read_department(cells)
        mode = self.read_choice(cells, "mode", sheets.MODE_LABELS, sheets.MODE_VARIANTS, "",
                                required=True)
        item = self.read_item(cells, required=True)
        townships = self.read_townships(cells)
        decision_no = self.read_text(cells, "decision_no", Delegation, single_line=True)
        decided_on = self.read_date(cells, "decided_on", required=True)
        fields = {"effective_from": self.read_date(cells, "effective_from")}
        for name in _DATE_FIELDS:
            fields[name] = self.read_date(cells, name)
        for name, single_line in _TEXT_FIELDS.items():
            fields[name] = self.read_text(cells, name, Delegation, single_line=single_line)
        fields["staff_posts"] = self.cell(cells, "staff_posts", parse_int) if self.has("staff_posts") else None
        fields["funding_wan_yuan"] = (
            self.cell(cells, "funding_wan_yuan", parse_decimal, places=2, max_digits=12,
                      suffixes=("万元", "万"))
            if self.has("funding_wan_yuan") else None
        )
        if decision_no == "":
            self.required_error("decision_no")
        if self._row_errors:
            return None
        dated = fields["effective_from"] is not None
        fields["effective_from"] = fields["effective_from"] or decided_on
        fields["staff_posts"] = fields["staff_posts"] or 0
        fields["funding_wan_yuan"] = fields["funding_wan_yuan"] or 0
        identity = (department.pk, decision_no, mode, item.pk)
        if self.duplicate(identity, _("The same delegation (department, decision document, mode "
                                      "and item) is already on row %(row)s of this file.")):
            return None
        label = f"{decision_no} {item.code} {item.name}"
        recorded = self.existing.get(identity)
        if recorded:
            return self._recorded(number, label, recorded, townships, decided_on, fields)
        if not self._workflow_accepts(department, mode, item, townships, decision_no, decided_on,
                                      fields):
            return None
        self.date_sources.append((FROM_FILE if dated else FROM_APPROVAL, None))
        outcome = RowOutcome(number, NEW, label, {})
        self.plans.append(_Plan(outcome, {
            "department": department, "decision_no": decision_no, "decided_on": decided_on,
            "note": self.reason, "mode": mode, "duty_items": [item], "townships": townships,
            **fields,
        }))
        return outcome

    def _recorded(self, number, label, recorded, townships, decided_on, fields):
        """A row already recorded: unchanged when it says what the record says, else an error
        (an import does not change a decision)."""
        row = {**fields, "townships": {t.pk for t in townships}, "decided_on": decided_on}
        differences = None
        for delegation in recorded:
            differing = [
                name for name in _COMPARED
                if self.has(name) and row[name] != self._recorded_value(delegation, name)
            ]
            if not differing:
                self.date_sources.append((KEPT, None))
                return RowOutcome(number, SKIP, label, {})
            differences = differences or (delegation, differing)
        delegation, differing = differences
        self._error(differing[0], _(
            "This decision is already recorded in qingdan (delegation no. %(id)s) with other "
            "values in %(columns)s. An import does not change a recorded decision: change it in "
            "qingdan (e.g. revoke it and record the new decision), or make the row say what is "
            "recorded."
        ) % {"id": delegation.pk, "columns": "、".join(self.column_label(c) for c in differing)})
        return None

    @staticmethod
    def _recorded_value(delegation, name):
        if name == "townships":
            return {t.pk for t in delegation.townships.all()}
        if name == "decided_on":
            return timezone.localdate(delegation.decided_at) if delegation.decided_at else None
        return getattr(delegation, name)

    def _workflow_accepts(self, department, mode, item, townships, decision_no, decided_on,
                          fields) -> bool:
        """Run the rules ``record_paper_decision`` runs, without writing: the decision's own
        (``paper_decision_errors``) and the ``record_decision`` step's preconditions (the
        submit-time rules, the reclaimed list). Each refusal is a row error; what the office is
        shown before deciding in the app (the item already on a township's lists) is a warning."""
        from delegations import validation
        from delegations.list_entries import listed_by_the_county
        from delegations.request_warnings import warnings_for
        from delegations.transitions import refusals

        errors = validation.paper_decision_errors(decision_no, decided_on, self.reason, self.today)
        if errors:
            self.row_errors(ValidationError(errors))
            return False
        planned = PlannedDelegation(department, [item], townships, {"mode": mode, **fields})
        refused = refusals("record_decision", planned, end_reclaimed_reason="")
        warnings = warnings_for(planned)
        for refusal in refused:
            if "end_reclaimed_reason" in getattr(refusal, "error_dict", {}):
                self._reclaimed_errors(warnings)
            else:
                self.row_errors(refusal)
        if self._row_errors:
            return False
        # The county's own entry that already lists exactly what the decision lists is taken
        # over by it (list_entries.listed_by_the_county): nothing to warn about then.
        if listed_by_the_county(planned, item, townships) is None:
            self.report.warnings.extend(
                _("Row %(row)s: %(warning)s") % {"row": self.row_number, "warning": warning.message}
                for warning in warnings if warning.code == "already_listed"
            )
        return True

    def _reclaimed_errors(self, warnings):
        """The workflow asks the deciding office to end the reclaimed entry with a reason;
        a sheet of past decisions cannot, so the row says what to do instead."""
        from delegations.validation import names

        for warning in warnings:
            if warning.code != "reclaimed":
                continue
            self._error("item_code" if self.has("item_code") else "item_name", _(
                "%(item)s is on the reclaimed list (收回清单) of %(townships)s during this "
                "delegation's term. If it was handed down before it was reclaimed, fill in "
                "有效期至 (at the latest the day before it was reclaimed); if it has been handed "
                "down again since, end its reclaimed entry in qingdan first, then import."
            ) % {"item": names([warning.item]), "townships": "、".join(t.name for t in warning.townships)})

    def finish(self):
        super().finish()
        self.report.effective_dates = effective_dates(self.date_sources)

    def apply(self):
        from delegations.workflow import record_paper_decision

        for plan in self.plans:
            plan.outcome.obj = self.record(plan, record_paper_decision, **plan.values)


__all__ = ["AssignmentImporter", "DelegationImporter", "PlannedDelegation", "importer_for"]
