"""manage.py import_county <file.xlsx> [--county <code>] [--effective-from YYYY-MM-DD] [--dry-run]
[--user <name>]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from duties.excel.cli import office_user, parse_day, report_lines, summary
from duties.excel.workbook import import_workbook


class Command(BaseCommand):
    help = (
        "Import a county workbook: one .xlsx whose sheets are 乡镇, 部门, 权责清单, 属地管理清单, "
        "准入清单, 收回清单, 交办事项 and 赋权委托 (any subset), in that order and in one "
        "transaction. All or nothing: a workbook with any bad row changes nothing. Exits "
        "non-zero on errors. --user names the office account the history records (required "
        "unless --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--county",
            help="county code (6 digits), when the 乡镇 sheet does not name it (or there is none)",
        )
        parser.add_argument(
            "--effective-from",
            help="the day the lists took effect, YYYY-MM-DD, for the list rows without a 生效日期 "
                 "(default: 批准日期 on the admission list, else the day of the import)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--user", help="username of the office account recorded in the history")

    def handle(self, *args, file, county=None, effective_from=None, dry_run=False, user=None,
               **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        day = parse_day(effective_from, "--effective-from")
        user_obj = office_user(user, dry_run)
        report = import_workbook(
            path.read_bytes(), path.name, county_code=county or "", user=user_obj,
            dry_run=dry_run, effective_from=day,
        )
        if report.ignored:
            self.stdout.write(_("Sheets not imported (not recognised): %(sheets)s")
                              % {"sheets": "、".join(report.ignored)})
        for sheet in report.sheets:
            self._sheet(sheet)
        for message in report.messages:
            self.stderr.write(message)
        if not report.ok:
            raise CommandError(
                _("%(errors)s errors.") % {"errors": len(report.all_errors)} + " "
                + _("Nothing was imported.")
            )
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        else:
            self.stdout.write(_("County %(code)s %(name)s imported.")
                              % {"code": report.county_code, "name": report.county_name})

    def _sheet(self, sheet):
        """The sheet's name and kind, what its report says, and its summary."""
        self.stdout.write(_("Sheet “%(name)s” (%(kind)s):") % {"name": sheet.name, "kind": sheet.title})
        if sheet.note:
            self.stdout.write("  " + sheet.note)
        if sheet.report is None:
            return
        for line in report_lines(sheet.report):
            self.stdout.write("  " + line)
        self.stdout.write("  " + summary(sheet.report))
