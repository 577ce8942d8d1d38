"""Create the accounts of a county's departments and townships.

    manage.py create_accounts --county <code> [-o 账号.xlsx] [--user <office username>]

One account for every department and township of the county that has none, usernames derived
from the codes (``townships.accounts``), each with a random one-time password that the first
login must change. The passwords are written to the .xlsx file (-o) or, without it, printed
as a table; they are stored only hashed, so this is the one time they are shown. Running it
again creates only the accounts still missing. Exits non-zero, having written nothing, when a
unit cannot get its account. --user names the office account acting (and limits the run to
its county); without it the operator at the server acts.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from townships import account_sheet, accounts
from townships.models import County


class Command(BaseCommand):
    help = (
        "Create one account for every department and township of a county that has none, "
        "with one-time passwords (written to -o file.xlsx, or printed). Exits non-zero, "
        "writing nothing, when a unit cannot get its account."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", required=True, help="county code (6 digits)")
        parser.add_argument("-o", "--output", help="the .xlsx file to write the passwords to")
        parser.add_argument("--user", help="username of the office account acting")

    def handle(self, *args, county, output=None, user=None, **options):
        county_obj = County.objects.filter(code=county).first()
        if county_obj is None:
            raise CommandError(_("Unknown county %(code)s.") % {"code": county})
        if output and Path(output).exists():
            raise CommandError(_("%(path)s exists already; name a new file.") % {"path": output})
        actor = self._actor(user)
        try:
            issued = accounts.create_accounts(actor, county_obj)
        except accounts.AccountsRefused as error:
            raise CommandError("\n".join([*error.messages, _("No account was created.")]))
        except PermissionDenied as error:
            raise CommandError(str(error))
        if not issued:
            self.stdout.write(_("Every department and township of %(county)s has an account "
                                "already; none was created.") % {"county": county_obj.name})
            return
        if output:
            Path(output).write_bytes(
                account_sheet.workbook(issued, account_sheet.title_for(county_obj.name))
            )
            self.stdout.write(
                _("Created %(count)s accounts; their one-time passwords are in %(path)s.")
                % {"count": len(issued), "path": output}
            )
        else:
            self.stdout.write("\t".join(account_sheet.HEADERS))
            for account in issued:
                self.stdout.write("\t".join(
                    (account.unit, account.kind, account.username, account.password)
                ))
            self.stdout.write(_("Created %(count)s accounts.") % {"count": len(issued)})
        self.stderr.write(_("The passwords are not stored in clear: this is the only time they "
                            "are shown. Each one must be changed at the first login."))

    def _actor(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Unknown user %(name)s.") % {"name": username})
        return user
