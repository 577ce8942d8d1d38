"""manage.py import_list <kind> <file> [--county <code>] [--effective-from YYYY-MM-DD] [--dry-run]
--user <name> [--register-aliases]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from duties.excel import import_file
from duties.excel.cli import office_user, parse_day, report_lines, summary
from duties.excel.spec import KINDS, LIST_KINDS, TOWNSHIPS


class Command(BaseCommand):
    help = (
        "Import a sheet (.xlsx or .csv) of townships, departments, one of the four lists "
        "(power, territorial, admission, reclaimed) or past work (assignments, delegations). "
        "All or nothing: a file with any bad row changes nothing. Exits non-zero on errors. "
        "--user names the office account the history records (required unless --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument(
            "--county",
            help="county code (6 digits); required for the lists. A townships sheet may name "
                 "a county that does not exist yet: it creates it.",
        )
        parser.add_argument(
            "--effective-from",
            help="the day the list took effect, YYYY-MM-DD, for the rows without a 生效日期 "
                 "(default: 批准日期 on the admission list, else the day of the import)",
        )
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--user", help="username of the office account recorded in the history")
        parser.add_argument(
            "--register-aliases", action="store_true",
            help="register the department names found by their normalised form as aliases",
        )

    def handle(self, *args, kind, file, county=None, effective_from=None, dry_run=False,
               user=None, register_aliases=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        day = parse_day(effective_from, "--effective-from")
        user_obj = office_user(user, dry_run)
        county_obj, county_code = self._county(county, kind, user_obj)
        report = import_file(
            kind, path.read_bytes(), path.name, county=county_obj, user=user_obj, dry_run=dry_run,
            register_aliases=register_aliases, effective_from=day, county_code=county_code,
        )
        for line in report_lines(report):
            self.stdout.write(line)
        for message in report.messages:
            self.stderr.write(message)
        if report.errors:
            raise CommandError(summary(report) + " " + _("Nothing was imported."))
        for department, name in report.new_aliases:
            self.stdout.write(_("Registered “%(name)s” as an alias of %(department)s.")
                              % {"name": name, "department": department.name})
        line = summary(report)
        if dry_run:
            line += " " + _("Dry run: nothing was written.")
        self.stdout.write(line)

    def _county(self, code, kind, user):
        """(the county, its code): the one named, or the office user's own; a townships sheet
        may name one that does not exist yet (it creates it)."""
        from townships.access import office_county_id
        from townships.models import County

        own = office_county_id(user) if user is not None else None
        if not code:
            if kind in LIST_KINDS:
                raise CommandError(_("--county is required to import a list."))
            county = County.objects.filter(pk=own).first() if own is not None else None
            return county, ""
        county = County.objects.filter(code=code).first()
        if own is not None and (county is None or county.pk != own):
            raise CommandError(_("%(name)s may import only into their own county.")
                               % {"name": user.get_username()})
        if county is None and kind != TOWNSHIPS:
            raise CommandError(_("Unknown county %(code)s.") % {"code": code})
        return county, code
