"""manage.py export_county <code> [--as-of YYYY-MM-DD] -o <file.xlsx>"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from duties.excel.cli import parse_day
from duties.excel.exporters import workbook_file
from duties.excel.workbook import ORDER, SHEET_NAMES


class Command(BaseCommand):
    help = (
        "Export a county as one workbook with its eight sheets (乡镇, 部门, the four lists as "
        "they stand on the day, 交办事项, 赋权委托); import_county reads it back unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("county", help="county code (6 digits)")
        parser.add_argument("--as-of", help="the date the lists stand on, YYYY-MM-DD (default today)")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, county, output, as_of=None, **options):
        from townships.models import County

        path = Path(output)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The output file must end in .xlsx."))
        county_obj = County.objects.filter(code=county).first()
        if county_obj is None:
            raise CommandError(_("Unknown county %(code)s.") % {"code": county})
        day = parse_day(as_of, "--as-of")
        path.write_bytes(workbook_file(
            county_obj, sheet_names={kind: SHEET_NAMES[kind] for kind in ORDER}, as_of=day,
        ))
        self.stdout.write(_("Exported to %(path)s.") % {"path": path})
