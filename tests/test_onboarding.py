"""Day one of a real county, from the command line, on an empty database (no demo): the walk of
docs/onboarding.md (the admin route of the same walk runs in a real browser in
tests/test_browser_onboarding.py).

The first office account → the county's workbook with dated lists, past assignments and a
decision taken on paper (import_county) → the accounts of its units (create_accounts) → a
department logs in with its one-time password and must change it → the flags on the past
work are right, because the lists were in force on the days the work was handed down.
"""


import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from delegations.models import Assignment, Delegation
from duties.models import ListEntry
from tests import onboarding
from townships.models import County, Department, Township

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qing-shan-2026-xin"


def login(client, username, password):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content[:300]
    return response


def api_flags(client):
    rows, url = [], "/api/v1/flags/?page_size=200"
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url = body.get("next")
    return rows


def test_a_county_moves_in_from_its_own_workbook_on_an_empty_database(tmp_path, capsys):
    assert not County.objects.exists() and not get_user_model().objects.exists()

    # The first office account, with its one-time password.
    call_command("create_office_account", "bianban")
    office_password = capsys.readouterr().out.strip()

    # The county's workbook: a dry run first (what would happen; nothing written) …
    workbook = tmp_path / "青山县.xlsx"
    workbook.write_bytes(onboarding.county_workbook())
    call_command("import_county", str(workbook), "--dry-run")
    preview = capsys.readouterr().out
    assert "将新建区县 990500 青山县" in preview
    assert not County.objects.exists()
    # … then for real, as the office account.
    call_command("import_county", str(workbook), "--user", "bianban")
    capsys.readouterr()
    county = County.objects.get(code=onboarding.COUNTY_CODE)
    assert county.name == onboarding.COUNTY_NAME
    assert Township.objects.filter(county=county).count() == len(onboarding.TOWNSHIPS)
    assert Department.objects.filter(county=county).count() == len(onboarding.DEPARTMENTS)
    assert Assignment.objects.count() == len(onboarding.VERDICTS)
    assert Delegation.objects.get().state == "approved"
    # The lists took effect on the day the county published them, not on the import day.
    own = ListEntry.objects.get(item__code="QS-001")
    assert own.effective_from.isoformat() == onboarding.PUBLISHED
    # The county published the granted power and recorded the decision: listed once.
    assert ListEntry.objects.filter(item__code="QS-002").count() == 1

    # The accounts of every department and township, handed out as a sheet.
    sheet = tmp_path / "账号.xlsx"
    call_command("create_accounts", "--county", county.code, "-o", str(sheet), "--user", "bianban")
    from openpyxl import load_workbook

    rows = [[c.value for c in row] for row in load_workbook(sheet).active.iter_rows()]
    accounts = {row[2]: row[3] for row in rows[2:]}
    assert set(accounts) == {
        *(code for code, _n, _k in onboarding.TOWNSHIPS),
        *(f"990500-{code.lower()}" for code, _n, _s in onboarding.DEPARTMENTS),
    }
    # Running it again creates none.
    call_command("create_accounts", "--county", county.code, "--user", "bianban")
    assert get_user_model().objects.count() == 1 + len(accounts)

    # A department logs in with its one-time password and must change it first.
    department = Client()
    login(department, "990500-zjj", accounts["990500-zjj"])
    assert department.get("/requests/")["Location"].startswith(reverse("password_change"))
    assert department.get("/api/v1/flags/").status_code == 403
    response = department.post(reverse("password_change"), {
        "old_password": accounts["990500-zjj"], "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert department.get("/requests/").status_code == 200

    # The flags on the past work, as the office sees them.
    office = Client()
    login(office, "bianban", office_password)
    office.post(reverse("password_change"), {
        "old_password": office_password, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    })
    titles = dict(Assignment.objects.values_list("pk", "title"))
    assert onboarding.verdicts(api_flags(office), titles) == onboarding.VERDICTS
    # The department sees the flags that name it, and only those.
    mine = api_flags(department)
    assert mine and {f["department"]["code"] for f in mine} == {"ZJJ"}


def test_an_office_of_another_county_cannot_move_this_county_in(tmp_path, capsys):
    County.objects.create(code="990600", name="邻县")
    call_command("create_office_account", "linxian", "--county", "990600")
    workbook = tmp_path / "青山县.xlsx"
    workbook.write_bytes(onboarding.county_workbook())
    with pytest.raises(CommandError):
        call_command("import_county", str(workbook), "--user", "linxian")
    assert not County.objects.filter(code=onboarding.COUNTY_CODE).exists()
    assert not Township.objects.exists() and not ListEntry.objects.exists()
