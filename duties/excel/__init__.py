"""Excel in and out (docs/contracts.md §1): the sheets (townships, departments, the power,
territorial, admission and reclaimed lists, and the past-work sheets of delegations.excel) as
.xlsx or .csv files, and the county workbook that holds them all.

- ``import_file(kind, data, file_name, county=…, user=…, dry_run=…, effective_from=…)`` -> ImportReport
- ``export_file(kind, county=…, township=…, fmt="xlsx" | "csv")`` -> bytes
- ``template_file(kind)`` -> bytes of a blank .xlsx template with a 说明 sheet
- ``duties.excel.workbook.import_workbook(data, file_name, …)`` -> WorkbookReport (one
  transaction for every sheet of a county); ``exporters.workbook_file(county, …)`` -> bytes

The admin (duties.excel.admin, duties.excel.workbook_admin) and the commands import_list,
import_county, export_list and export_county (duties.excel.cli) are thin layers over these.
"""

from duties.excel.errors import ExcelFileError, RowError  # noqa: F401
from duties.excel.exporters import export_file, export_queryset, template_file  # noqa: F401
from duties.excel.importers import ImportReport, import_file  # noqa: F401
from duties.excel.spec import KINDS, LIST_KINDS, SHEETS  # noqa: F401
