"""Ids typed by people: only plain numbers a primary key can hold name a row."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondline.accounts.models import Organization
from secondline.common.ids import MAX_ID, row_id, row_named


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("²", None),  # str.isdigit says yes, int() says no
        ("٣", None),  # an Arabic-Indic three: int() takes it, a URL should not
        (" 7", None),
        ("7.0", None),
    ],
)
def test_a_row_id_is_a_plain_positive_number_a_key_can_hold(
    text: str | None, expected: int | None
) -> None:
    assert row_id(text) == expected


NUMBERS = st.from_regex(r"-?0*[0-9]{1,20}", fullmatch=True)  # near MAX_ID's 19 digits too


@given(st.one_of(NUMBERS, st.text(max_size=30)))
def test_any_text_gives_an_id_in_range_or_none_and_never_raises(text: str) -> None:
    found = row_id(text)
    assert found is None or (1 <= found <= MAX_ID and str(found) == text.lstrip("0"))
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
        assert found == int(text)


@pytest.mark.django_db
def test_the_row_named_by_a_typed_id(personas: Any, django_assert_num_queries: Any) -> None:
    customers = Organization.objects.all()
    assert row_named(customers, str(personas.customer.pk)) == personas.customer
    assert row_named(customers, str(MAX_ID)) is None
    with django_assert_num_queries(0):  # an id that names nothing is not looked for
        assert row_named(customers, "99999999999999999999") is None
        assert row_named(customers, "²") is None
        assert row_named(customers, None) is None
