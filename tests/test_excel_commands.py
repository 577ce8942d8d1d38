"""manage.py import_list / export_list."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from duties.models import DutyItem, ListEntry
from tests.factories import ListEntryFactory
from tests.factories_excel import read_xlsx, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["事项编码", "权力类型", "事项名称", "主管部门", "适用乡镇"]
SUMMARY = _("Created: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s, errors: %(errors)s.")


def write(tmp_path, rows, name="清单.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows))
    return path


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_list_imports_and_prints_a_summary(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急局", "东城镇"], ["Q-2", "行政检查", "事项二", "NYJ", ""]])
    out, _err = command("import_list", "power", str(path), "--county", "990101", "--user", "office")
    assert SUMMARY % {"created": 2, "updated": 0, "unchanged": 0, "errors": 0} in out
    entry = ListEntry.objects.get(item__code="Q-1")
    assert entry.history.get().history_user == world.office
    assert entry.history.get().history_change_reason == "导入 清单.xlsx"
    out, _err = command("import_list", "power", str(path), "--county", "990101", "--user", "office")
    assert SUMMARY % {"created": 0, "updated": 0, "unchanged": 2, "errors": 0} in out
    assert DutyItem.objects.count() == 2


def test_import_list_exits_non_zero_and_lists_every_error(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急办", ""], ["Q-2", "行政检查", "事项二", "应急局", "北山镇"]])
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_list", "power", str(path), "--county", "990101", "--user", "office",
                     stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["第2行 主管部门", "第3行 适用乡镇"]
    assert DutyItem.objects.count() == 0


def test_import_list_dry_run_writes_nothing(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急局", ""]])
    command("import_list", "power", str(path), "--county", "990101", "--dry-run")
    assert DutyItem.objects.count() == 0


def test_import_list_refuses_an_unknown_county_user_or_a_list_without_county(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急局", ""]])
    for args in (["--county", "123456"], ["--county", "990101", "--user", "nobody"], []):
        with pytest.raises(CommandError):
            command("import_list", "power", str(path), *args)
    with pytest.raises(CommandError):
        command("import_list", "power", str(tmp_path / "missing.xlsx"), "--county", "990101")


def test_import_list_takes_townships_without_a_county(world, tmp_path):
    path = write(tmp_path, [["区县代码", "乡镇代码", "乡镇名称"], ["990101", "990101103", "南山镇"]])
    command("import_list", "townships", str(path), "--user", "office")
    assert world.county.townships.filter(name="南山镇").exists()


def test_export_list_writes_xlsx_or_csv_by_extension(world, tmp_path):
    ListEntryFactory(item__county=world.county, item__code="Q-1", item__department=world.dept_a)
    ListEntryFactory(item__county=world.county, item__code="Q-2", item__department=world.dept_a,
                     townships=[world.township_b])
    command("export_list", "power", "--county", "990101", "-o", str(tmp_path / "全县.xlsx"))
    rows = read_xlsx((tmp_path / "全县.xlsx").read_bytes())
    assert rows[0][0].startswith("示范县乡镇（街道）权责清单（截至")
    assert [row[0] for row in rows[2:]] == ["Q-1", "Q-2"]
    command("export_list", "power", "--county", "990101", "--township", "990101101", "-o", str(tmp_path / "东城.csv"))
    text = (tmp_path / "东城.csv").read_bytes().decode("utf-8-sig")
    assert text.startswith("事项编码,权力类型,事项名称")
    assert "Q-1" in text and "Q-2" not in text


def test_export_list_writes_a_template(tmp_path):
    command("export_list", "admission", "--template", "-o", str(tmp_path / "模板.xlsx"))
    assert read_xlsx((tmp_path / "模板.xlsx").read_bytes())[0][:3] == ["事项编码", "事项名称", "申请部门"]


def test_export_list_refuses_a_bad_output_or_an_unknown_county(world, tmp_path):
    for args in (["--county", "990101", "-o", str(tmp_path / "x.pdf")],
                 ["--county", "123456", "-o", str(tmp_path / "x.xlsx")],
                 ["--county", "990101", "--township", "990102101", "-o", str(tmp_path / "x.xlsx")]):
        with pytest.raises(CommandError):
            command("export_list", "power", *args)


def test_import_list_needs_an_office_account_and_records_it(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急局", ""]])
    with pytest.raises(CommandError) as missing:
        command("import_list", "power", str(path), "--county", "990101")
    assert "--user" in str(missing.value)
    for username in ("dept_a", "township_a"):
        with pytest.raises(CommandError):
            command("import_list", "power", str(path), "--county", "990101", "--user", username)
    assert DutyItem.objects.count() == 0
    command("import_list", "power", str(path), "--county", "990101", "--dry-run")  # no user needed
    command("import_list", "power", str(path), "--county", "990101", "--user", "office")
    item = DutyItem.objects.get()
    assert item.history.get().history_user == world.office
    assert ListEntry.objects.get().history.get().history_user == world.office


def test_an_office_account_of_another_county_cannot_import_here(world, tmp_path):
    from tests.factories import CountyFactory, make_user
    from townships.models import Profile

    make_user(Profile.Role.OFFICE, username="elsewhere", county=CountyFactory(code="990102", name="邻县"))
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "应急局", ""]])
    with pytest.raises(CommandError):
        command("import_list", "power", str(path), "--county", "990101", "--user", "elsewhere")
    assert DutyItem.objects.count() == 0


def test_the_summary_names_a_basis_column_it_could_not_place_and_the_field_it_may_be(world, tmp_path):
    path = write(tmp_path, [["事项名称", "权力类型", "法律法规条款", "主管部门"],
                            ["事项一", "行政检查", "《安全生产法》第九条", "县应急局"]])
    out, _err = command("import_list", "power", str(path), "--county", "990101", "--user", "office")
    assert _("Columns ignored (not recognised): %(columns)s") % {"columns": "法律法规条款"} in out
    warning = _("Column “%(label)s” was not imported: it may hold “%(field)s”. If it does, name it "
                "“%(field)s” and import again.") % {"label": "法律法规条款", "field": "实施依据"}
    assert _("Warning: %(warning)s") % {"warning": warning} in out
    assert _("Department “%(written)s” read as %(department)s.") % {
        "written": "县应急局", "department": "示范县应急管理局"} in out


def test_import_list_registers_aliases_when_asked(world, tmp_path):
    path = write(tmp_path, [HEADER, ["Q-1", "行政检查", "事项一", "县应急局", ""]])
    out, _err = command("import_list", "power", str(path), "--county", "990101", "--user", "office",
                        "--register-aliases")
    assert list(world.dept_a.aliases.values_list("name", flat=True)) == ["县应急局"]
    assert _("Registered “%(name)s” as an alias of %(department)s.") % {
        "name": "县应急局", "department": "示范县应急管理局"} in out
