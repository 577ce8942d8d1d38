"""A townships sheet naming a county that does not exist creates it — for an office user who
may create counties; an office user limited to one county imports rows of that county only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.translation import gettext as _

from duties.excel import import_file
from tests.factories import CountyFactory, make_user
from tests.factories_excel import xlsx_bytes
from townships.models import County, Department, Profile, Township

pytestmark = pytest.mark.django_db

HEADER = ["区县代码", "区县名称", "乡镇代码", "乡镇名称"]
NEW_COUNTY = [HEADER, ["990500", "某县", "990500101", "城关镇"], ["990500", "某县", "990500102", "河口乡"]]
WILL_CREATE = _("County %(code)s %(name)s will be created.") % {"code": "990500", "name": "某县"}
CREATED = _("Created county %(code)s %(name)s.") % {"code": "990500", "name": "某县"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def county_office(world):
    """An office account limited to 示范县 (990101)."""
    return make_user(Profile.Role.OFFICE, username="office_a", county=world.county)


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_townships_sheet_creates_the_county_it_names(world):
    preview = import_file("townships", xlsx_bytes(NEW_COUNTY), "乡镇.xlsx", user=world.office, dry_run=True)
    assert (preview.messages, preview.county_notes, preview.created) == ([], [WILL_CREATE], 2)
    assert not County.objects.filter(code="990500").exists()
    report = import_file("townships", xlsx_bytes(NEW_COUNTY), "乡镇.xlsx", user=world.office)
    assert report.county_notes == [CREATED]
    county = County.objects.get(code="990500")
    assert county.name == "某县"
    assert sorted(county.townships.values_list("code", flat=True)) == ["990500101", "990500102"]


def test_the_admin_preview_says_which_county_will_be_created_and_the_confirmation_creates_it(client, world):
    client.force_login(world.office)
    response = client.post(reverse("admin:townships_township_import"), {
        "resource": "0", "format": "0", "county": "",
        "import_file": SimpleUploadedFile("乡镇.xlsx", xlsx_bytes(NEW_COUNTY), content_type=XLSX),
    })
    assert WILL_CREATE in response.content.decode()
    assert not County.objects.filter(code="990500").exists()
    confirm = response.context["confirm_form"]
    done = client.post(reverse("admin:townships_township_process_import"),
                       {name: confirm.initial.get(name, "") for name in confirm.fields})
    assert done.status_code == 302
    assert Township.objects.filter(county__code="990500").count() == 2


def test_import_list_townships_creates_the_county_with_or_without_naming_it(world, tmp_path):
    path = tmp_path / "乡镇.xlsx"
    path.write_bytes(xlsx_bytes(NEW_COUNTY))
    out, _err = command("import_list", "townships", str(path), "--dry-run")
    assert WILL_CREATE in out
    assert not County.objects.filter(code="990500").exists()
    out, _err = command("import_list", "townships", str(path), "--county", "990500", "--user", "office")
    assert CREATED in out
    assert County.objects.get(code="990500").townships.count() == 2


def test_a_county_is_created_only_with_its_name(world):
    rows = [["区县代码", "乡镇代码", "乡镇名称"], ["990500", "990500101", "城关镇"]]
    report = import_file("townships", xlsx_bytes(rows), "乡镇.xlsx", user=world.office)
    assert [(e.row, e.column) for e in report.errors] == [(2, "区县代码")]
    assert not County.objects.filter(code="990500").exists()


def test_a_departments_sheet_does_not_create_counties(world):
    rows = [["区县代码", "部门代码", "部门名称"], ["990500", "YJJ", "某县应急管理局"]]
    report = import_file("departments", xlsx_bytes(rows), "部门.xlsx", user=world.office)
    assert [(e.row, e.column) for e in report.errors] == [(2, "区县代码")]
    assert not County.objects.filter(code="990500").exists()


def test_an_office_limited_to_one_county_cannot_create_a_county_or_import_another_countys_rows(
        world, county_office):
    CountyFactory(code="990202", name="邻县")
    rows = [
        HEADER,
        ["990500", "某县", "990500101", "城关镇"],  # a new county
        ["990202", "邻县", "990202101", "邻镇"],  # another existing county
        ["990101", "示范县", "990101103", "南山镇"],  # its own county: fine
    ]
    report = import_file("townships", xlsx_bytes(rows), "乡镇.xlsx", user=county_office)
    assert [(e.row, e.column) for e in report.errors] == [(2, "区县代码"), (3, "区县代码")]
    assert report.messages[0].startswith("第2行 区县代码: ")
    assert "990500" in report.messages[0] and "示范县" in report.messages[0]
    assert report.county_notes == []
    assert not County.objects.filter(code="990500").exists()
    assert not Township.objects.filter(code__in=["990202101", "990101103"]).exists()

    departments = [["区县代码", "部门代码", "部门名称"], ["990202", "YJJ", "邻县应急管理局"]]
    report = import_file("departments", xlsx_bytes(departments), "部门.xlsx", user=county_office)
    assert [(e.row, e.column) for e in report.errors] == [(2, "区县代码")]
    assert not Department.objects.filter(county__code="990202").exists()


def test_import_list_refuses_a_county_limited_office_importing_another_county(world, county_office, tmp_path):
    path = tmp_path / "乡镇.xlsx"
    path.write_bytes(xlsx_bytes(NEW_COUNTY))
    with pytest.raises(CommandError):
        command("import_list", "townships", str(path), "--user", "office_a")
    with pytest.raises(CommandError):
        command("import_list", "townships", str(path), "--county", "990500", "--user", "office_a")
    assert not County.objects.filter(code="990500").exists()
