"""What every importer shares: the report, the per-row error handling, and the driving loop
(every row is planned first; only a file without a single bad row is written, in one
transaction).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duties.excel import spec
from duties.excel.errors import CellError, RowError
from duties.excel.reader import Table
from duties.excel.values import check_length, one_line, text

HISTORY_REASON_PREFIX = "导入 "  # docs/contracts.md §1: the history reason is "导入 <file name>"
HISTORY_REASON_MAX_LENGTH = 100  # django-simple-history's history_change_reason column
INVALID = object()  # a cell whose error is already recorded

NEW = "new"
UPDATE = "update"
SKIP = "skip"

# Where a list row's effective date (ListEntry.effective_from) came from; the report states it
# per import, so that the import day never silently stands for the day a list took effect.
FROM_FILE = "file"  # the row's 生效日期
FROM_APPROVAL = "approval"  # admission: the row's 批准日期
FROM_GIVEN = "given"  # the import-wide date (--effective-from, the admin form's field)
FROM_TODAY = "today"  # no date at all: the day of the import
FROM_TERM_END = "term_end"  # no date, and a term that ended before today: its end
KEPT = "kept"  # an existing entry, no date given: its effective date is left as it was


def history_reason(file_name: str) -> str:
    reason = f"{HISTORY_REASON_PREFIX}{file_name or ''}".strip()
    if len(reason) > HISTORY_REASON_MAX_LENGTH:
        reason = reason[: HISTORY_REASON_MAX_LENGTH - 1] + "…"
    return reason


def update_values(obj, values: dict) -> list[str]:
    """Set ``values`` on ``obj``; the names of those that differed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            changed.append(name)
            setattr(obj, name, value)
    return changed


def row_label(code, name):
    return f"{code} {name}".strip()


def warning_message(sheet: spec.Sheet, warning) -> str:
    """The sentence a HeaderWarning is shown as."""
    header = sheet.column(warning.key).header
    if warning.winner:
        return _(
            "Column “%(label)s” was not imported: it may hold “%(field)s”, which was taken "
            "from column “%(winner)s”."
        ) % {"label": warning.label, "field": header, "winner": warning.winner}
    return _(
        "Column “%(label)s” was not imported: it may hold “%(field)s”. If it does, name it "
        "“%(field)s” and import again."
    ) % {"label": warning.label, "field": header}


# --------------------------------------------------------------------------- reports


@dataclass(frozen=True)
class EffectiveDates:
    """``rows`` rows of an import got their effective date from ``source`` (``day`` when it
    is one date for all of them)."""

    source: str
    day: datetime.date | None
    rows: int

    def __str__(self):
        values = {"rows": self.rows, "date": self.day.isoformat() if self.day else ""}
        if self.source == FROM_FILE:
            return _("Effective date: as written in the file (%(rows)s rows).") % values
        if self.source == FROM_APPROVAL:
            return _("Effective date: the approval date (批准日期) (%(rows)s rows).") % values
        if self.source == FROM_GIVEN:
            return _("Effective date: the date given for the import, %(date)s (%(rows)s rows).") % values
        if self.source == FROM_TODAY:
            return _("Effective date: the day of the import, %(date)s (%(rows)s rows).") % values
        if self.source == FROM_TERM_END:
            return _("Effective date: the end of the term (有效期至), which is already past "
                     "(%(rows)s rows).") % values
        return _("Effective date: kept as recorded (%(rows)s existing rows).") % values


def import_day_warning() -> str:
    return _(
        "Some rows have no 生效日期 and no effective date was given for the import: they take "
        "effect on the day of the import. If the list was in force earlier, fill in 生效日期 "
        "or give the date the list took effect for the whole import, and import again."
    )


def effective_dates(sources) -> list[EffectiveDates]:
    """The statements of an import from its rows' ``(source, day)`` pairs, in a fixed order."""
    counted = Counter(sources)
    order = (FROM_FILE, FROM_APPROVAL, FROM_GIVEN, FROM_TODAY, FROM_TERM_END, KEPT)
    statements = []
    for source in order:
        days = {day for (s, day) in counted if s == source}
        rows = sum(n for (s, _day), n in counted.items() if s == source)
        if rows:
            day = next(iter(days)) if len(days) == 1 and source in (FROM_GIVEN, FROM_TODAY) else None
            statements.append(EffectiveDates(source, day, rows))
    return statements


@dataclass
class RowOutcome:
    row: int
    action: str  # new | update | skip
    label: str
    cells: dict  # column key -> the cell's value as read
    changed: list = field(default_factory=list)  # headers of the columns that change
    obj: object = None  # the entry / township / department, once written
    kind: str = ""

    @property
    def values(self) -> list:
        """The row's cells as text, in the sheet's canonical column order."""
        return [text(self.cells.get(column.key)) for column in spec.SHEETS[self.kind].columns]


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool = False
    outcomes: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # RowError
    unknown_columns: list = field(default_factory=list)  # headers as written, not imported
    warnings: list = field(default_factory=list)  # sentences: columns a field may come from
    departments: list = field(default_factory=list)  # departments.Resolution, by written name
    new_aliases: list = field(default_factory=list)  # (department, name) registered (or to be)
    new_counties: list = field(default_factory=list)  # County created (or to be) by a townships sheet
    effective_dates: list = field(default_factory=list)  # EffectiveDates (list sheets)
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

    @property
    def county_notes(self) -> list[str]:
        """"将新建区县 990500 某县" (preview), "已新建区县 …" (once imported)."""
        message = (_("Created county %(code)s %(name)s.") if self.applied
                   else _("County %(code)s %(name)s will be created."))
        return [message % {"code": county.code, "name": county.name} for county in self.new_counties]

    @property
    def import_day_used(self) -> bool:
        """Whether some rows take effect on the day of the import for want of any date."""
        return any(statement.source == FROM_TODAY for statement in self.effective_dates)

    @property
    def effective_statements(self) -> list[str]:
        return [str(statement) for statement in self.effective_dates]

    @property
    def import_day_warning(self) -> str:
        """The warning shown (before the confirmation) when the import day stands in."""
        if not self.import_day_used:
            return ""
        return import_day_warning()

    @classmethod
    def refused(cls, kind, file_name, message, *, dry_run=False):
        """A report of a file refused as a whole."""
        report = cls(kind, file_name, dry_run=dry_run)
        report.errors.append(RowError(None, "", str(message)))
        return report


