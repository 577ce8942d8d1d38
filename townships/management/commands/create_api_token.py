"""Print a new REST API token for a user.

    manage.py create_api_token <username> [--days N]

Scripts then send ``Authorization: Token <key>`` (see docs/api.md). The token is stored only as
a hash (django-rest-knox), so it is shown this once; it expires after ``API_TOKEN_DAYS`` days
(default 90) or ``--days``. Older tokens of the user stay valid until they expire; delete them
in the admin (Knox › Auth tokens) to revoke them.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from knox.models import get_token_model
from knox.settings import knox_settings

from townships import first_login


class Command(BaseCommand):
    help = "Print a new REST API token for a user (stored hashed, expiring)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user's login name.")
        parser.add_argument(
            "--days", type=int, default=None,
            help="Days the token stays valid (default: API_TOKEN_DAYS, 90).",
        )

    def handle(self, *args, username, days, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("The user “%(username)s” is inactive.") % {"username": username})
        if first_login.must_change_password(user):
            raise CommandError(_(
                "The user “%(username)s” still has a one-time password: it must log in and "
                "change it before it gets an API token."
            ) % {"username": username})
        if days is not None and days < 1:
            raise CommandError(_("--days must be at least 1."))
        expiry = datetime.timedelta(days=days) if days else knox_settings.TOKEN_TTL
        instance, key = get_token_model().objects.create(user=user, expiry=expiry)
        self.stdout.write(key)
        self.stderr.write(
            _("Valid until %(expiry)s. It is not stored in clear: keep it now.")
            % {"expiry": instance.expiry.strftime("%Y-%m-%d %H:%M")}
        )
