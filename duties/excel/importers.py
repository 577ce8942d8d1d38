"""Importing a sheet: the entry point (``import_file``) and the importer of each kind.

Every row is validated first; only a file without a single bad row is written, in one
transaction, with set-based queries. The pieces:

- duties.excel.reader — the file, its limits and its grid of cells; duties.excel.headers —
  which field each column holds;
- duties.excel.values, .categories, .departments — cell values;
- duties.excel.base — the report and the driving loop shared by every importer;
- duties.excel.lists (planning) and .list_writer (writing) — the four lists;
- duties.excel.directory — the townships and departments sheets.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from duties.excel import spec
from duties.excel.base import ImportReport
from duties.excel.directory import DepartmentImporter, TownshipImporter
from duties.excel.errors import ExcelFileError
from duties.excel.lists import ListImporter
from duties.excel.reader import read_table

__all__ = ["ImportReport", "import_file", "importer_for"]


def importer_for(kind, *, register_aliases=False, county_code="", **kwargs):
    """The importer of sheet ``kind``. Every importer takes county, user, file_name, dry_run
    and effective_from; ``county_code`` (townships, departments) names a county a townships
    sheet may create; ``register_aliases`` is for the lists."""
    if kind == spec.TOWNSHIPS:
        return TownshipImporter(county_code=county_code, **kwargs)
    if kind == spec.DEPARTMENTS:
        return DepartmentImporter(county_code=county_code, **kwargs)
    if kind in spec.LIST_KINDS:
        return ListImporter(kind, register_aliases=register_aliases, **kwargs)
    if kind in spec.PAST_WORK_KINDS:
        from delegations.excel.importers import importer_for as past_work_importer

        return past_work_importer(kind, **kwargs)
    raise ValueError(f"Unknown sheet kind {kind!r}; use one of {', '.join(spec.KINDS)}.")


def import_file(kind, data: bytes, file_name: str, *, county=None, user=None, dry_run=False,
                register_aliases=False, effective_from=None, county_code="") -> ImportReport:
    """Validate and (unless ``dry_run`` or any row is bad) import ``data``.

    ``register_aliases``: the department names that were found only by their normalised form
    ("县住建局") are registered as aliases of their department (lists only).
    ``effective_from``: the import-wide effective date, for the list rows without a 生效日期
    (docs/excel.md "生效日期"). ``county_code``: townships and departments, the county the
    rows are for when it does not exist yet (a townships sheet creates it).

    Never raises for a bad file: file-level problems come back as a report error without a
    row number; the database is left unchanged whenever the report has errors.
    """
    extra = {"county_code": county_code} if kind in spec.DIRECTORY_KINDS else {}
    importer = importer_for(kind, county=county, user=user, file_name=file_name, dry_run=dry_run,
                            register_aliases=register_aliases, effective_from=effective_from,
                            **extra)
    if county is None and importer.needs_county:
        return ImportReport.refused(kind, file_name, _("Choose the county to import the list into."),
                                    dry_run=dry_run)
    try:
        table = read_table(data, file_name, importer.sheet)
    except ExcelFileError as error:
        return ImportReport.refused(kind, file_name, error.message, dry_run=dry_run)
    return importer.run(table)
