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
    assert f"#{first.message.pk}" in note.shown_reason and not note.is_public
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


# -- what was not filed is in the quarantine, where an agent can retry or file it ------------


def not_filed(member) -> dict[str, InboundMessage]:
    """A duplicate, an out-of-office reply to our notification, a quarantined stranger."""
    raw = plain(member.email, Message_ID="<copy@customer.example>")
    ticket = intake.ingest_message(raw).message.result_ticket
    duplicate = intake.ingest_message(relayed(raw)).message
    away = plain(
        member.email,
        subject=f"Out of office: [{ticket.number}]",
        Auto_Submitted="auto-replied",
        Message_ID="<away@customer.example>",
    )
    ignored = intake.ingest_message(away).message
    stranger = intake.ingest_message(plain("stranger@elsewhere.example")).message
    assert [m.status for m in (duplicate, ignored, stranger)] == [
        Status.DUPLICATE,
        Status.IGNORED,
        Status.QUARANTINED,
    ]
    return {"duplicate": duplicate, "ignored": ignored, "quarantined": stranger}


def test_the_desk_quarantine_shows_each_kind_of_message_not_filed_with_its_reason(
    member, agent, client
) -> None:
    messages = not_filed(member)
    client.force_login(agent)
    for status, message in messages.items():
        page = client.get(f"/desk/quarantine/?status={status}").content.decode()
        assert f"/desk/quarantine/{message.pk}/" in page
        assert message.error.split(":")[0][:40] in page
        others = [m for m in messages.values() if m != message]
        assert all(f'/desk/quarantine/{m.pk}/"' not in page for m in others)
        detail = client.get(f"/desk/quarantine/{message.pk}/").content.decode()
        assert f"/desk/quarantine/{message.pk}/retry/" in detail  # an agent can act on it
    assert (
        f"/desk/quarantine/{messages['quarantined'].pk}/"
        in client.get("/desk/quarantine/?status=nonsense").content.decode()
    )


def test_an_agent_can_file_a_duplicate_or_an_ignored_message_after_all(member, agent) -> None:
    from secondline.mail import quarantine

    messages = not_filed(member)
    assert quarantine.retry(messages["duplicate"]) == Status.TICKET
    ticket = quarantine.turn_into_ticket(messages["ignored"], member, agent)
    assert ticket.requester == member
    assert Ticket.objects.count() == 3


def test_the_flag_of_a_reused_message_id_is_on_the_quarantine_page(member, agent, client) -> None:
    first = intake.ingest_message(plain(member.email, Message_ID="<r@customer.example>")).message
    stranger = plain("attacker@evil.example", Message_ID="<r@customer.example>")
    message = intake.ingest_message(stranger).message
    client.force_login(agent)
    page = client.get(f"/desk/quarantine/{message.pk}/").content.decode()
    assert f"Message #{first.pk} had the same Message-ID and other content" in page
