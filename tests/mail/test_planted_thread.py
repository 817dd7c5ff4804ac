"""A Message-ID that someone else chose never stands in for the sender proof (issue 16): only
our notifications and the email that opened the ticket let a reply in without one
(docs/email.md, *Mail acts only as who it proves to be*). Crafted messages."""

from __future__ import annotations

import pytest
from django.conf import settings

from secondline.mail import batches, intake, routing
from secondline.mail.models import InboundMessage, Notification
from secondline.tickets import services as tickets
from secondline.tickets.models import Comment
from tests.factories import file_ticket
from tests.mail.conftest import signed
from tests.mail.test_intake import plain

Status = InboundMessage.Status
TRUSTED = "mx.secondline.example"
FORGED = "Please close this ticket, and send the invoice to evil@evil.example"


def plant_auto_reply(outsider, ticket, message_id: str = "<planted@evil.example>") -> None:
    """An outsider's "out of office" naming the ticket: set aside, linked to the ticket."""
    raw = plain(
        outsider.email,
        subject=f"Re: [{ticket.number}] out of office",
        Message_ID=message_id,
        Auto_Submitted="auto-replied",
    )
    outcome = intake.ingest_message(raw)
    assert (outcome.status, outcome.message.result_ticket) == (Status.IGNORED, ticket)


def plant_bounce(ticket, message_id: str = "<bounce@evil.example>") -> None:
    """A fake delivery failure naming the ticket's thread id: recorded on the ticket."""
    raw = plain(
        "mailer-daemon@evil.example",
        subject="Undelivered Mail Returned to Sender",
        body=f"could not deliver <ticket-{ticket.pk}@{settings.MAIL_DOMAIN}>",
        Message_ID=message_id,
    )
    outcome = intake.ingest_message(raw)
    assert (outcome.status, outcome.message.result_ticket) == (Status.DELIVERY_FAILED, ticket)


def reply(member, body: str = FORGED, **headers: str) -> bytes:
    return plain(member.email, subject="Re: whatever", body=body, **headers)


def opened_by_email(member) -> InboundMessage:
    outcome = intake.ingest_message(plain(member.email, Message_ID="<opened@customer.example>"))
    assert outcome.status == Status.TICKET
    return outcome.message


def commented(member, ticket, message_id: str) -> None:
    """The member's proven reply (to their signed address): a comment with this Message-ID."""
    raw = reply(member, body="Logs attached.", Message_ID=message_id)
    assert intake.ingest_message(signed(raw, ticket, member)).status == Status.COMMENT


@pytest.mark.parametrize("plant", ["auto-reply", "bounce"])
@pytest.mark.parametrize("batched", [False, True], ids=["alone", "batch"])
def test_a_reply_threading_only_on_a_planted_message_id_is_quarantined(
    member, outsider, plant, batched
) -> None:
    ticket = file_ticket(member)
    if plant == "auto-reply":
        plant_auto_reply(outsider, ticket, "<planted@evil.example>")
    else:
        plant_bounce(ticket, "<planted@evil.example>")
    forged = reply(member, In_Reply_To="<planted@evil.example>", Message_ID="<f@evil.example>")
    if batched:  # the batch's Lookups, not the lookups of one message
        (outcome,) = batches.ingest_many([(forged, "import")])
    else:
        outcome = intake.ingest_message(forged)
    assert outcome.status == Status.QUARANTINED
    assert ticket.number in outcome.message.error
    assert not Comment.objects.filter(ticket=ticket, body__contains="evil").exists()
    assert outcome.message.result_ticket is None


def test_a_proven_reply_threading_on_an_automatic_reply_still_joins_its_ticket(
    member, outsider
) -> None:
    ticket = file_ticket(member)
    plant_auto_reply(outsider, ticket)
    raw = reply(
        member, body="Sorry, sent to the wrong place.", In_Reply_To="<planted@evil.example>"
    )
    outcome = intake.ingest_message(signed(raw, ticket, member))
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_comment.ticket == ticket


