"""An .xlsx that would unpack to far more than it weighs (one huge cell, or huge parts) is
refused before it is read, with a clear message, without using much memory (issue #14)."""

import io
import tracemalloc
import zipfile

import pytest
from django.utils.translation import gettext as _

from duties.excel import archive, import_file, reader
from duties.models import DutyItem, ListEntry
from tests.factories_excel import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["事项编码", "权力类型", "事项名称"]
SHEET = "xl/worksheets/sheet1.xml"


def with_huge_cell(megabytes):
    """A valid workbook whose sheet holds, after its header, one inline-string cell of
    ``megabytes`` MB — written in chunks, so building it takes little memory."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER, ["Q-1", "行政检查", "事项一"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            if member.filename != SHEET:
                bomb.writestr(member, source.read(member))
                continue
            xml = source.read(member)
            head, tail = xml.split(b"</sheetData>")
            with bomb.open(SHEET, "w", force_zip64=True) as out:
                out.write(head + b'<row r="3"><c r="C3" t="inlineStr"><is><t>')
                chunk = "大".encode() * (1 << 18)
                for _chunk in range(megabytes * (1 << 20) // len(chunk)):
                    out.write(chunk)
                out.write(b"</t></is></c></row></sheetData>" + tail)
    return buffer.getvalue()


def test_one_huge_cell_is_refused_before_it_is_read_and_nothing_is_written(world, monkeypatch):
    data = with_huge_cell(32)
    assert len(data) < 1024 * 1024  # 32 MB of text weighs well under 1 MB zipped

    def must_not_open(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr(reader, "_open_workbook", must_not_open)
    tracemalloc.start()
    report = import_file("power", data, "炸弹.xlsx", county=world.county, user=world.office)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.messages == [archive.too_long_cell_message()]
    assert "32767" in report.messages[0]
    assert peak < 8 * 1024 * 1024
    assert DutyItem.objects.count() == 0 and ListEntry.objects.count() == 0


def test_a_file_that_would_unpack_beyond_the_limit_is_refused_before_it_is_read(world, settings, monkeypatch):
    settings.QINGDAN = {**settings.QINGDAN, "EXCEL_MAX_UNPACKED_BYTES": 1024 * 1024}
    monkeypatch.setattr(reader, "_open_workbook", lambda *a: pytest.fail("the workbook was opened"))
    data = with_huge_cell(2)
    report = import_file("power", data, "大.xlsx", county=world.county, user=world.office)
    total = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert report.messages == [_(
        "Unpacked, the file would take %(size)s MB; files that unpack to more than %(limit)s MB are "
        "refused. Split it into smaller files.") % {"size": f"{total / 1024 / 1024:.0f}", "limit": "1"}]
    assert DutyItem.objects.count() == 0


def test_a_normal_workbook_passes_the_checks(world):
    report = import_file("power", xlsx_bytes([HEADER, ["Q-1", "行政检查", "事项一"]]), "x.xlsx",
                         county=world.county, user=world.office)
    assert (report.messages, report.created) == ([], 1)


def test_a_cell_of_excels_own_maximum_length_is_accepted(world):
    longest = "条" * archive.MAX_CELL_CHARACTERS
    report = import_file("power", xlsx_bytes([[*HEADER, "联系方式"], ["Q-1", "行政检查", "事项一", longest]]),
                         "x.xlsx", county=world.county, user=world.office, dry_run=True)
    assert report.messages == [] and report.created == 1


def test_a_huge_csv_cell_is_refused_with_the_same_message(world):
    data = csv_bytes([HEADER, ["Q-1", "行政检查", "长" * 200_000]])
    report = import_file("power", data, "x.csv", county=world.county, user=world.office)
    assert report.messages == [archive.too_long_cell_message()]


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"<" + b"x" * 9 + b"<b>", False),  # 9 bytes between two "<"
        (b"<" + b"x" * 10 + b"<b>", True),
        (b"x" * 10, True),
        (b"<a>xx<b>" * 20, False),
        (b"<a>xx<b>" * 5 + b"y" * 12 + b"<c>", True),  # a run across chunk boundaries
    ],
)
def test_the_stream_check_finds_a_text_run_at_the_limit_across_chunks(monkeypatch, data, found):
    monkeypatch.setattr(archive, "_CHUNK", 4)
    assert archive.has_text_run(io.BytesIO(data), 10) is found
    monkeypatch.setattr(archive, "_CHUNK", 1 << 20)
    assert archive.has_text_run(io.BytesIO(data), 10) is found
