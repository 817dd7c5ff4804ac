"""Nothing is dropped silently: a duplicate is the same Message-ID and the same content; any
other message with a Message-ID seen before is routed as usual and flagged to the agent."""

from __future__ import annotations

import pytest

from secondline.mail import batches, intake
from secondline.mail.fingerprint import fingerprint
from secondline.mail.models import InboundMessage
from secondline.tickets.models import Ticket, TicketEvent
from tests.mail.test_intake import plain

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db


def relayed(raw: bytes) -> bytes:
    """The same message as another route delivers it: trace fields on top, LF line ends."""
    trace = b"Return-Path: <x@y>\r\nReceived: from relay.example\r\n\tby mx.example; today\r\n"
    return (trace + raw).replace(b"\r\n", b"\n")


def test_another_route_changes_nothing_but_the_trace_fields_and_line_ends() -> None:
    raw = plain("a@customer.example", Message_ID="<one@customer.example>")
    assert fingerprint(relayed(raw)) == fingerprint(raw)
    assert fingerprint(raw.replace(b"How do", b"Why do")) != fingerprint(raw)
    assert fingerprint(raw.replace(b"a@customer", b"b@customer")) != fingerprint(raw)


def test_the_same_message_by_another_route_is_a_duplicate(member) -> None:
    raw = plain(member.email, Message_ID="<same@customer.example>")
    first = intake.ingest_message(raw)
    again = intake.ingest_message(relayed(raw))
    assert again.status == Status.DUPLICATE
    assert again.message.duplicate_of == first.message
    assert f"#{first.message.pk}" in again.message.error
    assert Ticket.objects.count() == 1


def test_a_message_id_used_again_with_other_content_is_filed_and_flagged(member) -> None:
    first = intake.ingest_message(plain(member.email, Message_ID="<reused@customer.example>"))
    other = intake.ingest_message(
        plain(member.email, body="A different problem", Message_ID="<reused@customer.example>")
    )
    assert (first.status, other.status) == (Status.TICKET, Status.TICKET)
    assert other.message.collides_with == first.message
    ticket = other.message.result_ticket
    assert ticket != first.message.result_ticket
    assert ticket.description.startswith("A different problem")
    note = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.OTHER)
    assert f"#{first.message.pk}" in note.reason and not note.is_public
    assert not TicketEvent.objects.filter(
        ticket=first.message.result_ticket, kind=TicketEvent.Kind.OTHER
    ).exists()


def test_another_sender_with_a_known_message_id_is_not_a_duplicate(member) -> None:
    intake.ingest_message(plain(member.email, Message_ID="<known@customer.example>"))
    stranger = plain("attacker@evil.example", Message_ID="<known@customer.example>")
    outcome = intake.ingest_message(stranger)
    assert outcome.status == Status.QUARANTINED  # an unknown sender, quarantined as such
    assert outcome.message.collides_with is not None
    assert "not a known contact" in outcome.message.error


def test_the_importer_applies_the_same_rule(member) -> None:
    raw = plain(member.email, Message_ID="<batch@customer.example>")
    other = plain(member.email, body="Other", Message_ID="<batch@customer.example>")
    items = [(raw, "import:a"), (other, "import:b"), (relayed(raw), "import:c"), (raw, "import:d")]
    statuses = [outcome.status for outcome in batches.ingest_many(items)]
    assert statuses == [Status.TICKET, Status.TICKET, Status.DUPLICATE, Status.DUPLICATE]
    assert Ticket.objects.count() == 2
    assert InboundMessage.objects.count() == 3  # identical bytes are stored once
    second = InboundMessage.objects.get(source="import:b")
    assert second.collides_with is not None


def test_a_message_without_message_id_is_a_duplicate_only_of_the_same_bytes(member) -> None:
    raw = plain(member.email)
    assert intake.ingest_message(raw).status == Status.TICKET
    assert intake.ingest_message(relayed(raw)).status == Status.TICKET
    assert intake.ingest_message(raw).status == Status.DUPLICATE
