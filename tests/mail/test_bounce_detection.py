"""A bounce is a machine's report, known by its shape or its sender; a customer whose subject
only sounds like one ("Заказ не доставлен") gets a ticket like anyone else."""

from __future__ import annotations

import pytest

from secondline.mail import intake
from secondline.mail.models import InboundMessage, Notification
from secondline.mail.parse import parse
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket
from tests.mail.test_intake import plain

Status = InboundMessage.Status

CUSTOMER_SUBJECTS = [
    "Товар возвращен, а деньги нет",
    "Платёж возвращен",
    "Заказ не доставлен",
    "Не удалось доставить груз в Казань",
    "Недоставленные заказы за март",
    "Delivery report shows wrong totals",
    "Undelivered shipments report is empty",
    "Returned mail labels are printed twice",
]


@pytest.mark.parametrize("subject", CUSTOMER_SUBJECTS)
def test_it_files_a_customers_message_whose_subject_sounds_like_a_bounce(member, subject) -> None:
    outcome = intake.ingest_message(plain(member.email, subject=subject, body="Помогите"))
    assert outcome.status == Status.TICKET, outcome.message.error
    assert outcome.message.result_ticket.subject == subject


def test_it_files_a_customers_reply_about_an_undelivered_order(member, agent, sent) -> None:
    from secondline.tickets import services

    ticket = file_ticket(member)
    with sent():
        services.add_comment(ticket, agent, "Did the shipment arrive?")
    notification = Notification.objects.filter(ticket=ticket, recipient=member).latest("pk")
    reply = plain(
        member.email,
        subject=f"Re: [{ticket.number}] Товар не доставлен",
        body="Нет, всё ещё не доставлен.",
        In_Reply_To=notification.message_id,
    )
    outcome = intake.ingest_message(reply)
    assert outcome.status == Status.COMMENT, outcome.message.error
    assert outcome.message.result_comment.body.startswith("Нет, всё ещё не доставлен.")


def test_it_files_a_bounce_a_customer_forwards_with_their_question(member) -> None:
    """A person forwarding a bounce is asking for help with it (a real shape: sisimai's
    lhost-sendmail-14), not a mail server reporting."""
    body = (
        "Our invoices to this client bounce, why?\n\n"
        "Begin forwarded message:\n\n"
        "> From: Mail Delivery Subsystem <MAILER-DAEMON>\n"
        "> Subject: Returned mail: see transcript for details\n"
        ">\n> ----- The following addresses had permanent fatal errors -----\n"
    )
    raw = plain(member.email, subject="Fwd: Returned mail: see transcript for details", body=body)
    assert intake.ingest_message(raw).status == Status.TICKET


QUOTED_ORIGINAL = "\r\n".join(
    [
        "--- Below this line is a copy of the message.",
        "",
        "From: SecondLine Support <support@secondline.example>",
        "Subject: [{number}] Ticket received",
        "Message-ID: {notification_id}",
    ]
)


def dsn_from(sender: str, subject: str) -> str:
    """An RFC 3464 report (Exchange's NDR shape), from ``sender``."""
    return "\r\n".join(
        [
            f"From: {sender}",
            "To: support@secondline.example",
            f"Subject: {subject}",
            "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
            "",
            "--b1",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "Delivery has failed to these recipients or groups.",
            "--b1",
            "Content-Type: message/delivery-status",
            "",
            "Reporting-MTA: dns; mx.customer.example",
            "",
            "Final-Recipient: rfc822; {recipient}",
            "Action: failed",
            "Status: 5.1.1",
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
            "",
            "--b1",
            "Content-Type: text/rfc822-headers",
            "",
            "From: SecondLine Support <support@secondline.example>",
            "Subject: [{number}] Ticket received",
            "Message-ID: {notification_id}",
            "",
            "--b1--",
            "",
        ]
    )


def plain_bounce(headers: list[str]) -> str:
    """A plain-text bounce with the original quoted in its body (qmail, Exim, DMA, Sendmail)."""
    body = ["", "Sorry, I couldn't deliver your message to {recipient}.", "", QUOTED_ORIGINAL, ""]
    return "\r\n".join([*headers, "To: support@secondline.example", *body])


REAL_BOUNCES = {
    # RFC 3464, from a sender that is no daemon: Exchange Online's system mailbox
    "exchange": dsn_from(
        "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@customer.example>",
        "Undeliverable: [{number}] Ticket received",
    ),
    # the DSN's shape alone, whatever the subject says
    "postfix": dsn_from("MAILER-DAEMON@mx.customer.example (Mail Delivery System)", "Notice"),
    # qmail: plain text, from MAILER-DAEMON
    "qmail": plain_bounce(["From: MAILER-DAEMON@mx.customer.example", "Subject: failure notice"]),
    # Sendmail's From has no domain, so no address is read from it
    "sendmail": plain_bounce(
        [
            "From: Mail Delivery Subsystem <MAILER-DAEMON>",
            "Subject: Returned mail: see transcript for details",
        ]
    ),
    # DragonFly Mail Agent writes an empty address
    "dragonfly": plain_bounce(["From: MAILER-DAEMON <>", "Subject: Mail delivery failed"]),
    # any sender, but the envelope sender was null and the subject a bounce's (Verizon)
    "null return path": plain_bounce(
        [
            "Return-Path: <>",
            "From: sysadmin@mms.customer.example",
            "Subject: Undeliverable Message",
        ]
    ),
    # a Russian MTA's wording, with the null return path
    "russian": plain_bounce(
        [
            "Return-Path: <>",
            "From: robot@mail.customer.example",
            "Subject: Письмо не доставлено",
        ]
    ),
}


@pytest.mark.parametrize("template", REAL_BOUNCES.values(), ids=REAL_BOUNCES.keys())
def test_it_still_records_a_real_bounce_on_its_ticket(member, sent, template) -> None:
    with sent():
        ticket = file_ticket(member)
    notification = Notification.objects.get(ticket=ticket, recipient=member)
    raw = template.format(
        recipient=member.email, number=ticket.number, notification_id=notification.message_id
    ).encode()
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.DELIVERY_FAILED, outcome.message.error
    assert ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED).exists()
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "is_bounce"),
    [
        ({}, False),  # the subject alone
        ({"Return_Path": "<>"}, True),  # with a null envelope sender
        ({"Return_Path": "<someone@customer.example>"}, False),
        ({"Auto_Submitted": "auto-replied"}, False),  # automatic, not a delivery report
    ],
)
def test_a_bounce_subject_counts_only_beside_a_null_return_path(extra, is_bounce) -> None:
    raw = plain("someone@customer.example", subject="Undelivered Mail Returned to Sender", **extra)
    assert (parse(raw).bounce is not None) == is_bounce


def test_a_read_receipt_is_no_bounce() -> None:
    raw = "\r\n".join(
        [
            "From: MAILER-DAEMON@mx.customer.example",
            "Subject: Read: [SL-1] Ticket received",
            'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"',
            "",
            "--b",
            "Content-Type: message/disposition-notification",
            "",
            "Disposition: manual-action/MDN-sent-manually; displayed",
            "--b--",
            "",
        ]
    ).encode()
    assert parse(raw).bounce is None
