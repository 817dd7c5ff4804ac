"""Merge and link on the ticket page (desk and portal), through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from secondline.tickets import links, merging, services
from secondline.tickets.models import Ticket
from tests.factories import consultation_draft, file_ticket

pytestmark = pytest.mark.django_db


def client_for(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _pair(personas: Any) -> tuple[Ticket, Ticket]:
    original = file_ticket(personas.member, consultation_draft(subject="Price list"))
    duplicate = file_ticket(personas.responsible, consultation_draft(subject="Prices again"))
    return duplicate, original


def test_the_agent_merges_from_the_desk_by_number(personas: Any, sent: Any) -> None:
    duplicate, original = _pair(personas)
    services.add_comment(duplicate, personas.responsible, "Also the VAT column")
    mail.outbox.clear()
    desk = client_for(personas.agent)
    assert "Merge as a duplicate" in desk.get(f"/tickets/{duplicate.pk}/").content.decode()
    with sent():
        response = desk.post(f"/tickets/{duplicate.pk}/merge/", {"original": original.number})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert [m.to for m in mail.outbox] == [[personas.responsible.email]]
    page = desk.get(f"/tickets/{original.pk}/").content.decode()
    assert "Also the VAT column" in page and duplicate.number in page
    assert f"{duplicate.number}: Ticket filed" in page  # its history, marked with its number


def test_the_customer_sees_where_their_duplicate_went(personas: Any) -> None:
    duplicate, original = _pair(personas)
    merging.merge_tickets(duplicate, original, personas.agent)
    page = client_for(personas.responsible).get(f"/tickets/{duplicate.pk}/").content.decode()
    assert f'href="/tickets/{original.pk}/">{original.number}</a>' in page
    assert "Merge as a duplicate" not in page and 'id="reply"' not in page
    russian = client_for(personas.responsible, "ru")
    russian.post("/language/", {"language": "ru"})
    page = russian.get(f"/tickets/{duplicate.pk}/").content.decode()
    assert "Эта заявка объединена с заявкой" in page


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("", "This field is required."),
        ("SL-999999", "No such ticket."),
        ("self", "A ticket cannot be merged into itself."),
        # staff see every ticket: the rule itself answers
        ("other customer", "Both tickets must belong to the same customer organisation."),
    ],
)
def test_a_refused_merge_shows_the_reason_next_to_the_field(
    personas: Any, number: str, error: str
) -> None:
    duplicate, _original = _pair(personas)
    if number == "self":
        number = duplicate.number
    elif number == "other customer":
        number = file_ticket(personas.outsider, consultation_draft()).number
    response = client_for(personas.agent).post(
        f"/tickets/{duplicate.pk}/merge/", {"original": number}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_customers_and_outsiders_cannot_merge_or_link(personas: Any) -> None:
    duplicate, original = _pair(personas)
    for person in (personas.responsible, personas.outsider):
        client = client_for(person)
        merge = client.post(f"/tickets/{duplicate.pk}/merge/", {"original": original.number})
        link = client.post(f"/tickets/{duplicate.pk}/links/", {"ticket": original.number})
        assert merge.status_code == link.status_code == 404
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None
    assert not links.related_tickets(personas.agent, duplicate).exists()


def test_links_show_on_both_pages_and_can_be_removed(personas: Any) -> None:
    one, two = _pair(personas)
    desk = client_for(personas.agent)
    response = desk.post(f"/tickets/{one.pk}/links/", {"ticket": str(two.pk)})
    assert response.status_code == 302
    for ticket, other in ((one, two), (two, one)):
        page = client_for(personas.member).get(f"/tickets/{ticket.pk}/").content.decode()
        assert f'href="/tickets/{other.pk}/">{other.number}</a>' in page
        assert "Link a related ticket" not in page  # customers only see the links
    desk.post(f"/tickets/{two.pk}/links/", {"remove": str(one.pk)})
    assert not links.related_tickets(personas.agent, one).exists()
    page = desk.get(f"/tickets/{one.pk}/").content.decode()
    assert f"Link to {two.number} removed" in page
