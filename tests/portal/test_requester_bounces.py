"""The agent's ticket page says on the requester's line when emails to them bounce, so that
agents phone them instead (docs/email.md, *An address that bounces for good*)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from secondline.accounts.models import User
from secondline.tickets.models import Ticket
from tests.factories import file_ticket
from tests.portal.test_ticket_page_queries import AGENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db

SINCE = dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)
REASON = "550 5.1.1 <ivan@volga.example>: User unknown"


def marked_ticket(personas: Any) -> Ticket:
    ticket = file_ticket(personas.member)
    User.objects.filter(pk=personas.member.pk).update(
        email_undeliverable_since=SINCE, email_undeliverable_reason=REASON
    )
    return ticket


def page_of(person: User, ticket: Ticket, language: str = "en") -> str:
    client = Client(headers={"accept-language": language})
    User.objects.filter(pk=person.pk).update(language=language)
    client.force_login(person)
    return client.get(f"/tickets/{ticket.pk}/").content.decode()


def test_it_shows_the_agent_that_emails_to_the_requester_bounce(personas: Any) -> None:
    page = page_of(personas.agent, marked_ticket(personas))
    assert 'id="requester-bounces"' in page
    assert (
        "Emails to this person bounce: 550 5.1.1 &lt;ivan@volga.example&gt;: User unknown, "
        "since 3 Mar 2026" in page
    )


def test_it_says_so_in_russian(personas: Any) -> None:
    page = page_of(personas.agent, marked_ticket(personas), "ru")
    assert "Письма этому человеку не доходят: 550 5.1.1" in page


def test_it_shows_nothing_without_a_mark(personas: Any) -> None:
    page = page_of(personas.agent, file_ticket(personas.member))
    assert 'id="requester-bounces"' not in page


def test_the_customer_does_not_see_the_mark(personas: Any) -> None:
    page = page_of(personas.member, marked_ticket(personas))
    assert 'id="requester-bounces"' not in page and "5.1.1" not in page


def test_the_mark_comes_with_the_requester_without_a_query_more(
    personas: Any, django_assert_max_num_queries: Any
) -> None:
    ticket = marked_ticket(personas)
    client = Client()
    client.force_login(personas.agent)
    client.get(f"/tickets/{ticket.pk}/")  # warm the caches
    with translation.override("en"), django_assert_max_num_queries(AGENT_PAGE_QUERIES):
        page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="requester-bounces"' in page
