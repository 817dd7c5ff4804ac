"""Notifications: in the recipient's language, threaded on the ticket, marked automatic."""

from __future__ import annotations

import email
import re
from email import policy

from django.core import mail

from secondline.mail import intake
from secondline.mail.models import InboundMessage, Notification
from secondline.mail.proof import signed_reply_address
from secondline.tickets import services, watchers
from secondline.tickets.choices import Priority
from secondline.tickets.models import DeclineReason
from tests.factories import consultation_draft, file_ticket
from tests.mail.test_intake import plain


def last_to(address: str):
    return [m for m in mail.outbox if m.to == [address]][-1]


def test_the_acknowledgment_carries_number_reaction_due_and_no_invented_thread(
    member, sent
) -> None:
    with sent():
        ticket = file_ticket(member)
    message = last_to(member.email)
    assert ticket.number in message.subject and ticket.number in message.body
    assert "Reaction due" in message.body
    headers = message.extra_headers
    assert headers["Auto-Submitted"] == "auto-generated"
    # filed on the portal: nothing was mailed before, so there is nothing to refer to
    assert "References" not in headers and "In-Reply-To" not in headers
    # the member's own signed reply address (issue 16): a reply to it proves who wrote
    assert message.reply_to == [signed_reply_address(ticket, member)]
    assert re.fullmatch(
        rf"support\+{ticket.pk}-[0-9a-f]{{20}}@secondline\.example", message.reply_to[0]
    )
    assert headers["Message-ID"] == Notification.objects.get(ticket=ticket).message_id


def test_a_ticket_from_email_threads_under_the_customers_own_message(member, sent) -> None:
    with sent():
        outcome = intake.ingest_message(plain(member.email, Message_ID="<mine@customer.example>"))
    ticket = outcome.message.result_ticket
    headers = last_to(member.email).extra_headers
    assert headers["In-Reply-To"] == headers["References"] == "<mine@customer.example>"
    assert ticket.pk


def test_public_comments_reach_requester_and_watchers_but_notes_do_not(personas, sent) -> None:
    member, responsible, agent = personas.member, personas.responsible, personas.agent
    ticket = file_ticket(member)
    watchers.add_watcher(ticket, member, responsible)
    mail.outbox.clear()
    with sent():
        services.add_comment(ticket, agent, "Please send the logs.")
        services.add_comment(ticket, agent, "internal: check the DB", public=False)
    customers = [m for m in mail.outbox if m.to[0] in {member.email, responsible.email}]
    assert sorted(m.to[0] for m in customers) == sorted([member.email, responsible.email])
    assert all("Please send the logs." in m.body for m in customers)
    assert not any("internal" in m.body for m in mail.outbox)


def test_status_and_priority_changes_say_why(member, agent, sent) -> None:
    ticket = file_ticket(member)
    with sent():
        services.change_priority(ticket, agent, Priority.LOW, "A workaround exists.")
        services.change_status(ticket, agent, "waiting", reason="Send us the logs.")
    bodies = [m.body for m in mail.outbox if m.to == [member.email]]
    assert any("priority is now Low" in b and "A workaround exists." in b for b in bodies)
    assert any("Waiting for customer" in b and "Send us the logs." in b for b in bodies)


def test_a_decline_shows_the_reason_in_the_recipients_language(member, agent, sent) -> None:
    member.language = "ru"
    member.save()
    ticket = file_ticket(member, consultation_draft())
    reason = DeclineReason.objects.get(code="out-of-scope-db-server")
    with sent():
        services.decline_ticket(
            ticket, agent, reason.code, "Обратитесь к вашему администратору СУБД"
        )
    message = last_to(member.email)
    assert "Заявка отклонена" in message.subject
    assert f"Причина: {reason.title_ru}: Обратитесь к вашему администратору СУБД" in message.body


def test_notifications_go_out_through_a_real_smtp_server(member, sent, settings, smtp_sink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    with sent():
        ticket = file_ticket(member)
    assert Notification.objects.get(ticket=ticket).status == Notification.Status.SENT
    received = email.message_from_bytes(smtp_sink.messages[-1], policy=policy.default)
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Reply-To"] == signed_reply_address(ticket, member)
    assert f"[{ticket.number}]" in received["Subject"]
    # and the customer's answer to it comes back to the same ticket
    answer = plain(
        member.email, subject="Re: " + received["Subject"], In_Reply_To=received["Message-ID"]
    ).replace(b"To: support@secondline.example", f"To: {received['Reply-To']}".encode())
    outcome = intake.ingest_message(answer)
    assert outcome.status == InboundMessage.Status.COMMENT
    assert outcome.message.result_ticket == ticket


def test_an_unknown_sender_reply_goes_through_smtp_once(db, sent, settings, smtp_sink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    with sent():
        intake.ingest_message(plain("who@elsewhere.example"), source="imap:support")
        intake.ingest_message(plain("who@elsewhere.example", body="2"), source="imap:support")
    assert len(smtp_sink.messages) == 1
    reply = email.message_from_bytes(smtp_sink.messages[0], policy=policy.default)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["To"] == "who@elsewhere.example"


def test_notifications_have_an_escaped_html_alternative(member, agent, sent) -> None:
    ticket = file_ticket(member)
    with sent():
        services.add_comment(ticket, agent, "Use <b>Settings</b> & save.")
    message = last_to(member.email)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Use &lt;b&gt;Settings&lt;/b&gt; &amp; save." in html
