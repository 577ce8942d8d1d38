"""The backup and restore of docs/deploy.md, performed: deploy/qingdan-backup (pg_dump) of a loaded
database, pg_restore into a fresh one as the guide says, and the restored database shows the same
lists and flags (PostgreSQL only)."""

import glob
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from townships.models import County, Township

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BACKUP_SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "qingdan-backup"


def pg_tool(name):
    """A PostgreSQL client program: from PG_BIN, else the newest server's bin dir, else PATH."""
    candidates = [os.path.join(os.environ["PG_BIN"], name)] if os.environ.get("PG_BIN") else []
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                         key=lambda p: int(p.split("/")[4]), reverse=True)
    candidates += [shutil.which(name) or ""]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore use pg_dump/pg_restore: run with DATABASE_URL=postgres://…")
    tools = {name: pg_tool(name) for name in ("pg_dump", "pg_restore")}
    if not all(tools.values()):
        pytest.skip("pg_dump/pg_restore not installed (apt-get install postgresql-client)")
    settings = connection.settings_dict
    env = {**os.environ, "PGHOST": settings["HOST"] or "", "PGPORT": str(settings["PORT"] or ""),
           "PGUSER": settings["USER"] or "", "PGPASSWORD": settings["PASSWORD"] or "",
           "PG_BIN": os.path.dirname(tools["pg_dump"])}
    return tools, env


def database_url(name):
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def snapshot():
    """What a county sees: every township's lists, the flags and their summary, plus every row
    of every table (dumpdata), as read from the current database."""
    office = APIClient()
    office.force_authenticate(get_user_model().objects.get(username="bianban"))

    def all_pages(path):
        rows, url = [], path
        while url:
            page = office.get(url).json()
            rows += page["results"]
            url = page["next"]
        return rows

    lists = {t.code: all_pages(f"/api/v1/townships/{t.code}/lists/?limit=500")
             for t in Township.objects.order_by("code")}
    flags = all_pages("/api/v1/flags/?limit=500")
    summary = office.get("/api/v1/flags/summary/").json()
    rows = io.StringIO()
    call_command("dumpdata", "--natural-foreign", "--exclude=sessions", "--exclude=admin.logentry",
                 stdout=rows)
    return {"lists": lists, "flags": flags, "summary": summary, "rows": rows.getvalue()}


def use_database(name):
    connection.close()
    connection.settings_dict["NAME"] = name


def test_a_dump_restored_into_a_fresh_database_shows_the_same_lists_and_flags(postgres, tmp_path):
    (tools, env), original = postgres, connection.settings_dict["NAME"]
    call_command("load_demo", stdout=io.StringIO())
    before = snapshot()
    assert any(before["lists"].values()) and before["flags"], "the demo county has lists and flags"

    media = tmp_path / "var" / "media" / "agreements"
    media.mkdir(parents=True)
    (media / "d1.pdf").write_bytes(b"%PDF-1.4 agreement")
    backup = subprocess.run(
        [str(BACKUP_SCRIPT)], capture_output=True, text=True, check=True, timeout=300,
        env={**env, "DATABASE_URL": database_url(original), "BACKUP_DIR": str(tmp_path / "backups"),
             "QINGDAN_VAR_DIR": str(tmp_path / "var")},
    )
    dump = Path(backup.stdout.strip())
    assert dump.is_file() and dump.parent == tmp_path / "backups"
    (media_backup,) = dump.parent.glob("qingdan-media-*.tar.gz")
    restored_var = tmp_path / "restored-var"
    restored_var.mkdir()
    subprocess.run(["tar", "-C", str(restored_var), "-xzf", str(media_backup)], check=True)
    assert (restored_var / "media" / "agreements" / "d1.pdf").read_bytes() == b"%PDF-1.4 agreement"
    restored = f"{original}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        cursor.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run([tools["pg_restore"], "--no-owner", "--exit-on-error", f"--dbname={restored}",
                        str(dump)], env=env, check=True, timeout=300)
        use_database(restored)
        after = snapshot()
        # The restored database takes new rows (its sequences came along).
        County.objects.create(code="999999", name="恢复检验县")
    finally:
        use_database(original)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
    for part in ("lists", "flags", "summary", "rows"):
        assert after[part] == before[part], part
