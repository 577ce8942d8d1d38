"""Checks of an .xlsx archive before it is read: what it would unpack to, and how long a cell
can be.

An .xlsx is a zip of XML parts. Its compressed size says little about what reading it costs:
a 300 KB file can hold one 300 MB cell, which openpyxl would build in memory (gigabytes) before
the importer sees a single row. So, before openpyxl opens the file:

- the sizes the zip declares for its members must add up to at most
  ``QINGDAN["EXCEL_MAX_UNPACKED_BYTES"]`` (default 200 MB; zipfile itself refuses a member
  that unpacks to more than it declares);
- every XML part large enough to hold an oversized cell is streamed through once, in 1 MB
  chunks, and refused as soon as it holds a run of text longer than any cell Excel can write
  (32,767 characters; ``MAX_CELL_BYTES`` bytes of XML with no tag in between).

Both refusals are ExcelFileError with a Chinese message, before anything is parsed or written.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

from duties.excel.errors import ExcelFileError

DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_CELL_CHARACTERS = 32_767  # Excel's own limit for the text of one cell
# The XML of one legitimate cell: at most 32,767 characters of up to 4 bytes each, plus the
# entity escapes (&amp; …) of some of them. A longer run without a tag is not a real cell.
MAX_CELL_BYTES = MAX_CELL_CHARACTERS * 6
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "QINGDAN", {}).get("EXCEL_MAX_UNPACKED_BYTES",
                                                   DEFAULT_MAX_UNPACKED_BYTES))


def too_long_cell_message() -> str:
    return _(
        "A cell of the file holds more than %(limit)s characters, more than Excel itself "
        "allows; the file may be damaged or crafted, and it was not read."
    ) % {"limit": MAX_CELL_CHARACTERS}


def check_xlsx_archive(data: bytes, not_readable_message: str) -> None:
    """Refuse (ExcelFileError) an .xlsx that would unpack beyond the limit or holds an
    oversized cell; ``not_readable_message`` is the message for a damaged zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members)
            for member in members:
                if member.file_size >= MAX_CELL_BYTES and member.filename.endswith(".xml"):
                    with archive.open(member) as stream:
                        if has_text_run(stream, MAX_CELL_BYTES):
                            raise ExcelFileError(too_long_cell_message())
    except ExcelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError):
        raise ExcelFileError(not_readable_message) from None


def _check_sizes(members):
    limit = max_unpacked_bytes()
    total = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or total > limit:
        raise ExcelFileError(
            _("Unpacked, the file would take %(size)s MB; files that unpack to more than "
              "%(limit)s MB are refused. Split it into smaller files.")
            % {"size": _megabytes(total), "limit": _megabytes(limit)}
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}" if size >= 1024 * 1024 else f"{size / 1024 / 1024:.2f}"


def has_text_run(stream, limit: int) -> bool:
    """Whether ``stream`` (bytes of XML) holds ``limit`` or more bytes in a row without a
    ``<``: a text (or attribute) longer than any cell. Reads at most one chunk past the run;
    the search skips ahead ``limit`` bytes at a time, so it costs about one memchr per chunk."""
    run = 0  # bytes since the last "<", carried over from the previous chunk
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return False
        first = chunk.find(b"<")
        if first == -1:
            run += len(chunk)
            if run >= limit:
                return True
            continue
        if run + first >= limit:
            return True
        run = _tail_run(chunk, first, limit)
        if run is None:
            return True


def _tail_run(chunk: bytes, position: int, limit: int):
    """From the ``<`` at ``position``: None if a run of ``limit`` bytes follows inside the
    chunk, else the length of the run at its end."""
    end = len(chunk)
    while position + 1 + limit <= end:
        last = chunk.rfind(b"<", position + 1, position + 1 + limit)
        if last == -1:
            return None
        position = last
    last = chunk.rfind(b"<", position + 1)
    return end - (last if last != -1 else position) - 1
