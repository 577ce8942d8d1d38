"""Excel in and out (docs/contracts.md §1): the six sheets (townships, departments and the power,
territorial, admission and reclaimed lists) as .xlsx or .csv files.

- ``import_file(kind, data, file_name, county=…, user=…, dry_run=…)`` -> ImportReport
- ``export_file(kind, county=…, township=…, fmt="xlsx" | "csv")`` -> bytes
- ``template_file(kind)`` -> bytes of a blank .xlsx template with a 说明 sheet

The admin (duties.excel.admin) and the commands import_list / export_list are thin layers
over these.
"""

from duties.excel.errors import ExcelFileError, RowError  # noqa: F401
from duties.excel.exporters import export_file, export_queryset, template_file  # noqa: F401
from duties.excel.importers import ImportReport, import_file  # noqa: F401
from duties.excel.spec import KINDS, LIST_KINDS, SHEETS  # noqa: F401
