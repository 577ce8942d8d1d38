"""Print a user's REST API token, creating it if the user has none yet.

    manage.py create_api_token <username>

Scripts then send ``Authorization: Token <key>`` (see docs/api.md).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print the REST API token of a user (created if missing)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user's login name.")

    def handle(self, *args, username, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(_("No user named “%(username)s”.") % {"username": username})
        if not user.is_active:
            raise CommandError(_("The user “%(username)s” is inactive.") % {"username": username})
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
