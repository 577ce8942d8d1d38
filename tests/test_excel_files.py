"""Files that cannot be imported get a clear message, never a crash, and change nothing."""

import io
import zipfile

import pytest
from django.utils.translation import gettext as _

from duties.excel import import_file
from duties.excel import reader
from duties.models import DutyItem, ListEntry
from tests.factories_excel import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["事项编码", "权力类型", "事项名称", "主管部门"]


def only_message(report):
    assert len(report.errors) == 1 and report.errors[0].row is None
    assert DutyItem.objects.count() == 0 and ListEntry.objects.count() == 0
    return report.messages[0]


def test_an_empty_file_is_refused(world):
    assert only_message(import_file("power", b"", "空.xlsx", county=world.county)) == _("The file is empty.")


def test_a_workbook_without_data_rows_is_refused(world):
    report = import_file("power", xlsx_bytes([HEADER, [None, None, None, None]]), "x.xlsx", county=world.county)
    assert only_message(report) == _("The file has no data rows below the header.")


def test_a_file_that_is_not_xlsx_but_named_so_is_refused(world):
    message = only_message(import_file("power", "事项编码,事项名称\n".encode(), "清单.xlsx", county=world.county))
    assert message == reader._not_xlsx_message()


def test_a_damaged_zip_named_xlsx_is_refused(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    message = only_message(import_file("power", buffer.getvalue(), "清单.xlsx", county=world.county))
    assert message == reader._not_xlsx_message()


def test_an_old_xls_file_is_refused_with_advice(world):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    message = only_message(import_file("power", data, "清单.xls", county=world.county))
    assert ".xlsx" in message and message != reader._not_xlsx_message()


def test_a_file_over_20_mb_is_refused_before_parsing(world, monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(reader, "_open_workbook", must_not_parse)
    data = b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024)
    message = only_message(import_file("power", data, "大.xlsx", county=world.county))
    assert message == _("The file is %(size).1f MB; files over %(limit)s MB are refused. Split it into "
                        "smaller files.") % {"size": len(data) / 1024 / 1024, "limit": "20"}


def test_a_sheet_over_the_row_limit_is_refused_before_anything_is_built(world, settings, monkeypatch):
    settings.QINGDAN = {**settings.QINGDAN, "EXCEL_MAX_ROWS": 5}
    from duties.excel import lists

    monkeypatch.setattr(lists.ListImporter, "prepare", lambda *a: pytest.fail("rows were built"))
    rows = [HEADER] + [[f"Q{i}", "行政检查", f"事项{i}", "应急局"] for i in range(6)]
    message = only_message(import_file("power", xlsx_bytes(rows), "x.xlsx", county=world.county))
    assert message == _("The sheet has more than %(limit)s data rows; split it into smaller files.") % {
        "limit": 5}
    message = only_message(import_file("power", csv_bytes(rows), "x.csv", county=world.county))
    assert message == _("The sheet has more than %(limit)s data rows; split it into smaller files.") % {
        "limit": 5}


def test_a_sheet_at_the_row_limit_is_accepted(world, settings):
    settings.QINGDAN = {**settings.QINGDAN, "EXCEL_MAX_ROWS": 5}
    rows = [["标题"], HEADER] + [[f"Q{i}", "行政检查", f"事项{i}", "应急局"] for i in range(5)]
    assert import_file("power", xlsx_bytes(rows), "x.xlsx", county=world.county).created == 5


def test_a_file_of_another_kind_is_refused(world):
    message = only_message(import_file("power", b"%PDF-1.7 ...", "清单.pdf", county=world.county))
    assert message == _("Only .xlsx and .csv files can be imported.")


def test_a_csv_in_neither_utf8_nor_gb18030_is_refused(world):
    message = only_message(import_file("power", b"\x81\x30\xff\xfe" * 10, "清单.csv", county=world.county))
    assert message == _("The CSV file is neither UTF-8 nor GB18030 text.")


def test_a_list_import_needs_a_county(world):
    report = import_file("power", xlsx_bytes([HEADER, ["Q", "行政检查", "事项", "应急局"]]), "x.xlsx")
    assert report.messages == [_("Choose the county to import the list into.")]


def test_the_sheet_with_the_best_header_is_read_from_a_workbook(world):
    data = xlsx_bytes([["说明"], ["本表为示例"]], title="封面",
                      extra_sheets={"权责清单": [HEADER, ["Q-1", "行政检查", "事项一", "应急局"]]})
    report = import_file("power", data, "x.xlsx", county=world.county)
    assert (report.messages, report.created) == ([], 1)