# --------------------------------------------------------------------------- importers


class BaseImporter:
    sheet: spec.Sheet
    needs_county = True

    def __init__(self, *, county=None, user=None, file_name="", dry_run=False, effective_from=None):
        self.county = county
        self.user = user
        self.file_name = file_name
        self.dry_run = dry_run
        # The import-wide effective date (docs/excel.md "生效日期"): the list importers use it
        # for the rows without a date of their own; the other sheets may ignore it.
        self.effective_from = effective_from
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.reason = history_reason(file_name)
        self.plans = []
        # Inside a county workbook's transaction, which is rolled back whenever a sheet has an
        # error: write the valid rows of a file with errors too (``_write_valid_rows``).
        self.write_valid_rows = False

    # -- driving

    def run(self, table: Table) -> ImportReport:
        report = ImportReport(
            self.sheet.kind, self.file_name, dry_run=self.dry_run,
            unknown_columns=list(table.unknown_columns),
            warnings=[warning_message(self.sheet, warning) for warning in table.warnings],
        )
        self.table = table
        self.report = report
        self.prepare(table)
        self._plan_rows(table)
        self.finish()
        if report.errors:
            if self.write_valid_rows and self.plans:
                self._write_valid_rows()
            report.errors.sort(key=lambda error: error.row or 0)
            report.outcomes = []
            report.effective_dates = []
        elif not self.dry_run:
            self._write()
        return report

    def _write_valid_rows(self):
        """Write the rows without errors of a file that has some, for the later sheets of a
        county workbook to plan against (duties.excel.workbook rolls everything back): a
        departments sheet with one bad row must not make every list sheet report its other
        departments unknown. Best effort: whatever the writing says is not the file's."""
        errors = list(self.report.errors)
        self._write()
        self.report.errors = errors
        self.report.applied = False

    def _plan_rows(self, table):
        columns = table.columns
        for number, values in table.rows:
            self.row_number = number
            self._row_errors = []
            if table.formulas and self._formulas(number, columns, table.formulas):
                continue
            cells = {k: (values[i] if i < len(values) else None) for k, i in columns.items()}
            outcome = self.plan_row(number, cells)
            if self._row_errors or outcome is None:
                continue
            outcome.cells, outcome.kind = cells, self.sheet.kind
            self.report.outcomes.append(outcome)

    def _formulas(self, number, columns, formulas) -> bool:
        """Record an error for each cell of the row that holds a formula; whether any did."""
        keys = [k for k, i in columns.items() if (number, i) in formulas]
        for k in keys:
            self._error(k, _(
                "The cell holds a formula; replace it by its value (copy, then paste as values) "
                "and import again."
            ))
        return bool(keys)

    def _write(self):
        from delegations.flags import store

        try:
            with transaction.atomic():
                # The flag store follows in the same transaction: one refresh of every county
                # the file touched, whatever number of rows it wrote (docs/flags.md).
                with store.batch(reason=self.reason, user=self.user, now=self.now):
                    self.apply()
                    for county_id in self.touched_counties():
                        store.refresh(county=county_id, reason=self.reason, user=self.user)
        except DatabaseError as error:
            first_line = (str(error).splitlines() or [error.__class__.__name__])[0]
            self.report.errors.append(RowError(None, "", _(
                "The database refused the import (%(error)s); nothing was changed. Another "
                "user may have changed the same data at the same time: import the file again."
            ) % {"error": first_line}))
            return
        self.report.applied = True

    def touched_counties(self) -> set:
        """The counties whose flags the written rows may change: the import's county, and
        the county of every township or department a directory sheet wrote."""
        counties = {self.county.pk} if getattr(self.county, "pk", None) else set()
        for outcome in self.report.outcomes:
            county_id = getattr(outcome.obj, "county_id", None)
            if county_id:
                counties.add(county_id)
        return counties

    # -- helpers for plan_row

    def column_label(self, key) -> str:
        """The column's header as written in the file, else its canonical header."""
        if not key:
            return ""
        if self.table.has(key):
            return self.table.label(key)
        try:
            return self.sheet.column(key).header
        except KeyError:
            return key

    def _error(self, key, message, row=None):
        error = RowError(
            row if row is not None else self.row_number,
            self.column_label(key),
            str(message),
        )
        if row is None:
            self._row_errors.append(error)
        self.report.errors.append(error)

    def cell(self, cells, key, parse, *args, **kwargs):
        """``parse(cells[key])``, or INVALID once the error is recorded."""
        try:
            return parse(cells.get(key), *args, **kwargs)
        except CellError as error:
            self._error(key, error.message)
            return INVALID

    def text_cell(self, cells, key, limit=None, *, single_line=False):
        """The cell as text (one line for ``single_line``), or INVALID when over ``limit``."""
        value = one_line(cells.get(key)) if single_line else text(cells.get(key))
        if limit is not None and len(value) > limit:
            try:
                check_length(value, limit)
            except CellError as error:
                self._error(key, error.message)
                return INVALID
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
