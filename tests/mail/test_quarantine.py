"""What agents do with the quarantine: retry, or file for a chosen contact (mail.quarantine)."""

from __future__ import annotations

import pytest

from secondline.mail import intake, quarantine
from secondline.mail.models import InboundMessage
from secondline.tickets.choices import TicketType
from secondline.tickets.models import TicketEvent
from tests.factories import UserFactory
from tests.mail.conftest import eml
from tests.mail.test_intake import plain

Status = InboundMessage.Status


def test_retry_files_the_ticket_once_the_sender_is_a_contact(personas) -> None:
    outcome = intake.ingest_message(plain("new.person@volga.example"))
    assert outcome.status == Status.QUARANTINED
    UserFactory(email="new.person@volga.example", organization=personas.customer)
    assert quarantine.retry(outcome.message) == Status.TICKET
    assert outcome.message.result_ticket.requester.email == "new.person@volga.example"


def test_an_agent_turns_a_quarantined_message_into_a_ticket(member, agent) -> None:
    outcome = intake.ingest_message(eml("attachments.eml", sender="someone@gmail.example"))
    ticket = quarantine.turn_into_ticket(outcome.message, member, agent, TicketType.INCIDENT)
    outcome.message.refresh_from_db()
    assert outcome.message.status == Status.TICKET
    assert ticket.requester == member and ticket.type == TicketType.INCIDENT
    assert ticket.attachments.count() == 3
    assert ticket.events.filter(kind=TicketEvent.Kind.OTHER, is_public=False).exists()


def test_only_staff_turn_messages_into_tickets(member) -> None:
    from secondline.accounts.access import AccessDenied

    outcome = intake.ingest_message(plain("someone@gmail.example"))
    with pytest.raises(AccessDenied):
        quarantine.turn_into_ticket(outcome.message, member, member)
