"""Stored file names: what a file system takes, the extension kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondline.common.files import stored_name

CASES = [
    # (name as given, stored name, why)
    ("report.pdf", "report.pdf", "a short name is kept"),
    ("../../etc/passwd", "passwd", "only the last part of a path"),
    ("", "attachment", "no name at all"),
    (".bashrc", ".bashrc", "a dot file has no extension to keep"),
    ("отчёт" * 40 + ".txt", "отчёт" * 14 + "отч.txt", "73 two-byte letters and the extension"),
    ("a" * 300, "a" * 150, "no extension: the first 150 bytes"),
    ("x." + "y" * 40, "x." + "y" * 40, "a 40-character 'extension' is part of the name"),
    ("z" * 300 + "." + "e" * 30, "z" * 150, "an overlong extension is cut with the rest"),
    ("ж" * 200 + ".log", "ж" * 73 + ".log", "a two-byte letter is never split"),
]


@pytest.mark.parametrize(("given_name", "stored", "why"), CASES)
def test_a_stored_name(given_name: str, stored: str, why: str) -> None:
    assert stored_name(given_name) == stored, why


@given(st.text(min_size=1, max_size=400))
def test_every_stored_name_fits_a_file_system(name: str) -> None:
    stored = stored_name(name.replace("\x00", ""))
    assert 0 < len(stored.encode()) <= 150
    assert "/" not in stored
