"""The county workbook (docs/contracts.md §1): one .xlsx whose sheets are a county's 乡镇, 部门,
权责清单, 属地管理清单, 准入清单, 收回清单, 交办事项 and 赋权委托 (any subset), imported in that order
in one transaction, all or nothing.

- Each worksheet's name says its kind: the canonical names, the sheet titles ("乡镇（街道）名录")
  and names that mean one ("XX县乡镇权责清单", "属地管理事项清单") by the keywords of
  ``NAME_KEYWORDS``. A sheet that matches nothing is reported as ignored; two sheets of one
  kind refuse the workbook.
- The county is the one the 乡镇 sheet names (区县代码), or the one given; a townships sheet
  may create it (duties.excel.directory). An office user limited to another county is refused
  before anything is read into the database.
- Every sheet runs its own importer for real, in the dependency order, inside one outer
  transaction, so each plans against what the earlier sheets wrote (the departments sheet
  finds the county the townships sheet created, a list finds those departments). When any
  sheet has an error, or for a dry run, the transaction is rolled back: a dry run previews
  exactly what the import would do, and nothing is written. A sheet with errors still writes
  its good rows inside the doomed transaction, so that the later sheets report their own
  errors, not those its bad rows cause.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from duties.excel import spec
from duties.excel.base import ImportReport, import_day_warning
from duties.excel.directory import may_create_counties
from duties.excel.errors import ExcelFileError, RowError
from duties.excel.importers import importer_for
from duties.excel.reader import XLSX, check_file, read_worksheet, xlsx_workbook
from duties.excel.spec import normalise_header
from duties.excel.values import text

# The import order (each sheet may need the ones before it) and each kind's sheet name.
ORDER = (
    spec.TOWNSHIPS, spec.DEPARTMENTS, spec.POWER, spec.TERRITORIAL, spec.ADMISSION,
    spec.RECLAIMED, spec.ASSIGNMENTS, spec.DELEGATIONS,
)
SHEET_NAMES = {
    spec.TOWNSHIPS: "乡镇",
    spec.DEPARTMENTS: "部门",
    spec.POWER: "权责清单",
    spec.TERRITORIAL: "属地管理清单",
    spec.ADMISSION: "准入清单",
    spec.RECLAIMED: "收回清单",
    spec.ASSIGNMENTS: "交办事项",
    spec.DELEGATIONS: "赋权委托",
}
# A sheet name that is not a canonical one means the first kind one of whose words it
# contains: the most specific words first ("乡镇权责清单" is the power list, not townships;
# "部门交办事项" the assignments, not departments).
NAME_KEYWORDS = (
    (spec.TERRITORIAL, ("属地", "配合履职", "配合责任", "主体责任")),
    (spec.ADMISSION, ("准入",)),
    (spec.RECLAIMED, ("收回",)),
    (spec.ASSIGNMENTS, ("交办",)),
    (spec.DELEGATIONS, ("赋权", "委托", "下放")),
    (spec.POWER, ("权责", "权力", "职权", "履职")),
    (spec.DEPARTMENTS, ("部门", "单位")),
    (spec.TOWNSHIPS, ("乡镇", "街道", "镇街")),
)
_NUMBERING_RE = re.compile(r"^(附件|附表|表|sheet)?[0-9一二三四五六七八九十]*[.、:\-_)]?", re.IGNORECASE)


def kind_of_sheet(name: str) -> str | None:
    """The kind a worksheet's name stands for, or None."""
    normalised = normalise_header(name)
    bare = _NUMBERING_RE.sub("", normalised, count=1)  # "附件1：权责清单", "表2 部门"
    for kind in ORDER:
        names = {SHEET_NAMES[kind], spec.SHEETS[kind].title}
        if bare in {normalise_header(n) for n in names}:
            return kind
    for kind, words in NAME_KEYWORDS:
        if any(word in normalised for word in words):
            return kind
    return None


# --------------------------------------------------------------------------- report


@dataclass
class SheetResult:
    """One recognised worksheet: its name as written, its kind, and its importer's report
    (None when it was not checked; ``note`` says why)."""

    name: str
    kind: str
    report: object = None  # ImportReport
    note: str = ""

    @property
    def title(self) -> str:
        return SHEET_NAMES[self.kind]

    @property
    def errors(self) -> list[RowError]:
        if self.report is None:
            return []
        return [dataclasses.replace(error, sheet=self.name) for error in self.report.errors]