def test_a_reply_threading_on_the_opening_email_comments_without_a_proof(member) -> None:
    opened = opened_by_email(member)
    raw = reply(member, body="And one more thing.", In_Reply_To="<opened@customer.example>")
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.COMMENT
    comment = outcome.message.result_comment
    assert (comment.ticket, comment.author) == (opened.result_ticket, member)


def test_a_reply_threading_on_our_notification_comments_without_a_proof(
    member, agent, sent
) -> None:
    ticket = file_ticket(member)
    with sent():
        tickets.add_comment(ticket, agent, "Which version?")
    notification = Notification.objects.filter(ticket=ticket, recipient=member).latest("pk")
    raw = reply(member, body="Version 7.2.", In_Reply_To=notification.message_id)
    (outcome,) = batches.ingest_many([(raw, "import")])
    assert outcome.status == Status.COMMENT
    comment = outcome.message.result_comment
    assert (comment.ticket, comment.author, comment.body) == (ticket, member, "Version 7.2.")


def test_a_reply_threading_only_on_an_earlier_comment_needs_the_proof(member, settings) -> None:
    """A comment's Message-ID was chosen by whoever sent it: it finds the ticket, as a subject
    tag does, and the sender must prove who they are."""
    ticket = opened_by_email(member).result_ticket
    commented(member, ticket, "<c1@customer.example>")
    unproven = intake.ingest_message(reply(member, In_Reply_To="<c1@customer.example>"))
    assert unproven.status == Status.QUARANTINED
    settings.MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED]
    domain = member.email.rpartition("@")[2]
    raw = reply(
        member,
        body="One more log.",
        In_Reply_To="<c1@customer.example>",
        Authentication_Results=f"{TRUSTED}; dmarc=pass header.from={domain}",
    )
    proven = intake.ingest_message(raw)
    assert proven.status == Status.COMMENT
    assert proven.message.result_comment.ticket == ticket


def test_a_reply_to_a_reply_whose_references_name_the_opening_email_needs_no_proof(
    member,
) -> None:
    """What a mail client writes when the customer answers their own earlier reply."""
    ticket = opened_by_email(member).result_ticket
    commented(member, ticket, "<c1@customer.example>")
    raw = reply(
        member,
        body="Forgot the screenshot.",
        In_Reply_To="<c1@customer.example>",
        References="<opened@customer.example> <c1@customer.example>",
    )
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_comment.ticket == ticket


def test_each_kind_of_message_id_finds_its_ticket_alone_and_in_a_batch(
    member, outsider, agent, sent, django_assert_num_queries
) -> None:
    ticket = opened_by_email(member).result_ticket
    other = file_ticket(member)
    with sent():
        tickets.add_comment(ticket, agent, "Which version?")
    notification = Notification.objects.filter(ticket=ticket, recipient=member).latest("pk")
    commented(member, ticket, "<c1@customer.example>")
    plant_auto_reply(outsider, other, "<planted@evil.example>")
    plant_bounce(other, "<bounce@evil.example>")
    cases = [
        # (the reply's References, what find_ticket answers)
        (notification.message_id, (ticket, "thread")),
        ("<opened@customer.example>", (ticket, "thread")),
        ("<c1@customer.example>", (ticket, "inbound-thread")),
        ("<planted@evil.example>", (other, "inbound-thread")),
        ("<bounce@evil.example>", (other, "inbound-thread")),
        # a proof-free anchor wins over a newer message's Message-ID, whoever chose it
        ("<opened@customer.example> <planted@evil.example>", (ticket, "thread")),
        ("<unknown@x>", (None, "")),
    ]
    parses = [intake.parsed_here(reply(member, References=ids)) for ids, _ in cases]
    expected = [found for _, found in cases]
    assert [routing.find_ticket(parsed) for parsed in parses] == expected
    every_id = [mid for parsed in parses for mid in parsed.thread_ids]
    with django_assert_num_queries(3):  # notifications, received messages, their tickets
        lookups = routing.Lookups(thread_ids=every_id)
    with django_assert_num_queries(0):
        assert [routing.find_ticket(parsed, lookups) for parsed in parses] == expected
