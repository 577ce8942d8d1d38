"""Dated lists (docs/excel.md "生效日期"): the day a list row took effect comes from its 生效日期,
(admission) its 批准日期, the import-wide date or — said out loud — the day of the import; the
history keeps the day the rows were recorded."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.models import Delegation
from duties.excel import export_file, import_file
from duties.excel.base import import_day_warning
from duties.models import ListEntry
from tests.factories import DelegationFactory, DutyItemFactory, ListEntryFactory
from tests.factories_excel import csv_bytes, read_xlsx, xlsx_bytes

pytestmark = pytest.mark.django_db
D = datetime.date

POWER = ["事项编码", "权力类型", "事项名称", "主管部门", "生效日期"]
FROM_FILE = _("Effective date: as written in the file (%(rows)s rows).")
FROM_APPROVAL = _("Effective date: the approval date (批准日期) (%(rows)s rows).")
FROM_GIVEN = _("Effective date: the date given for the import, %(date)s (%(rows)s rows).")
FROM_TODAY = _("Effective date: the day of the import, %(date)s (%(rows)s rows).")
KEPT = _("Effective date: kept as recorded (%(rows)s existing rows).")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run(kind, data, world, name="清单.xlsx", **kwargs):
    kwargs.setdefault("county", world.county)
    kwargs.setdefault("user", world.office)
    return import_file(kind, data, name, **kwargs)


def effective(code):
    return ListEntry.objects.get(item__code=code).effective_from


def test_a_row_takes_effect_on_its_own_date_while_its_history_is_dated_when_it_was_recorded(world):
    before = timezone.now()
    data = xlsx_bytes([
        ["事项编码", "权力类型", "事项名称", "主管部门", "施行日期"],  # an alias of 生效日期
        ["Q-1", "行政检查", "事项一", "应急局", "2024-06-14"],
        ["Q-2", "行政检查", "事项二", "应急局", datetime.datetime(2023, 1, 5)],
    ])
    report = run("power", data, world)
    assert report.messages == []
    assert (effective("Q-1"), effective("Q-2")) == (D(2024, 6, 14), D(2023, 1, 5))
    assert report.effective_statements == [FROM_FILE % {"rows": 2}]
    assert report.import_day_warning == ""
    record = ListEntry.objects.get(item__code="Q-1").history.get()
    assert record.effective_from == D(2024, 6, 14)
    assert record.history_date >= before  # never back-dated
    assert record.history_change_reason == "导入 清单.xlsx"


def test_a_header_that_says_it_is_the_start_date_is_read_as_the_effective_date(world):
    data = xlsx_bytes([["事项名称", "权力类型", "清单施行日期"], ["事项一", "行政检查", "2024/6/14"]])
    report = run("power", data, world)
    assert report.messages == [] and report.unknown_columns == []
    assert ListEntry.objects.get().effective_from == D(2024, 6, 14)


def test_the_import_wide_date_serves_the_rows_without_a_date_of_their_own(world):
    data = xlsx_bytes([POWER, ["Q-1", "行政检查", "事项一", "应急局", "2024-06-14"],
                       ["Q-2", "行政检查", "事项二", "应急局", None]])
    report = run("power", data, world, effective_from=D(2022, 1, 1))
    assert (effective("Q-1"), effective("Q-2")) == (D(2024, 6, 14), D(2022, 1, 1))
    assert report.effective_statements == [
        FROM_FILE % {"rows": 1}, FROM_GIVEN % {"date": "2022-01-01", "rows": 1}]


def test_on_the_admission_list_the_approval_date_comes_between_the_row_and_the_import_wide_date(world):
    data = xlsx_bytes([
        ["事项名称", "申请部门", "批准文号", "批准日期", "生效日期"],
        ["有两个日期", "农业农村局", "文1", "2024-03-01", "2024-04-01"],
        ["只有批准日期", "农业农村局", "文2", "2024-03-02", None],
        ["没有日期", "农业农村局", "文3", None, None],
    ])
    report = run("admission", data, world, effective_from=D(2024, 1, 1))
    assert report.messages == []
    dates = dict(ListEntry.objects.values_list("item__name", "effective_from"))
    assert dates == {"有两个日期": D(2024, 4, 1), "只有批准日期": D(2024, 3, 2), "没有日期": D(2024, 1, 1)}
    assert report.effective_statements == [
        FROM_FILE % {"rows": 1}, FROM_APPROVAL % {"rows": 1},
        FROM_GIVEN % {"date": "2024-01-01", "rows": 1}]


def test_without_any_date_the_import_day_stands_in_and_the_report_says_so(world):
    report = run("power", xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]), world)
    today = timezone.localdate()
    assert effective("Q-1") == today
    assert report.effective_statements == [FROM_TODAY % {"date": today.isoformat(), "rows": 1}]
    assert report.import_day_warning == import_day_warning()


def test_without_any_date_an_existing_entry_keeps_its_date(world):
    ListEntryFactory(item=DutyItemFactory(county=world.county, code="Q-1", name="事项一", department=world.dept_a),
                     effective_from=D(2020, 5, 1))
    report = run("power", xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]), world)
    assert effective("Q-1") == D(2020, 5, 1)
    assert report.effective_statements == [KEPT % {"rows": 1}]
    assert report.import_day_warning == ""


def test_an_explicit_date_corrects_an_existing_entry_and_the_history_records_the_correction(world):
    data = xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]])
    run("power", data, world)
    entry = ListEntry.objects.get()
    first = entry.history.get()
    report = run("power", data, world, effective_from=D(2024, 6, 14))
    assert (report.updated, report.outcomes[0].changed) == (1, ["生效日期"])
    entry.refresh_from_db()
    assert entry.effective_from == D(2024, 6, 14)
    latest = entry.history.order_by("-history_date").first()
    assert latest.history_id != first.history_id
    assert (latest.effective_from, latest.history_type) == (D(2024, 6, 14), "~")
    assert latest.history_date > first.history_date  # recorded now, not on 2024-06-14
    again = run("power", data, world, effective_from=D(2024, 6, 14))
    assert (again.updated, again.unchanged) == (0, 1)


def test_the_import_wide_date_leaves_the_entries_of_a_delegation_alone_but_a_row_date_does_not(world):
    item = DutyItemFactory(county=world.county, code="ZR-1", name="人居环境巡查", department=world.dept_b)
    delegation = DelegationFactory(department=world.dept_b, duty_items=[item], townships=[world.township_a],
                                   state=Delegation.State.APPROVED, effective_from=D(2024, 2, 1))
    entry = ListEntry.objects.get(delegation=delegation, kind="admission")
    header = ["事项编码", "事项名称", "申请部门", "批准文号", "生效日期"]
    document = entry.approval_document
    run("admission", xlsx_bytes([header, ["ZR-1", "人居环境巡查", "农业农村局", document, None]]), world,
        effective_from=D(2025, 1, 1))
    entry.refresh_from_db()
    assert entry.effective_from == D(2024, 2, 1)
    run("admission", xlsx_bytes([header, ["ZR-1", "人居环境巡查", "农业农村局", document, "2024-03-01"]]), world)
    entry.refresh_from_db()
    assert entry.effective_from == D(2024, 3, 1)


def test_an_effective_date_that_is_not_a_date_is_a_row_error_and_nothing_is_written(world):
    data = xlsx_bytes([POWER, ["Q-1", "行政检查", "事项一", "应急局", "2024-06-14"],
                       ["Q-2", "行政检查", "事项二", "应急局", "去年六月"]])
    report = run("power", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(3, "生效日期")]
    assert report.messages[0].startswith("第3行 生效日期: ")
    assert "去年六月" in report.messages[0]
    assert report.effective_statements == []
    assert ListEntry.objects.count() == 0


def test_an_end_of_term_before_the_start_is_a_row_error(world):
    data = xlsx_bytes([
        ["事项名称", "申请部门", "批准文号", "生效日期", "有效期至"],
        ["甲", "农业农村局", "文1", "2025-05-01", "2025-01-01"],
    ])
    report = run("admission", data, world)
    assert [(e.row, e.column) for e in report.errors] == [(2, "有效期至")]
    assert ListEntry.objects.count() == 0

    ListEntryFactory(kind="territorial", item=DutyItemFactory(county=world.county, code="SD-1", name="秸秆禁烧",
                                                              department=world.dept_b),
                     effective_from=D(2020, 1, 1), effective_to=D(2021, 12, 31))
    territorial = xlsx_bytes([["事项编码", "事项名称", "主体责任部门"], ["SD-1", "秸秆禁烧", "农业农村局"]])
    report = run("territorial", territorial, world, effective_from=D(2024, 1, 1))
    # The entry ended before the date given: the message names the effective-date column.
    assert [(e.row, e.column) for e in report.errors] == [(2, "生效日期")]
    assert ListEntry.objects.get(kind="territorial").effective_from == D(2020, 1, 1)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_writes_the_effective_date_and_reads_back_unchanged(world, fmt):
    ListEntryFactory(item=DutyItemFactory(county=world.county, code="Q-1", department=world.dept_a),
                     effective_from=D(2024, 6, 14))
    ListEntryFactory(kind="reclaimed", item=DutyItemFactory(county=world.county, code="SH-1", department=world.dept_a),
                     effective_from=D(2023, 3, 1))
    for kind, code, day in (("power", "Q-1", D(2024, 6, 14)), ("reclaimed", "SH-1", D(2023, 3, 1))):
        data = export_file(kind, county=world.county, fmt=fmt)
        if fmt == "xlsx":
            header, row = read_xlsx(data)[1:3]
            assert row[header.index("生效日期")] == datetime.datetime.combine(day, datetime.time())
        ListEntry.objects.filter(item__code=code).update(effective_from=D(2025, 1, 1))
        report = run(kind, data, world, name=f"export.{fmt}")
        assert report.messages == [] and report.updated == 1
        assert effective(code) == day
        assert run(kind, data, world, name=f"export.{fmt}").unchanged == 1


def test_import_list_takes_an_import_wide_date_and_prints_which_dates_the_rows_got(world, tmp_path):
    path = tmp_path / "清单.xlsx"
    path.write_bytes(xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]))
    out = io.StringIO()
    call_command("import_list", "power", str(path), "--county", "990101", "--user", "office",
                 "--effective-from", "2024-06-14", stdout=out, stderr=io.StringIO())
    assert FROM_GIVEN % {"date": "2024-06-14", "rows": 1} in out.getvalue()
    assert effective("Q-1") == D(2024, 6, 14)
    with pytest.raises(CommandError):
        call_command("import_list", "power", str(path), "--county", "990101", "--user", "office",
                     "--effective-from", "2024-13-01", stdout=io.StringIO(), stderr=io.StringIO())


def test_import_list_says_when_the_import_day_stands_in(world, tmp_path):
    path = tmp_path / "清单.csv"
    path.write_bytes(csv_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]))
    out = io.StringIO()
    call_command("import_list", "power", str(path), "--county", "990101", "--dry-run", stdout=out)
    today = timezone.localdate().isoformat()
    assert FROM_TODAY % {"date": today, "rows": 1} in out.getvalue()
    assert import_day_warning() in out.getvalue()


def test_the_admin_import_form_takes_an_effective_date_shows_it_and_carries_it_to_the_confirmation(client, world):
    client.force_login(world.office)
    url = reverse("admin:duties_powerentry_import")
    assert "effective_from" in client.get(url).context["form"].fields
    assert "effective_from" not in client.get(reverse("admin:townships_township_import")).context["form"].fields
    upload = SimpleUploadedFile("权责清单.xlsx", xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]),
                                content_type=XLSX)
    response = client.post(url, {"resource": "0", "format": "0", "county": world.county.pk,
                                 "effective_from": "2024-06-14", "import_file": upload})
    statement = FROM_GIVEN % {"date": "2024-06-14", "rows": 1}
    assert statement in response.content.decode()
    assert ListEntry.objects.count() == 0
    confirm = response.context["confirm_form"]
    assert confirm.initial["effective_from"] == "2024-06-14"
    done = client.post(reverse("admin:duties_powerentry_process_import"),
                       {name: confirm.initial.get(name, "") for name in confirm.fields})
    assert done.status_code == 302
    assert effective("Q-1") == D(2024, 6, 14)


def test_the_admin_preview_warns_when_the_import_day_stands_in(client, world):
    client.force_login(world.office)
    upload = SimpleUploadedFile("权责清单.xlsx", xlsx_bytes([POWER[:4], ["Q-1", "行政检查", "事项一", "应急局"]]),
                                content_type=XLSX)
    response = client.post(reverse("admin:duties_powerentry_import"), {
        "resource": "0", "format": "0", "county": world.county.pk, "import_file": upload})
    content = response.content.decode()
    assert FROM_TODAY % {"date": timezone.localdate().isoformat(), "rows": 1} in content
    assert import_day_warning() in content
