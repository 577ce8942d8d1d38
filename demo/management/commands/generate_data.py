"""manage.py generate_data --scale tiny|city|province [--seed N] [--today YYYY-MM-DD]"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import SCALES, generate


class Command(BaseCommand):
    help = (
        "Build deterministic synthetic counties (townships, departments, catalog, lists, "
        "accounts, delegations, assignments) for benchmarks. city = 10 counties, 200 "
        "townships, 400 departments, 10k items, 120k list entries, 50k assignments, 5k "
        "delegations; province = ten times that; tiny is for tests. Delegations go through "
        "the workflow (with its history); everything else is bulk inserted without history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="tiny")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None,
            help="the day the data is built around (default: today); same seed + same day = same data",
        )

    def handle(self, *args, scale, seed, today, **options):
        started = time.perf_counter()
        try:
            counts = generate(scale, seed=seed, today=today)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for name, n in counts.items():
            self.stdout.write(f"{name:>14}: {n}")
        self.stdout.write(f"generated {scale} (seed {seed}) in {time.perf_counter() - started:.1f} s")