@dataclass
class WorkbookReport:
    file_name: str
    dry_run: bool = False
    county_code: str = ""
    county_name: str = ""
    sheets: list = field(default_factory=list)  # SheetResult, in the import order
    ignored: list = field(default_factory=list)  # names of the worksheets not recognised
    errors: list = field(default_factory=list)  # RowError of the workbook as a whole
    applied: bool = False

    @property
    def all_errors(self) -> list[RowError]:
        return [*self.errors, *(error for sheet in self.sheets for error in sheet.errors)]

    @property
    def ok(self) -> bool:
        return not self.all_errors and all(sheet.report is not None for sheet in self.sheets)

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.all_errors]

    @property
    def county_notes(self) -> list[str]:
        return [note for sheet in self.sheets if sheet.report for note in sheet.report.county_notes]

    @property
    def import_day_warning(self) -> str:
        """The warning shown before the confirmation when the import day stands in for the
        day some list rows took effect."""
        used = any(sheet.report is not None and sheet.report.import_day_used for sheet in self.sheets)
        return import_day_warning() if used else ""

    def refuse(self, message, sheet=""):
        self.errors.append(RowError(None, "", str(message), sheet=sheet))
        return self


class _RollBack(Exception):
    """Leaves the workbook's transaction without writing anything."""


# --------------------------------------------------------------------------- import


def import_workbook(data: bytes, file_name: str, *, county=None, county_code="", user=None,
                    dry_run=False, effective_from=None) -> WorkbookReport:
    """Validate and (unless ``dry_run`` or any sheet has an error) import a county workbook.

    ``county`` (a County) or ``county_code`` (a county the 乡镇 sheet may create) names the
    workbook's county when its 乡镇 sheet does not; ``effective_from`` is the import-wide
    effective date of every list sheet (passed to the past-work sheets too). Never raises
    for a bad file; the database is unchanged whenever the report has errors.
    """
    report = WorkbookReport(file_name, dry_run=dry_run)
    try:
        if check_file(data, file_name) != XLSX:
            return report.refuse(_("A county workbook is an .xlsx file with one sheet per kind "
                                   "(乡镇, 部门, 权责清单…)."))
        with xlsx_workbook(data) as workbook:
            tables = _read_sheets(workbook, report, file_name)
    except ExcelFileError as error:
        return report.refuse(error.message)
    if report.all_errors:
        return report
    if not tables:
        return report.refuse(_(
            "No sheet of this workbook is named as a county sheet: name them %(names)s."
        ) % {"names": "、".join(SHEET_NAMES[kind] for kind in ORDER)})
    code = _county_code(report, tables, county, county_code, user)
    if code is None:
        return report
    report.county_code = code
    _run(report, tables, code, user=user, file_name=file_name, effective_from=effective_from)
    return report


def _read_sheets(workbook, report, file_name) -> dict:
    """kind -> Table of each recognised worksheet (SheetResult appended in the import order);
    errors of the workbook (two sheets of one kind) or of a sheet go into ``report``."""
    found = {}  # kind -> worksheet
    for name in workbook.sheetnames:
        kind = kind_of_sheet(name)
        if kind is None:
            report.ignored.append(name)
        elif kind in found:
            report.refuse(_(
                "The sheets “%(first)s” and “%(second)s” are both %(kind)s; a county workbook "
                "holds one sheet of each kind."
            ) % {"first": found[kind].title, "second": name, "kind": SHEET_NAMES[kind]})
        else:
            found[kind] = workbook[name]
    if report.errors:
        return {}
    tables = {}
    for kind in ORDER:
        if kind not in found:
            continue
        ws = found[kind]
        result = SheetResult(ws.title, kind)
        report.sheets.append(result)
        try:
            tables[kind] = read_worksheet(ws, file_name, spec.SHEETS[kind], allow_empty=True)
        except ExcelFileError as error:
            report.refuse(error.message, sheet=ws.title)
    return tables


