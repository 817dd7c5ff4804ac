"""Whatever a query string holds, a page answers (a 200, a redirect, a 400 or a 404), never a
500: every page without arguments and every page of one ticket, for staff and a customer, with
odd values in every parameter the pages read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import file_ticket

PARAMETERS = [
    *("body", "contract", "csv", "day", "format", "lang", "month", "next", "organization"),
    *("page", "priority", "q", "queue", "relevance", "reply", "sort", "status", "type"),
    *("unassigned", "view", "week"),
]
ODD_VALUES = ["99999999999999999999", "²", "%", "'", "\x00", "abc", "-1", "2026-13"]
SKIPPED = ("admin/", "api/", "static/", "media/", "logout/")


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route


def pages(ticket_pk: int) -> list[str]:
    """The paths with no argument but a ticket's id (regex routes aside)."""
    found = set()
    for route in _routes(get_resolver()):
        route = route.replace("<int:pk>", str(ticket_pk))
        route = route.replace("<int:ticket_id>", str(ticket_pk))
        route = route.replace("<int:ticket_pk>", str(ticket_pk))
        if route.startswith(SKIPPED) or any(c in route for c in "<(^$"):
            continue
        found.add("/" + route)
    return sorted(found)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "member"])
def test_no_page_fails_on_an_odd_query_string(client: Any, personas: Any, who: str) -> None:
    ticket = file_ticket(personas.member)
    client.force_login(getattr(personas, who))
    client.raise_request_exception = False  # every failure listed, not only the first
    failed = []
    for path in pages(ticket.pk):
        for value in ODD_VALUES:
            response = client.get(path, dict.fromkeys(PARAMETERS, value))
            if response.status_code >= 500:
                failed.append(f"{path} with {value!r}: {response.status_code}")
    assert not failed, failed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "query"),
    [
        ("agent", "/desk/", {"organization": "99999999999999999999"}),  # past SQLite's integers
        ("agent", "/desk/", {"organization": "²"}),  # a digit to str.isdigit, not to int()
        ("agent", "/desk/", {"q": "%"}),  # no word to search: sorted by a rank it did not have
        ("agent", "/desk/", {"q": "'", "sort": "relevance"}),
        ("member", "/tickets/", {"organization": "99999999999999999999"}),
        ("member", "/tickets/", {"q": "%"}),
        ("member", "/support/", {"contract": "²"}),
    ],
)
def test_the_lists_ignore_what_cannot_name_a_row_or_a_word(
    client: Any, personas: Any, who: str, path: str, query: dict[str, str]
) -> None:
    file_ticket(personas.member)
    client.force_login(getattr(personas, who))
    assert client.get(path, query).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tickets/{pk}/watchers/", "/tickets/{pk}/links/"])
@pytest.mark.parametrize("given", ["99999999999999999999", "²", "abc"])
def test_removing_an_id_that_names_no_row_is_a_redirect_not_a_500(
    client: Any, personas: Any, path: str, given: str
) -> None:
    ticket = file_ticket(personas.member)
    client.force_login(personas.agent)
    response = client.post(path.format(pk=ticket.pk), {"remove": given})
    assert response.status_code == 302
