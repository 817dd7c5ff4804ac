"""A customer contact with a name, an address and a phone that appear all over their ticket."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.utils.translation import gettext_noop

from secondline.mail.models import InboundMessage
from secondline.tickets import events, services
from secondline.tickets.reasons import Reason
from tests.factories import consultation_draft, file_ticket


def inbound(raw: bytes, sender: str, ticket: Any = None, **fields: Any) -> InboundMessage:
    return InboundMessage.objects.create(
        raw=raw,
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        sender=sender,
        subject=fields.pop("subject", "Shipments"),
        source="test",
        status=fields.pop("status", InboundMessage.Status.COMMENT),
        result_ticket=ticket,
        **fields,
    )


@pytest.fixture
def marina(personas: Any) -> Any:
    member = personas.member
    member.first_name, member.last_name = "Marina", "Orlova"
    member.email, member.phone = "m.orlova@volga.example", "+7 (916) 123-45-67"
    member.save()
    return member


@pytest.fixture
def her_ticket(marina: Any, personas: Any) -> Any:
    draft = consultation_draft(
        description="Call Marina Orlova at +7 916 123 45 67 or write to m.orlova@volga.example."
    )
    ticket = file_ticket(marina, draft)
    services.add_comment(ticket, personas.agent, "Hello Marina Orlova, we are on it.")
    services.add_comment(ticket, marina, "Thanks.\n--\nOrlova Marina, +79161234567")
    services.add_comment(ticket, personas.responsible, "I am the responsible one.")
    filed_from = gettext_noop("Filed from quarantined email #%(id)s from %(sender)s.")
    events.record(  # a system reason that names her among its figures
        ticket,
        personas.agent,
        "other",
        "email",
        reason=Reason(filed_from, {"id": 7, "sender": marina.email}),
    )
    return ticket
