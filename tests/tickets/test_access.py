"""The one-ticket access check agrees with the queryset every list and lookup uses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from secondline.tickets.access import can_see_ticket, tickets_visible_to
from tests.factories import UserFactory, file_ticket


def test_can_see_ticket_agrees_with_tickets_visible_to_for_everyone(personas: Any) -> None:
    tickets = [file_ticket(personas.member), file_ticket(personas.outsider)]
    retired = UserFactory(organization=personas.customer, is_active=False)
    orphan = UserFactory(organization=None)
    people = [
        personas.agent,
        personas.manager,
        personas.responsible,
        personas.member,
        personas.outsider,
        retired,
        orphan,
        AnonymousUser(),
    ]
    for person in people:
        visible = set(tickets_visible_to(person).values_list("pk", flat=True))
        for ticket in tickets:
            assert can_see_ticket(person, ticket) == (ticket.pk in visible), (person, ticket)
    assert can_see_ticket(personas.member, tickets[0])
    assert not can_see_ticket(personas.member, tickets[1])
