"""manage.py import_list <kind> <file> [--county <code>] [--dry-run] --user <name> [--register-aliases]"""

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
        "changes nothing. Exits non-zero on errors. --user names the office account the "
        "history records (required unless --dry-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--county", help="county code (6 digits); required for the lists")
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument("--user", help="username of the office account recorded in the history")
        parser.add_argument(
            "--register-aliases", action="store_true",
            help="register the department names found by their normalised form as aliases",
        )

    def handle(self, *args, kind, file, county=None, dry_run=False, user=None,
               register_aliases=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        user_obj = self._user(user, dry_run)
        county_obj = self._county(county, kind, user_obj)
        report = import_file(
            kind, path.read_bytes(), path.name, county=county_obj, user=user_obj, dry_run=dry_run,
            register_aliases=register_aliases,
        )
        self._print_columns(report)
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
            raise CommandError(summary + " " + _("Nothing was imported."))
        for department, name in report.new_aliases:
            self.stdout.write(_("Registered “%(name)s” as an alias of %(department)s.")
                              % {"name": name, "department": department.name})
        if dry_run:
            summary += " " + _("Dry run: nothing was written.")
        self.stdout.write(summary)

    def _user(self, username, dry_run):
        """The office account the history records (superusers count as office)."""
        from townships.access import OFFICE, role_of

        if not username:
            if dry_run:
                return None
            raise CommandError(_(
                "--user is required: name the office account the history records as the "
                "importing user."
            ))
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Unknown user %(name)s.") % {"name": username})
        if not user.is_active or role_of(user) != OFFICE:
            raise CommandError(_(
                "%(name)s is not an active office (编办) account; only office staff may import."
            ) % {"name": username})
        return user

    def _county(self, code, kind, user):
        from townships.access import office_county_id
        from townships.models import County

        own = office_county_id(user) if user is not None else None
        if not code:
            if kind in LIST_KINDS:
                raise CommandError(_("--county is required to import a list."))
            return County.objects.filter(pk=own).first() if own is not None else None
        county = County.objects.filter(code=code).first()
        if county is None:
            raise CommandError(_("Unknown county %(code)s.") % {"code": code})
        if own is not None and county.pk != own:
            raise CommandError(_("%(name)s may import only into their own county.")
                               % {"name": user.get_username()})
        return county

    def _print_columns(self, report):
        """The columns not imported, and the warnings about them, before the summary."""
        if report.unknown_columns:
            self.stdout.write(
                _("Columns ignored (not recognised): %(columns)s")
                % {"columns": "、".join(report.unknown_columns)}
            )
        for warning in report.warnings:
            self.stdout.write(_("Warning: %(warning)s") % {"warning": warning})
        for resolution in report.departments:
            if resolution.how == "normalised":
                self.stdout.write(_("Department “%(written)s” read as %(department)s.")
                                  % {"written": resolution.written,
                                     "department": resolution.department.name})
