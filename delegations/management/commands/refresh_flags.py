"""``manage.py refresh_flags [--county <code>] [--verify]``: bring the flag store up to date,
or (``--verify``) list every difference between the store and the rules computed afresh."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.flags import store
from townships.models import County


class Command(BaseCommand):
    help = (
        "Recompute the flags (every rule) and bring the flag store up to date, for one county "
        "or all. With --verify, change nothing: print every difference between the store and "
        "a fresh computation and exit non-zero if there is one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--county", help="county code (6 digits); default: every county")
        parser.add_argument(
            "--verify", action="store_true",
            help="compare the store with a fresh computation instead of updating it",
        )

    def handle(self, *args, county=None, verify=False, verbosity=1, **options):
        counties = County.objects.order_by("code")
        if county:
            counties = counties.filter(code=county)
            if not counties.exists():
                raise CommandError(_("No county has the code %(code)s.") % {"code": county})
        if verify:
            return self.verify(counties)
        today = timezone.localdate()
        totals = {"created": 0, "changed": 0, "removed": 0}
        for one in counties:
            with transaction.atomic():
                changes = store.refresh(county=one, reason=store.REASON_FULL, today=today)
            for name in totals:
                totals[name] += len(getattr(changes, name))
            if verbosity >= 2:
                self.stdout.write(f"{one.code} {one.name}: {len(changes.created)} + "
                                  f"{len(changes.changed)} ~ {len(changes.removed)} -")
        if not county:
            store.mark_built(today)
        self.stdout.write(
            _("Flag store up to date: %(created)d findings added, %(changed)d changed, "
              "%(removed)d removed.") % totals
        )

    def verify(self, counties):
        found = []
        for one in counties:
            found += store.differences(county=one)
        for difference in found:
            self.stdout.write(str(difference))
        if found:
            raise CommandError(
                _("The flag store differs from a fresh computation in %(n)d places.")
                % {"n": len(found)}
            )
        self.stdout.write(_("The flag store equals a fresh computation: 0 differences."))
