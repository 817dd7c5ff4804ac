"""The ticket page's queries: a fixed number whatever the ticket holds (comments, their files,
events, watchers, people who could watch)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from secondline.accounts.models import User
from secondline.tickets import attachments, services, watchers
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket
from tests.factories import UserFactory, file_ticket

pytestmark = pytest.mark.django_db

#: An agent's page: session and user (2), the ticket (1), conversation, files and history (3),
#: the SLA clock's status moves (1), out-of-hours requests and work logs (2), merges and links
#: (2), canned replies and macros (2), the header's two counts (2), the user's organisation (1),
#: the assignees (1), the decline reasons (1), the watchers and who could watch (2).
AGENT_PAGE_QUERIES = 20


def converse(ticket: Ticket, personas: Any, rounds: int) -> None:
    """``rounds`` of an answer with a file, a customer's reply and an internal note, a new
    watcher and a new person on each side who could watch."""
    for n in range(rounds):
        services.add_comment(
            ticket,
            personas.agent,
            f"Answer {n}",
            files=[attachments.UploadedFile(f"trace-{n}.log", SimpleUploadedFile("x", b"x"), 1)],
        )
        services.add_comment(ticket, personas.member, f"Question {n}")
        services.add_comment(ticket, personas.agent, f"Note {n}", public=False)
        attachments.add_attachment(
            ticket,
            personas.member,
            attachments.UploadedFile(f"screen-{n}.png", SimpleUploadedFile("x", b"x"), 1),
        )
        watchers.add_watcher(
            ticket, personas.agent, UserFactory(organization=personas.customer, first_name=f"W{n}")
        )
        UserFactory(organization=personas.contractor, role=User.Role.AGENT)
        UserFactory(organization=personas.customer)


def test_it_reads_the_ticket_page_in_a_fixed_number_of_queries(
    personas: Any, django_assert_num_queries: Any
) -> None:
    ticket = file_ticket(personas.member)
    services.assign(ticket, personas.agent, personas.agent)
    services.change_status(ticket, personas.agent, Status.IN_PROGRESS)
    agent = Client()
    agent.force_login(personas.agent)
    url = f"/tickets/{ticket.pk}/"
    agent.get(url)  # warm the caches (content types, the SLA plan and calendar)

    for rounds in (1, 5):
        converse(ticket, personas, rounds)
        with django_assert_num_queries(AGENT_PAGE_QUERIES):
            page = agent.get(url).content.decode()
        assert "Answer 0" in page and "trace-0.log" in page and "Note 0" in page
        assert 'id="id_watcher"' in page


def test_it_offers_the_people_who_could_watch_and_keeps_a_refusal_by_its_select(
    personas: Any,
) -> None:
    ticket = file_ticket(personas.member)
    agent = Client()
    agent.force_login(personas.agent)
    page = agent.post(
        f"/tickets/{ticket.pk}/watchers/", {"watcher": personas.outsider.pk}
    ).content.decode()
    select = page[
        page.index('<select name="watcher"') : page.index(
            "</select>", page.index('<select name="watcher"')
        )
    ]
    assert f'<option value="{personas.member.pk}">{personas.member}</option>' in select
    assert f'<option value="{personas.manager.pk}">{personas.manager}</option>' in select
    assert f'value="{personas.outsider.pk}"' not in select  # another customer's person
    assert 'aria-invalid="true" aria-describedby="id_watcher_error"' in select
    assert '<ul class="errorlist" id="id_watcher_error">' in page
