"""manage.py bench [--scale tiny|city|province] [--seed N] [--postgres <server URL>] [--keep]
[--output var/bench.json]

Builds the synthetic data set into a throw-away database and measures the flag engine, the
flag store, the case queue and the API. The user's database is never touched: the command
re-runs itself in a subprocess whose DATABASE_URL points at the throw-away database, and that
worker refuses to run against any other one. By default that is a SQLite file in a temporary
directory; with ``--postgres postgres://user@host:port`` a new database on that server
(``qingdan_bench_<pid>``), dropped at the end unless ``--keep``. ``--again <database>``
measures a kept database again (after a code change) without generating the data.
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
AGAIN_ENV = "QINGDAN_BENCH_AGAIN"


class Command(BaseCommand):
    help = "Benchmark the flag engine on synthetic data in a throw-away database; writes var/bench.json."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="city", choices=["tiny", "city", "province"])
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--keep", action="store_true", help="keep the temporary database")
        parser.add_argument("--output", default=str(Path(settings.VAR_DIR) / "bench.json"))
        parser.add_argument("--worker", action="store_true", help="internal: run inside the throw-away database")
        parser.add_argument(
            "--postgres", metavar="SERVER_URL",
            help="run on a new database of this PostgreSQL server (postgres://user@host:port)",
        )
        parser.add_argument(
            "--again", metavar="DATABASE",
            help="measure again the data of a kept SQLite database (a path) or PostgreSQL "
                 "database (qingdan_bench_… on --postgres), without generating it",
        )

    def handle(self, *args, scale, seed, keep, output, worker, postgres=None, again=None,
               **options):
        if worker:
            return self._work(scale, seed, output, again=bool(os.environ.get(AGAIN_ENV)))
        if again:
            url = f"{postgres.rstrip('/')}/{again}" if postgres else f"sqlite:///{again}"
            env = {**self._env(url, again), AGAIN_ENV: "1"}
            if self._run_worker(env, scale, seed, output):
                raise CommandError("benchmark failed")
            return
        if postgres:
            return self._on_postgres(postgres, scale, seed, keep, output)
        directory = tempfile.mkdtemp(prefix="qingdan-bench-")
        database = Path(directory) / "bench.sqlite3"
        env = self._env(f"sqlite:///{database}", str(database))
        try:
            status = self._run_worker(env, scale, seed, output)
        finally:
            if keep:
                self.stdout.write(f"kept {database}")
            else:
                for path in Path(directory).glob("*"):
                    path.unlink()
                os.rmdir(directory)
        if status:
            raise CommandError(f"benchmark failed (exit status {status})")

    @staticmethod
    def _env(url, name):
        return {**os.environ, "DATABASE_URL": url, WORKER_ENV: name, "DEBUG": "0",
                "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}

    @staticmethod
    def _run_worker(env, scale, seed, output):
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--worker",
                   "--scale", scale, "--seed", str(seed), "--output", output]
        return subprocess.call(command, env=env, cwd=settings.BASE_DIR)

    def _on_postgres(self, server, scale, seed, keep, output):
        import psycopg

        name = f"qingdan_bench_{os.getpid()}"
        server = server.rstrip("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            status = self._run_worker(self._env(f"{server}/{name}", name), scale, seed, output)
        finally:
            if keep:
                self.stdout.write(f"kept {server}/{name}")
            else:
                with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if status:
            raise CommandError(f"benchmark failed (exit status {status})")

    def _say(self, message):
        self.stdout.write(message)
        self.stdout.flush()

    def _work(self, scale, seed, output, again=False):
        from bench.measure import dumps, format_table, run

        expected = os.environ.get(WORKER_ENV)
        actual = str(connection.settings_dict.get("NAME"))
        # Only databases this command made: a temporary directory of its own, or a PostgreSQL
        # database of its name (the measurements rebuild the flag store and its cases).
        throw_away = ("qingdan-bench-" in actual if connection.vendor == "sqlite"
                      else actual.startswith("qingdan_bench_"))
        if not expected or not throw_away or actual != expected:
            raise CommandError("the bench worker runs only on the throw-away database made for it")
        call_command("migrate", verbosity=0, interactive=False)
        results = run(scale, seed=seed, out=self._say, again=again)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(dumps(results), encoding="utf-8")
        self.stdout.write("")
        self.stdout.write(format_table(results))
        self.stdout.write(f"\nwritten to {output}")
