"""manage.py export_list <kind> --county <code> [--township <code>] -o <file.xlsx|file.csv>
manage.py export_list <kind> --template -o <file.xlsx>"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from duties.excel import export_file, template_file
from duties.excel.cli import parse_day
from duties.excel.spec import KINDS


class Command(BaseCommand):
    help = (
        "Export a county's sheet (townships, departments, one of the four lists or past work), "
        "or one township's list, as .xlsx or .csv (by the output's extension); or write the blank "
        "template of a sheet with --template."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--county", help="county code (6 digits)")
        parser.add_argument("--township", help="township code (9 digits): that township's list")
        parser.add_argument("--as-of", help="the date the list stands on, YYYY-MM-DD (default today)")
        parser.add_argument("--template", action="store_true", help="write the blank template")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, kind, output, county=None, township=None, as_of=None,
               template=False, **options):
        path = Path(output)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv") or (template and fmt != "xlsx"):
            raise CommandError(_("The output file must end in .xlsx or .csv (a template: .xlsx)."))
        if template:
            path.write_bytes(template_file(kind))
            self.stdout.write(_("Template written to %(path)s.") % {"path": path})
            return
        county_obj = self._county(county)
        township_obj = self._township(kind, township, county_obj) if township else None
        data = export_file(kind, county=county_obj, township=township_obj, fmt=fmt,
                           as_of=self._day(as_of))
        path.write_bytes(data)
        self.stdout.write(_("Exported to %(path)s.") % {"path": path})

    def _county(self, code):
        from townships.models import County

        if not code:
            raise CommandError(_("--county is required."))
        county = County.objects.filter(code=code).first()
        if county is None:
            raise CommandError(_("Unknown county %(code)s.") % {"code": code})
        return county

    def _township(self, kind, code, county):
        from townships.models import Township

        if kind == "departments":
            raise CommandError(_("--township applies to the lists, townships and past work only."))
        township = Township.objects.filter(code=code, county=county).first()
        if township is None:
            raise CommandError(
                _("Unknown township %(code)s in county %(county)s.")
                % {"code": code, "county": county.code}
            )
        return township

    def _day(self, as_of):
        return parse_day(as_of, "--as-of")
