"""``manage.py load_holidays [--year 2026 …] [--overwrite]``: the State Council's public
holidays and adjusted working days into the calendar (``delegations.holidays``)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from delegations.holidays import HolidayDataError, load_holidays
from delegations.models import CalendarDay


def describe(kind: str, name: str) -> str:
    return f"{CalendarDay.Kind(kind).label}「{name}」"


class Command(BaseCommand):
    help = (
        "Load the State Council's public holidays and adjusted working days "
        "(fixtures/holidays/cn_holidays.json) into the calendar. Idempotent; rows loaded "
        "before follow the file, rows the office set are kept unless --overwrite."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", dest="years", metavar="YEAR",
            help="Only this year (repeatable); default: every year of the data file.",
        )
        parser.add_argument(
            "--overwrite", action="store_true",
            help="Replace the rows the office set on the notices' days with the notices' days.",
        )

    def handle(self, *args, years=None, overwrite=False, verbosity=1, **options):
        try:
            results = load_holidays(years, overwrite=overwrite)
        except HolidayDataError as exc:
            raise CommandError(str(exc)) from exc
        for result in results if verbosity >= 1 else []:
            self.stdout.write(
                _("%(year)d (%(numbers)s): %(added)d days added, %(unchanged)d already as "
                  "published, %(kept)d kept as the office set them, %(updated)d rewritten, "
                  "%(removed)d removed.")
                % {"year": result.year, "numbers": "、".join(result.numbers),
                   "added": len(result.added), "unchanged": len(result.unchanged),
                   "kept": len(result.kept), "updated": len(result.updated),
                   "removed": len(result.removed)}
            )
            if verbosity >= 2:
                for day in result.added:
                    self.stdout.write(f"  + {day.date.isoformat()} {describe(day.kind, day.name)}")
            for (kind, name), day in result.kept:
                self.stdout.write(
                    "  " + _("%(date)s: the calendar has %(current)s, the notice says "
                             "%(official)s; kept (--overwrite replaces it).")
                    % {"date": day.date.isoformat(), "current": describe(kind, name),
                       "official": describe(day.kind, day.name)}
                )
            for (kind, name), day in result.updated:
                self.stdout.write(
                    "  " + _("%(date)s: %(current)s replaced by %(official)s.")
                    % {"date": day.date.isoformat(), "current": describe(kind, name),
                       "official": describe(day.kind, day.name)}
                )
            for date, kind, name in result.removed:
                self.stdout.write(
                    "  " + _("%(date)s: %(current)s removed: the notices no longer name this day.")
                    % {"date": date.isoformat(), "current": describe(kind, name)}
                )
