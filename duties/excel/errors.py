"""Errors of an import: a whole file refused, or one cell of one row."""

from __future__ import annotations

from dataclasses import dataclass


class ExcelFileError(Exception):
    """The file as a whole cannot be imported (too big, not a spreadsheet, no header…).

    ``str(error)`` is the message for the user.
    """

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)

    def __str__(self):
        return self.message


class CellError(Exception):
    """A value that cannot be imported; the importer adds the row and the column."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


@dataclass(frozen=True)
class RowError:
    """One problem of an import: ``第N行 列名: 原因`` (docs/contracts.md §1), or a file-level
    message when ``row`` is None.

    ``row`` is the row number as the user sees it in Excel (1-based, title lines counted);
    ``column`` the header as written in the user's file; ``sheet`` the worksheet's name as
    written, for the sheets of a county workbook (``工作表“权责清单” 第12行 事项名称: …``; blank
    for a single-sheet import, whose format is unchanged).
    """

    row: int | None
    column: str
    message: str
    sheet: str = ""

    def __str__(self):
        # The locator format is fixed by docs/contracts.md §1, whatever the interface language.
        if self.row is None:
            located = f"{self.column}: {self.message}" if self.column else self.message
        elif self.column:
            located = f"第{self.row}行 {self.column}: {self.message}"
        else:
            located = f"第{self.row}行: {self.message}"
        if not self.sheet:
            return located
        separator = " " if self.row is not None or self.column else ": "
        return f"工作表“{self.sheet}”{separator}{located}"
