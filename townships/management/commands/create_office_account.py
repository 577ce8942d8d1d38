"""Create an office (编办) account and print its one-time password.

    manage.py create_office_account <username> [--county <code>]

Day one of an instance without the demo: the first office account, which then signs in to
the admin, moves its county in and creates the other accounts (docs/onboarding.md). With
--county the account is limited to that county; without it, it covers every county (and may
create counties). The password is random, stored only hashed and printed this once; it must
be changed at the first login.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from townships import accounts
from townships.models import County


class Command(BaseCommand):
    help = "Create an office (编办) account and print its one-time password."

    def add_arguments(self, parser):
        parser.add_argument("username", help="the new account's login name")
        parser.add_argument("--county", help="limit the account to this county (6-digit code)")

    def handle(self, *args, username, county=None, **options):
        county_obj = None
        if county:
            county_obj = County.objects.filter(code=county).first()
            if county_obj is None:
                raise CommandError(_(
                    "Unknown county %(code)s. Leave --county out to create an office account "
                    "for every county, which may then create the county."
                ) % {"code": county})
        try:
            user, password = accounts.create_office_account(username, county_obj)
        except accounts.AccountsRefused as error:
            raise CommandError(" ".join(error.messages))
        self.stdout.write(password)
        self.stderr.write(_(
            "Created the office account %(username)s (%(scope)s). The password above is "
            "one-time: it is not stored in clear, and must be changed at the first login."
        ) % {
            "username": user.username,
            "scope": county_obj.name if county_obj is not None else _("every county"),
        })
