"""The county workbook page of the admin (``duties.excel.workbook_admin.CountyWorkbookAdminMixin``
on the County admin): upload → preview of every sheet → confirm → import, for office staff
only."""

import copy

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _

from duties.excel.workbook_admin import SESSION_KEY, CountyWorkbookAdminMixin
from duties.models import ListEntry
from tests.factories import CountyFactory, DepartmentFactory, TownshipFactory, make_user
from tests.test_excel_workbook import DEPARTMENTS, counts, workbook
from townships.models import County, Profile

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_county_admin_has_the_workbook_page():
    assert isinstance(admin.site._registry[County], CountyWorkbookAdminMixin)


@pytest.fixture
def office(db):
    return make_user(Profile.Role.OFFICE, username="office")


def url(name):
    return reverse(f"admin:townships_county_{name}")


def upload(client, data, name="某县.xlsx", **fields):
    return client.post(url("import_workbook"), {
        "import_file": SimpleUploadedFile(name, data, content_type=XLSX), **fields})


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(url("import_workbook_confirm"),
                       {name: form.initial.get(name, "") or "" for name in form.fields})


def test_the_office_uploads_sees_a_preview_of_every_sheet_then_confirms(client, office):
    client.force_login(office)
    changelist = client.get(url("changelist"))
    assert url("import_workbook").encode() in changelist.content
    assert client.get(url("import_workbook")).status_code == 200

    response = upload(client, workbook(), effective_from="2024-01-01")
    assert response.status_code == 200
    report = response.context["report"]
    assert report.ok and not report.applied
    content = response.content.decode()
    for sheet in report.sheets:
        assert f"“{sheet.name}”" in content
    assert _("County %(code)s %(name)s will be created.") % {"code": "990500", "name": "某县"} in content
    assert _("Effective date: as written in the file (%(rows)s rows).") % {"rows": 2} in content
    assert "说明" in content  # the ignored sheet is named
    assert counts() == [0] * 13  # nothing before the confirmation

    done = confirm(client, response)
    assert done.status_code == 302
    assert County.objects.get(code="990500").townships.count() == 2
    assert ListEntry.objects.filter(kind="reclaimed").get().effective_from.isoformat() == "2024-01-01"
    assert client.session[SESSION_KEY] == []


def test_a_workbook_with_errors_shows_them_with_sheet_row_and_column_and_offers_no_confirmation(client, office):
    client.force_login(office)
    rows = copy.deepcopy(DEPARTMENTS) + [["", "某县水利局", ""]]
    response = upload(client, workbook(**{"部门名录": rows}))
    assert response.context["confirm_form"] is None
    message = "工作表“部门名录” 第5行 部门代码: " + _("This cell cannot be blank.")
    assert message in response.content.decode()
    assert counts() == [0] * 13


def test_a_confirmation_naming_an_upload_of_another_session_is_refused(client, office):
    client.force_login(office)
    response = upload(client, workbook())
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name, "") or "" for name in form.fields}
    other = make_user(Profile.Role.OFFICE, username="office2")
    client.force_login(other)  # a new session
    refused = client.post(url("import_workbook_confirm"), data)
    assert refused.status_code == 302 and refused["Location"] == url("import_workbook")
    assert counts() == [0] * 13


def test_an_office_of_one_county_is_refused_another_countys_workbook(client, db):
    own = CountyFactory(code="990101", name="示范县")
    client.force_login(make_user(Profile.Role.OFFICE, username="office_a", county=own))
    response = upload(client, workbook())
    assert response.context["confirm_form"] is None
    assert "990500" in response.context["report"].messages[0]
    assert not County.objects.filter(code="990500").exists()


def test_a_file_that_is_not_an_xlsx_is_refused_by_the_form(client, office):
    client.force_login(office)
    response = upload(client, b"a,b\n1,2\n", name="乡镇.csv")
    assert response.context["form"].errors["import_file"]


def test_department_and_township_users_get_403(client, office):
    county = CountyFactory(code="990101", name="示范县")
    department = make_user(Profile.Role.DEPARTMENT, username="dept",
                           department=DepartmentFactory(county=county))
    township = make_user(Profile.Role.TOWNSHIP, username="town", township=TownshipFactory(county=county))
    for user in (department, township):
        client.force_login(user)
        assert client.get(url("import_workbook")).status_code == 403
        assert client.post(url("import_workbook_confirm"), {}).status_code == 403
    client.logout()
    assert client.get(url("import_workbook")).status_code == 302  # to the login page
