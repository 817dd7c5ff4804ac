"""The page a person is sent back to: only a page of this site."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from secondline.common.forms import on_this_site


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("/desk/?queue=all", True),
        ("http://testserver/tickets/7/", True),
        ("abc", False),  # redirect() would look for a view of that name
        ("desk/", False),
        ("https://elsewhere.example/", False),
        ("//elsewhere.example/", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_only_a_page_of_this_site(target: str, allowed: bool) -> None:
    assert on_this_site(target, RequestFactory().get("/")) is allowed
