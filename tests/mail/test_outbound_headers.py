"""What our own emails name (issue 15, Build 5): threading headers that point only at mail
really sent, and sender replies wholly in each language with a Message-ID on MAIL_DOMAIN."""

from __future__ import annotations

import re

from django.core import mail

from secondline.mail import intake
from secondline.mail.models import Notification
from secondline.tickets import services
from tests.factories import OrganizationFactory, UserFactory, file_ticket
from tests.mail.test_intake import plain


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [address]]


def test_notifications_refer_only_to_messages_really_sent(member, agent, sent, settings) -> None:
    with sent():
        outcome = intake.ingest_message(plain(member.email, Message_ID="<mine@customer.example>"))
    ticket = outcome.message.result_ticket
    acknowledgment = Notification.objects.get(ticket=ticket, to_email=member.email)
    assert acknowledgment.status == Notification.Status.SENT
    with sent():  # each its own commit: pending together, they would go as one email
        services.add_comment(ticket, agent, "Please send the logs.")
    with sent():
        services.add_comment(ticket, agent, "And the version, please.")
    first, second, third = (m.extra_headers for m in sent_to(member.email))
    assert first["In-Reply-To"] == "<mine@customer.example>"
    assert second["In-Reply-To"] == acknowledgment.message_id
    assert second["References"].split() == ["<mine@customer.example>", acknowledgment.message_id]
    assert third["In-Reply-To"] == second["Message-ID"]
    assert third["References"].split() == [
        "<mine@customer.example>",
        acknowledgment.message_id,
        second["Message-ID"],
    ]
    # every id named is the customer's own or one of ours that went out
    named = {mid for h in (first, second, third) for mid in h["References"].split()}
    really_sent = set(
        Notification.objects.filter(status=Notification.Status.SENT).values_list(
            "message_id", flat=True
        )
    )
    assert named <= really_sent | {"<mine@customer.example>"}
    assert not any(f"<ticket-{ticket.pk}@" in mid for mid in named)


def test_a_notification_never_names_one_that_failed_or_waits(member, agent, sent) -> None:
    ticket = file_ticket(member)  # its acknowledgment stays pending: no worker ran it
    pending = Notification.objects.get(ticket=ticket, to_email=member.email)
    Notification.objects.filter(pk=pending.pk).update(status=Notification.Status.FAILED)
    with sent():
        services.add_comment(ticket, agent, "Please send the logs.")
    headers = sent_to(member.email)[-1].extra_headers
    assert "In-Reply-To" not in headers and "References" not in headers


def test_the_sender_reply_is_wholly_in_each_language_with_our_message_id(
    db, sent, settings
) -> None:
    settings.MAIL_DOMAIN = "support.secondline.example"
    lonely = UserFactory(organization=OrganizationFactory(name="No Contract Ltd"))
    with sent():
        intake.ingest_message(
            plain(lonely.email, Message_ID="<q1@customer.example>"), source="imap:support"
        )
    reply = sent_to(lonely.email)[-1]
    message = reply.message()
    assert re.fullmatch(r"<[^@<>]+@support\.secondline\.example>", message["Message-ID"])
    assert message["In-Reply-To"] == "<q1@customer.example>"
    english, russian = reply.body.split("\n----\n")
    assert "No Contract Ltd has no active support contract" in english
    assert "No Contract Ltd" in russian and "договор" in russian
    # the Russian half: no English words apart from the names, addresses and links in it
    words = re.findall(
        r"[A-Za-z]{3,}", re.sub(r"\S+@\S+|https?://\S+|No Contract Ltd", "", russian)
    )
    assert words == []


def test_the_reply_to_a_stranger_without_a_subject_has_a_subject_in_both_languages(
    db, sent
) -> None:
    with sent():
        intake.ingest_message(plain("who@elsewhere.example", subject=""), source="pipe")
    subject = sent_to("who@elsewhere.example")[-1].subject
    assert "support ticket" in subject and "заявку" in subject


def message_id_domain(message: mail.EmailMessage) -> str:
    return str(message.message()["Message-ID"]).strip("<>").rpartition("@")[2]


def test_every_email_we_send_has_a_message_id_on_our_mail_domain(
    member, manager, sent, settings
) -> None:
    from secondline.billing.tasks import send_email
    from secondline.releases import messages
    from secondline.sla.alerts import build_alert
    from secondline.tickets.models import TicketEvent

    settings.MAIL_DOMAIN = "support.example"
    ticket = file_ticket(member)
    event = TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.SLA_CHANGED, channel="system", new_value="at_risk"
    )
    mail.outbox.clear()
    build_alert(event, manager).send()
    messages.send(member, "Installed", "releases/mail/installed.txt", {"plan": None}, ticket)
    send_email.run(member.email, "Statement", "Your statement")
    ids = [m.message()["Message-ID"] for m in mail.outbox]
    assert [message_id_domain(m) for m in mail.outbox] == ["support.example"] * 3
    assert len(set(ids)) == 3


def test_a_release_email_joins_the_tickets_thread_only_through_mail_really_sent(
    member, agent, sent
) -> None:
    from secondline.releases import messages

    ticket = file_ticket(member)
    messages.send(member, "Installed", "releases/mail/installed.txt", {"plan": None}, ticket)
    headers = mail.outbox[-1].extra_headers
    assert "In-Reply-To" not in headers and "References" not in headers  # nothing sent yet
    acknowledgment = Notification.objects.get(ticket=ticket, to_email=member.email)
    Notification.objects.filter(pk=acknowledgment.pk).update(status=Notification.Status.SENT)
    messages.send(member, "Installed", "releases/mail/installed.txt", {"plan": None}, ticket)
    headers = mail.outbox[-1].extra_headers
    assert headers["In-Reply-To"] == acknowledgment.message_id
    assert headers["References"] == acknowledgment.message_id
