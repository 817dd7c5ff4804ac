"""``/tickets/new/fields/`` is the fragment htmx swaps in when the type changes; opened
directly (a link copied, a reload) it is the whole new-ticket page, and the contractor's staff,
who cannot file, get what the new-ticket page tells them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_opened_directly_it_is_the_whole_page_and_for_htmx_only_the_fields(
    personas: Any,
) -> None:
    client = client_for(personas.member)
    response = client.get("/tickets/new/fields/?type=incident")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" in page
    assert 'name="requested_priority"' in page and 'action="/tickets/new/"' in page
    response = client.get("/tickets/new/fields/?type=incident", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and 'name="requested_priority"' in page
    assert response["HX-Replace-Url"] == "/tickets/new/?type=incident"


@pytest.mark.parametrize("htmx", [{}, {"HX-Request": "true"}])
def test_the_staff_get_what_the_new_ticket_page_tells_them(
    personas: Any, htmx: dict[str, str]
) -> None:
    client = client_for(personas.agent)
    filing = client.get("/tickets/new/?type=incident")
    fields = client.get("/tickets/new/fields/?type=incident", headers=htmx)
    assert filing.status_code == fields.status_code == 403
    assert 'name="requested_priority"' not in fields.content.decode()
    assert [t.name for t in fields.templates][:1] == ["portal/cannot_file.html"]