def _county_code(report, tables, county, county_code, user) -> str | None:
    """The workbook's county code, after the checks; None once the report says why not."""
    from townships.access import office_county_id
    from townships.models import County

    given = county.code if county is not None else (county_code or "")
    townships = tables.get(spec.TOWNSHIPS)
    named = set()
    if townships is not None and townships.has("county_code"):
        index = townships.columns["county_code"]
        named = {text(values[index]) for _n, values in townships.rows if index < len(values)} - {""}
    sheet_name = next((s.name for s in report.sheets if s.kind == spec.TOWNSHIPS), "")
    if len(named) > 1:
        report.refuse(_(
            "The sheet names several counties (%(codes)s); a county workbook holds one county."
        ) % {"codes": "、".join(sorted(named))}, sheet=sheet_name)
        return None
    if given and named and named != {given}:
        report.refuse(_(
            "The sheet is for county %(code)s, but the import is for county %(given)s."
        ) % {"code": next(iter(named)), "given": given}, sheet=sheet_name)
        return None
    own_id = office_county_id(user) if user is not None else None
    own = County.objects.filter(pk=own_id).first() if own_id is not None else None
    code = given or next(iter(named), "") or (own.code if own is not None else "")
    if not code:
        report.refuse(_(
            "Which county is this workbook for? Fill in 区县代码 on the 乡镇 sheet, or choose "
            "the county."
        ))
        return None
    if own is not None and code != own.code:
        report.refuse(_(
            "This workbook is for county %(code)s; your account may import only into "
            "%(county)s (%(county_code)s). Nothing was imported."
        ) % {"code": code, "county": own.name, "county_code": own.code})
        return None
    existing = County.objects.filter(code=code).first()
    if existing is None and townships is None:
        report.refuse(_(
            "Unknown county %(code)s. A county is created by its 乡镇 sheet (区县代码 and "
            "区县名称)."
        ) % {"code": code})
        return None
    if existing is None and not may_create_counties(user):
        report.refuse(_(
            "Unknown county %(code)s. Only an office account of every county (or a "
            "superuser) may create a county."
        ) % {"code": code})
        return None
    report.county_name = existing.name if existing is not None else ""
    return code


def _run(report, tables, code, *, user, file_name, effective_from):
    """Every sheet for real in one transaction; rolled back on any error or a dry run."""
    from townships.models import County

    try:
        with transaction.atomic():
            county = County.objects.filter(code=code).first()
            for result in report.sheets:
                if county is None and result.kind != spec.TOWNSHIPS:
                    result.note = _(
                        "Not checked: the county does not exist until the 乡镇 sheet imports "
                        "without errors."
                    )
                    continue
                result.report = _import_sheet(
                    result, tables[result.kind], county, code, user=user, file_name=file_name,
                    effective_from=effective_from,
                )
                result.report.dry_run = report.dry_run
                if county is None:
                    county = County.objects.filter(code=code).first()
                    report.county_name = county.name if county is not None else ""
            if county is None and not report.all_errors:  # a 乡镇 sheet without rows
                report.refuse(_(
                    "Unknown county %(code)s. A county is created by its 乡镇 sheet (区县代码 and "
                    "区县名称)."
                ) % {"code": code})
            if report.dry_run or not report.ok:
                raise _RollBack
    except _RollBack:
        for result in report.sheets:
            if result.report is not None:
                result.report.applied = False
        return
    report.applied = True


def _import_sheet(result, table, county, code, *, user, file_name, effective_from):
    kwargs = {"county_code": code} if result.kind in spec.DIRECTORY_KINDS else {}
    # Past work is recorded by the services in the name of an office user; a preview without
    # one (``import_county --dry-run`` with no --user) checks those rows without recording.
    plan_only = user is None and result.kind in spec.PAST_WORK_KINDS
    importer = importer_for(
        result.kind, county=county, user=user, file_name=file_name, dry_run=plan_only,
        effective_from=effective_from, **kwargs,
    )
    importer.write_valid_rows = True  # the transaction is rolled back on any error
    if not table.rows:
        result.note = _("The sheet has no rows below its header; nothing to import.")
    try:
        return importer.run(table)
    except ValidationError as error:  # a service refusing a step the plan did not foresee
        return ImportReport.refused(result.kind, file_name, " ".join(error.messages))
