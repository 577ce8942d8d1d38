"""manage.py import_list <kind> <file> --county <code> [--dry-run] [--user <name>]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from duties.excel import import_file
from duties.excel.spec import KINDS, LIST_KINDS


class Command(BaseCommand):
    help = (
        "Import a sheet (.xlsx or .csv) of townships, departments or one of the four lists "
        "(power, territorial, admission, reclaimed). All or nothing: a file with any bad row "
        "changes nothing. Exits non-zero on errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--county", help="county code (6 digits); required for the lists")
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--user", help="username recorded in the history")

    def handle(self, *args, kind, file, county=None, dry_run=False, user=None, **options):
        from townships.models import County

        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        county_obj = None
        if county:
            county_obj = County.objects.filter(code=county).first()
            if county_obj is None:
                raise CommandError(_("Unknown county %(code)s.") % {"code": county})
        elif kind in LIST_KINDS:
            raise CommandError(_("--county is required to import a list."))
        user_obj = None
        if user:
            user_obj = get_user_model().objects.filter(username=user).first()
            if user_obj is None:
                raise CommandError(_("Unknown user %(name)s.") % {"name": user})

        report = import_file(
            kind, path.read_bytes(), path.name, county=county_obj, user=user_obj, dry_run=dry_run
        )
        if report.unknown_columns:
            self.stdout.write(
                _("Columns ignored (not recognised): %(columns)s")
                % {"columns": "、".join(report.unknown_columns)}
            )
        for message in report.messages:
            self.stderr.write(message)
        summary = _(
            "Created: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s, errors: "
            "%(errors)s."
        ) % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "errors": len(report.errors),
        }
        if report.errors:
            raise CommandError(
                summary + " " + _("Nothing was imported.")
            )
        if dry_run:
            summary += " " + _("Dry run: nothing was written.")
        self.stdout.write(summary)
