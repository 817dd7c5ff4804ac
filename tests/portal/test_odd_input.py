"""Whatever a query string or a form holds, a page answers (a 200, a redirect, a 400 or a 404),
never a 500: every page without arguments and every page of one ticket, for staff and a
customer, with odd values in every parameter the pages read and in every field of every form
they show."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.factories import file_ticket
from tests.portal.test_russian_everywhere import named_routes

PARAMETERS = [
    *("body", "contract", "csv", "day", "format", "lang", "month", "next", "organization"),
    *("page", "priority", "q", "queue", "relevance", "reply", "sort", "status", "type"),
    *("unassigned", "view", "week"),
]
ODD_VALUES = ["99999999999999999999", "²", "%", "'", "\x00", "abc", "-1", "2026-13"]
SKIPPED = ("static/", "media/", "logout/")  # besides the API and the back office


def pages(ticket_pk: int) -> list[str]:
    """The paths with no argument but a ticket's id (regex routes aside)."""
    found = set()
    for _name, route in named_routes():
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


FIELD_TAGS = {"input", "select", "textarea", "button"}
#: Besides numbers past any key: times and months of years no calendar or time zone holds, and
#: a duration that would carry a time past them.
FORM_VALUES = ["99999999999999999999", "²", "abc", ""]
FORM_VALUES += ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01", "9999-12", "99999999h"]
#: Forms a query string chooses, on top of the pages' own.
FORM_VARIANTS = ["/tickets/new/?type=incident"]


class PostForms(HTMLParser):
    """The POST forms of a page: their action and their fields' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form" and (found.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((found.get("action") or "", self._fields))
        elif self._fields is not None and tag in FIELD_TAGS and (name := found.get("name")):
            self._fields[name] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "member"])
def test_no_form_fails_on_an_odd_value(client: Any, personas: Any, who: str) -> None:
    """Each field of each form on those pages in turn, the others as the page filled them."""
    ticket = file_ticket(personas.member)
    person = getattr(personas, who)
    client.force_login(person)
    client.raise_request_exception = False
    tried: set[tuple[str, tuple[str, ...]]] = set()
    failed = []
    for path in pages(ticket.pk) + FORM_VARIANTS:
        page = client.get(path)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        path = path.split("?")[0]
        found = PostForms()
        found.feed(page.content.decode())
        for action, fields in found.forms:
            action = action or path
            if not action.startswith("/") or action in {"/logout/", "/language/"}:
                continue
            if (action, tuple(sorted(fields))) in tried:
                continue
            tried.add((action, tuple(sorted(fields))))
            for name in set(fields) - {"csrfmiddlewaretoken"}:
                for value in FORM_VALUES:
                    response = client.post(action, {**fields, name: value})
                    if response.status_code >= 500:
                        failed.append(f"{action} {name}={value!r}: {response.status_code}")
                client.force_login(person)  # a form may have signed the person out
    assert tried, "no form found: the crawl is broken"
    assert not failed, failed
