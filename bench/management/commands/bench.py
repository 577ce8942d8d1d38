"""manage.py bench [--scale city] [--seed N] [--keep] [--output var/bench.json]

Builds the synthetic data set into a throw-away SQLite database in a temporary directory and
measures the flag engine (and the API, once it exists). The user's database is never touched:
the command re-runs itself in a subprocess whose DATABASE_URL points at the temporary file,
and that worker refuses to run against any other database.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

WORKER_ENV = "QINGDAN_BENCH_DB"


class Command(BaseCommand):
    help = "Benchmark the flag engine on synthetic data in a throw-away database; writes var/bench.json."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="keep the temporary database")
        parser.add_argument("--output", default=str(Path(settings.VAR_DIR) / "bench.json"))
        parser.add_argument("--worker", action="store_true", help="internal: run inside the throw-away database")

    def handle(self, *args, scale, seed, keep, output, worker, **options):
        if worker:
            return self._work(scale, seed, output)
        directory = tempfile.mkdtemp(prefix="qingdan-bench-")
        database = Path(directory) / "bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", WORKER_ENV: str(database),
               "DEBUG": "0",
               "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--worker",
                   "--scale", scale, "--seed", str(seed), "--output", output]
        try:
            status = subprocess.call(command, env=env, cwd=settings.BASE_DIR)
        finally:
            if keep:
                self.stdout.write(f"kept {database}")
            else:
                for path in Path(directory).glob("*"):
                    path.unlink()
                os.rmdir(directory)
        if status:
            raise CommandError(f"benchmark failed (exit status {status})")

    def _say(self, message):
        self.stdout.write(message)
        self.stdout.flush()

    def _work(self, scale, seed, output):
        from bench.measure import dumps, format_table, run

        expected = os.environ.get(WORKER_ENV)
        actual = str(connection.settings_dict.get("NAME"))
        if not expected or connection.vendor != "sqlite" or actual != expected:
            raise CommandError("the bench worker runs only on the throw-away database made for it")
        call_command("migrate", verbosity=0, interactive=False)
        results = run(scale, seed=seed, out=self._say)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(dumps(results), encoding="utf-8")
        self.stdout.write("")
        self.stdout.write(format_table(results))
        self.stdout.write(f"\nwritten to {output}")
