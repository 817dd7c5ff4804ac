"""The sender is the address (issue 15, Build 1): a display name never decides who wrote."""

from __future__ import annotations

import pytest
from django.urls import reverse

from secondline.mail import intake
from secondline.mail.models import InboundMessage
from secondline.mail.parse import parse
from secondline.tickets.models import Ticket, TicketEvent

Status = InboundMessage.Status


def message(from_header: str, subject: str = "[Incident][Urgent] Everything is down") -> bytes:
    return (
        f"From: {from_header}\r\n"
        "To: support@secondline.example\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <spoof-1@evil.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Please restore the service now.\r\n"
    ).encode()


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?Q?{local}=40{domain}?=",  # the address hidden in an encoded word
        "{local}@{domain}",  # written as it is, unquoted
        '"{local}@{domain}"',
    ],
)
def test_an_address_in_the_display_name_never_files_as_that_contact(member, name) -> None:
    local, domain = member.email.split("@")
    raw = message(f"{name.format(local=local, domain=domain)} <attacker@evil.example>")
    outcome = intake.ingest_message(raw)
    assert outcome.message.sender == "attacker@evil.example"
    assert outcome.status == Status.QUARANTINED
    assert not Ticket.objects.filter(requester=member).exists()
    assert parse(raw).name_claims == member.email.lower()


def test_the_quarantine_pages_warn_about_the_name(member, agent, admin_client) -> None:
    local, domain = member.email.split("@")
    raw = message(f"=?utf-8?Q?{local}=40{domain}?= <attacker@evil.example>")
    outcome = intake.ingest_message(raw)
    url = reverse("admin:mail_inboundmessage_change", args=[outcome.message.pk])
    back_office = admin_client.get(url).content.decode()
    assert "Check the sender" in back_office and member.email.lower() in back_office
    admin_client.force_login(agent)  # the agent desk's quarantine page
    desk = admin_client.get(f"/desk/quarantine/{outcome.message.pk}/").content.decode()
    assert "Check the sender" in desk and member.email.lower() in desk


def test_a_contact_with_another_address_in_the_name_is_filed_and_flagged(member) -> None:
    raw = message(f"old-address@customer.example <{member.email}>", subject="Price lists")
    ticket = intake.ingest_message(raw).message.result_ticket
    assert ticket.requester == member
    note = ticket.events.get(kind=TicketEvent.Kind.OTHER, is_public=False)
    assert "old-address@customer.example" in note.shown_reason


def test_an_ordinary_name_is_not_flagged(member) -> None:
    ticket = intake.ingest_message(
        message(f"=?utf-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <{member.email}>")
    ).message.result_ticket
    assert not ticket.events.filter(kind=TicketEvent.Kind.OTHER).exists()
    parsed = parse(message(f"=?utf-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= <{member.email}>"))
    assert parsed.sender_name == "Иван Петров" and parsed.name_claims == ""


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("=?utf-8?Q?Petrov=2C_Ivan?= <ivan@customer.example>", "Petrov, Ivan"),
        ("=?utf-8?B?0J/QtdGC0YDQvtCyLCDQmNCy0LDQvQ==?= <ivan@customer.example>", "Петров, Иван"),
        ('"Petrov, Ivan" <ivan@customer.example>', "Petrov, Ivan"),
    ],
)
def test_a_comma_in_an_encoded_name_does_not_cut_the_address(header, name) -> None:
    parsed = parse(message(header))
    assert (parsed.sender, parsed.sender_name) == ("ivan@customer.example", name)
    assert parsed.envelope is not None and parsed.envelope.sender == "ivan@customer.example"


@pytest.mark.parametrize(
    ("header", "sender", "name"),
    [
        (
            "Mikel Lindsaar <mikel@customer.example>, jack@customer.example",
            "mikel",
            "Mikel Lindsaar",
        ),
        ("<daemon@customer.example> (Mail Delivery System)", "daemon", "Mail Delivery System"),
        ("ivan@customer.example (Ivan Petrov)", "ivan", "Ivan Petrov"),
    ],
)
def test_the_first_mailbox_of_a_from_header_is_the_sender(header, sender, name) -> None:
    parsed = parse(message(header))
    assert (parsed.sender, parsed.sender_name) == (f"{sender}@customer.example", name)
    assert parsed.name_claims == ""
