"""``manage.py load_demo``: load the demo county and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from demo import county as demo


class Command(BaseCommand):
    help = "Load the demo county (idempotent) and create the demo accounts."

    def handle(self, *args, **options):
        try:
            result = demo.load_demo()
        except demo.DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        created = sum(result.created.values())
        updated = sum(result.updated.values())
        if result.changed:
            self.stdout.write(
                _("Demo county %(county)s loaded: %(created)d rows created, %(updated)d updated.")
                % {"county": result.county.name, "created": created, "updated": updated}
            )
        else:
            self.stdout.write(
                _("Demo county %(county)s is up to date: nothing changed.")
                % {"county": result.county.name}
            )
        self.stdout.write(self.login_table(result.logins))

    @staticmethod
    def login_table(logins) -> str:
        header = (_("Username"), _("Role"), _("Unit"))
        rows = [header] + [(login.username, str(login.role), login.unit) for login in logins]

        def width(text):  # CJK characters take two columns in a terminal
            return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

        widths = [max(width(row[i]) for row in rows) for i in range(2)]

        def line(row):
            cells = [cell + " " * (widths[i] - width(cell)) for i, cell in enumerate(row[:2])]
            return "  ".join(cells + [row[2]]).rstrip()

        out = [
            "",
            _("Demo logins (every account's password: %(password)s)")
            % {"password": demo.DEMO_PASSWORD},
            line(header),
            line(tuple("-" * w for w in widths) + ("-" * width(header[2]),)),
        ]
        out += [line(row) for row in rows[1:]]
        return "\n".join(out)
