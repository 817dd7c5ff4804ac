"""The staff's forms on the ticket page (priority, assignment, declining) do not exist for a
customer: a 404 before the form is read, as for merging and the phone call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db

STAFF_FORMS = [
    ("priority", {"priority": "low", "reason": "not so urgent"}),
    ("assign", {"assignee": "me"}),
    ("assign", {"assignee": ""}),
    ("decline", {"reason": "out_of_scope", "note": "no"}),
    ("decline", {}),
]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("person", ["member", "responsible"])
@pytest.mark.parametrize(("form", "data"), STAFF_FORMS)
def test_a_customer_posting_a_staff_form_gets_404(
    personas: Any, person: str, form: str, data: dict[str, str]
) -> None:
    ticket = file_ticket(personas.member)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = client_for(getattr(personas, person)).post(f"/tickets/{ticket.pk}/{form}/", data)
    assert response.status_code == 404
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
