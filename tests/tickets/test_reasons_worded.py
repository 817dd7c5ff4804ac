"""What the system writes on a ticket reads in each reader's language: a fixed reason is stored
as its English text and worded when read (TicketEvent.shown_reason)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from secondline.releases import events as release_events
from secondline.tickets import services
from secondline.tickets.choices import Status
from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def test_a_fixed_reason_reads_in_the_readers_language(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.change_status(
        ticket, personas.agent, Status.WAITING_FOR_CUSTOMER, reason="Send the log"
    )
    with translation.override("ru"):  # a Russian customer answers: the reason is stored as is
        services.add_comment(ticket, personas.member, "Вот журнал")
    moved = ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).order_by("pk")
    asked, answered = moved[0], moved[1]
    assert answered.reason == "The customer answered."
    with translation.override("ru"):
        assert answered.shown_reason == "Заказчик ответил."
        assert asked.shown_reason == "Send the log"  # a person's words stay as written
    with translation.override("en"):
        assert answered.shown_reason == "The customer answered."


def test_the_duty_alerts_reason_reads_in_the_readers_language(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    with translation.override("en"):
        event = release_events.duty_alerted(ticket, 0, "Engineer One")
    with translation.override("ru"):
        assert event.shown_reason != "Engineer on duty alerted."
        assert event.shown_reason
