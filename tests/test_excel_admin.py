"""Excel import (with a preview) and export in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from duties.models import DutyItem, ListEntry
from tests.factories import ListEntryFactory, UserFactory
from tests.factories_excel import read_xlsx, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["序号", "事项编码", "职权类别", "职权名称", "主管部门", "适用乡镇", "联系电话"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(rows, name="权责清单.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows), content_type=XLSX)


@pytest.fixture
def office_client(client, world):
    client.force_login(world.office)
    return client


def preview(client, world, rows, url_name="admin:duties_powerentry_import"):
    return client.post(reverse(url_name), {
        "resource": "0", "format": "0", "county": world.county.pk, "import_file": upload(rows),
    })


def test_the_office_sees_a_preview_then_confirms_the_import(office_client, world):
    page = office_client.get(reverse("admin:duties_powerentry_import"))
    assert page.status_code == 200
    assert reverse("admin:duties_powerentry_excel_template").encode() in page.content

    response = preview(office_client, world, [
        ["示范县乡镇（街道）权责清单"], HEADER,
        [1, "QZ-1", "行政检查类", "事项一", "应急局", "东城镇", "123"],
        [2, "QZ-2", "行政处罚", "事项二", "NYJ", "", ""],
    ])
    assert response.status_code == 200
    report = response.context["result"].report
    assert (report.created, report.updated, report.unchanged, report.unknown_columns) == (2, 0, 0, ["联系电话"])
    assert "QZ-1 事项一".encode() in response.content and "联系电话".encode() in response.content
    assert DutyItem.objects.count() == 0  # nothing before the confirmation

    confirm = response.context["confirm_form"]
    done = office_client.post(reverse("admin:duties_powerentry_process_import"), {
        name: confirm.initial.get(name, "") for name in confirm.fields
    })
    assert done.status_code == 302
    entry = ListEntry.objects.get(item__code="QZ-1")
    assert list(entry.townships.all()) == [world.township_a]
    record = entry.history.get()
    assert (record.history_change_reason, record.history_user) == ("导入 权责清单.xlsx", world.office)


def test_a_bad_file_lists_every_error_and_offers_no_confirmation(office_client, world):
    response = preview(office_client, world, [
        HEADER, [1, "QZ-1", "行政检查", "事项一", "应急办", "", ""], [2, "QZ-2", "行政检查", "事项二", "应急局", "北山镇", ""],
    ])
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    messages = response.context["result"].report.messages
    assert [m.split(":")[0] for m in messages] == ["第2行 主管部门", "第3行 适用乡镇"]
    for message in messages:
        assert message.encode() in response.content
    assert DutyItem.objects.count() == 0


def test_a_file_that_is_not_a_spreadsheet_gets_a_message_not_an_error_page(office_client, world):
    response = office_client.post(reverse("admin:duties_powerentry_import"), {
        "resource": "0", "format": "0", "county": world.county.pk,
        "import_file": SimpleUploadedFile("清单.xlsx", b"just text", content_type=XLSX),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["import_file"]


def test_staff_who_are_not_office_staff_cannot_import(client, world):
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="duties"))
    client.force_login(staff)
    assert client.get(reverse("admin:duties_powerentry_import")).status_code == 403
    changelist = client.get(reverse("admin:duties_powerentry_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:duties_powerentry_import").encode() not in changelist.content


def test_township_users_reach_neither_import_nor_export(client, world):
    client.force_login(world.township_a_user)
    for name in ("import", "export"):
        response = client.get(reverse(f"admin:duties_powerentry_{name}"))
        assert response.status_code == 302  # to the login page: they are not staff


def test_export_gives_the_filtered_selection_with_a_title(office_client, world):
    ListEntryFactory(item__county=world.county, item__code="Q-1", item__department=world.dept_a)
    ListEntryFactory(item__county=world.county, item__code="Q-2", item__department=world.dept_a,
                     townships=[world.township_b])
    query = f"?item__county__id__exact={world.county.pk}&township={world.township_a.pk}"
    response = office_client.post(reverse("admin:duties_powerentry_export") + query, {"format": "0", "resource": "0"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "qingdan-power-990101101-" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert rows[0][0].startswith("示范县东城镇权责清单（截至")
    assert [row[0] for row in rows[2:]] == ["Q-1"]

    csv = office_client.post(reverse("admin:duties_powerentry_export"), {"format": "1", "resource": "0"})
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("事项编码,权力类型")


def test_the_blank_template_downloads_from_the_import_page(office_client):
    response = office_client.get(reverse("admin:townships_department_excel_template"))
    assert response.status_code == 200
    assert read_xlsx(response.content)[0] == ["区县代码", "部门代码", "部门名称", "简称", "类型"]


def test_townships_import_through_the_admin_without_choosing_a_county(office_client, world):
    response = office_client.post(reverse("admin:townships_township_import"), {
        "resource": "0", "format": "0", "county": "",
        "import_file": upload([["区县代码", "乡镇代码", "乡镇名称"], ["990101", "990101103", "南山镇"]]),
    })
    report = response.context["result"].report
    assert (report.messages, report.created) == ([], 1)


def test_with_the_library_permission_codes_set_import_also_needs_the_model_permission(client, world, settings):
    settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
    settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
    client.force_login(world.office)
    assert client.get(reverse("admin:duties_powerentry_import")).status_code == 200
    office = type(world.office).objects.get(pk=world.office.pk)
    office.groups.clear()  # the office group grants every permission of the apps
    office.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    office = type(office).objects.get(pk=office.pk)  # a fresh permission cache
    client.force_login(office)
    assert client.get(reverse("admin:duties_powerentry_import")).status_code == 403
    assert client.get(reverse("admin:duties_powerentry_export")).status_code == 200


def test_the_preview_shows_unplaced_columns_and_what_each_department_name_became(office_client, world):
    response = preview(office_client, world, [
        ["附件1"], ["示范县乡镇（街道）权责清单"],
        ["序号", "赋权事项", "职权类别", "实施依据", "设定依据", "主管部门"],
        [1, "事项一", "行政检查类", "《实施法》", "《设定法》", "县应急局"],
    ])
    report = response.context["result"].report
    assert report.messages == [] and report.unknown_columns == ["设定依据"]
    content = response.content.decode()
    for warning in report.warnings:
        assert warning in content
    assert "设定依据" in report.warnings[0] and "实施依据" in report.warnings[0]
    assert "县应急局" in content and "示范县应急管理局（YJJ）" in content
    assert "register_aliases" in response.context["confirm_form"].fields


def test_confirming_with_the_box_ticked_registers_the_spellings_as_aliases(office_client, world):
    response = preview(office_client, world, [HEADER, [1, "QZ-1", "行政检查", "事项一", "县应急局", "", ""]])
    confirm = response.context["confirm_form"]
    data = {name: confirm.initial.get(name, "") for name in confirm.fields}
    data["register_aliases"] = "on"
    done = office_client.post(reverse("admin:duties_powerentry_process_import"), data)
    assert done.status_code == 302
    assert list(world.dept_a.aliases.values_list("name", flat=True)) == ["县应急局"]
    assert DutyItem.objects.get().department == world.dept_a
