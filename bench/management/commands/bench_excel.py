"""manage.py bench_excel [--rows N] [--export-rows N] [--postgres <server URL>]
[--output var/bench_excel.json] [--strict]

How fast Excel import and export are (a benchmark, not a test; the measurements are in
bench/excel.py). The data is generated into a throw-away database: the command re-runs itself
in a child process whose DATABASE_URL points at a temporary SQLite file or, with
``--postgres postgres://user@host:port``, at a new database ``qingdan_bench_excel_<pid>`` of
that server (dropped at the end); the child refuses to run against any other database.
Results are printed and written as JSON.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

PG_PREFIX = "qingdan_bench_excel_"


class Command(BaseCommand):
    help = "Benchmark Excel import and export on a throw-away database (see bench/excel.py)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20_000)
        parser.add_argument("--export-rows", type=int, default=5_000)
        parser.add_argument("--output", default=None, help="default: var/bench_excel.json")
        parser.add_argument("--strict", action="store_true", help="exit non-zero when a target is missed")
        parser.add_argument("--postgres", metavar="SERVER_URL",
                            help="run on a new database of this PostgreSQL server")
        parser.add_argument("--child", default=None, help="(internal) the temporary directory of a child run")

    def handle(self, *args, rows, export_rows, output=None, strict=False, child=None,
               postgres=None, **options):
        if child:
            self._child(Path(child), rows, export_rows)
            return
        from bench.excel import report_lines

        with tempfile.TemporaryDirectory(prefix="qingdan-bench-") as tmp, \
                self._database(tmp, postgres) as url:
            env = dict(os.environ)
            env["DATABASE_URL"] = url
            env["QINGDAN_VAR_DIR"] = tmp
            env.setdefault("SECRET_KEY", "bench-only-secret-key")
            manage = Path(settings.BASE_DIR) / "manage.py"
            self.stdout.write(f"Generating {rows} rows and importing them into a temporary database…")
            completed = subprocess.run(
                [sys.executable, str(manage), "bench_excel", "--child", tmp,
                 "--rows", str(rows), "--export-rows", str(export_rows)],
                env=env, capture_output=True, text=True, check=False,
            )
            if completed.returncode != 0:
                raise CommandError(f"The benchmark failed:\n{completed.stderr[-4000:]}")
            result = json.loads(completed.stdout.strip().splitlines()[-1])
        target = Path(output) if output else Path(settings.BASE_DIR) / "var" / "bench_excel.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        self.stdout.write("\n".join([*report_lines(result), f"written to {target}"]))
        if strict and not result["targets_met"]:
            raise CommandError("A benchmark target was missed.")

    @staticmethod
    @contextlib.contextmanager
    def _database(tmp, server):
        """The throw-away database's URL: a file in ``tmp``, or a new PostgreSQL database."""
        if not server:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            return
        import psycopg

        name, server = f"{PG_PREFIX}{os.getpid()}", server.rstrip("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def _child(self, tmp: Path, rows: int, export_rows: int):
        from django.db import connection

        from bench.excel import Failed, run

        database = str(connection.settings_dict.get("NAME", ""))
        own = (database.startswith(str(tmp)) if connection.vendor == "sqlite"
               else database.startswith(PG_PREFIX))
        if not own:
            raise CommandError("The benchmark runs only on its own throw-away database.")
        call_command("migrate", verbosity=0, interactive=False)
        try:
            result = run(tmp, rows, export_rows)
        except Failed as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False))
