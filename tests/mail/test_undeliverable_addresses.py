"""An address the mail server refused for good is marked on its person and not mailed again
until the address changes or the staff clear the mark (docs/email.md, *An address that bounces
for good is not mailed again*); a soft bounce or a retry given up on never marks it."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from secondline.accounts.models import User
from secondline.mail import intake, notify, tasks, undeliverable
from secondline.mail.models import InboundMessage, Notification
from secondline.tickets import services
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket
from tests.mail.conftest import eml
from tests.mail.test_intake import plain

Pending, Sent, Skipped, Failed = (
    Notification.Status.PENDING,
    Notification.Status.SENT,
    Notification.Status.SKIPPED,
    Notification.Status.FAILED,
)
HARD = ("Status: 5.1.1", "smtp; 550 5.1.1 User unknown")


def to(person: Any) -> list[Any]:
    return [m for m in mail.outbox if m.to == [person.email]]


def bounce(
    notification: Notification,
    status: str = HARD[0],
    diagnostic: str = HARD[1],
    recipient: str = "",
) -> bytes:
    """``bounce.eml`` (a Postfix DSN) about ``notification``, with its status and diagnostic."""
    raw = eml(
        "bounce.eml",
        recipient=recipient or notification.to_email,
        number=notification.ticket.number,
        notification_id=notification.message_id,
    )
    raw = raw.replace(b"Status: 5.1.1", status.encode())
    return raw.replace(b"smtp; 550 5.1.1 User unknown", diagnostic.encode())


def bounced_requester(member: User, sent: Any, **report: str) -> Ticket:
    """A ticket whose first notification to ``member`` bounced with ``report``."""
    with sent():
        ticket = file_ticket(member)
    first = Notification.objects.get(ticket=ticket, recipient=member)
    outcome = intake.ingest_message(bounce(first, **report))
    assert outcome.status == InboundMessage.Status.DELIVERY_FAILED
    mail.outbox.clear()
    return ticket


def comment(ticket: Ticket, author: User, sent: Any, text: str = "Please send the logs.") -> None:
    with sent():
        services.add_comment(ticket, author, text)


# --- what marks an address ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "gone"),
    [
        # RFC 3463: class 5 is permanent, 4 transient; the subject says what failed
        ("action: failed; status: 5.1.1; diagnostic-code: smtp; 550 5.1.1 User unknown", True),
        ("action: failed; status: 5.1.2; diagnostic-code: smtp; 550 5.1.2 No such domain", True),
        ("action: failed; status: 5.2.1; diagnostic-code: smtp; 550 5.2.1 Mailbox disabled", True),
        ("Sorry, no mailbox here by that name. (#5.1.1)", True),  # qmail, plain text
        ("action: delayed; status: 4.4.1; diagnostic-code: smtp; 421 4.4.1 Timed out", False),
        ("action: failed; status: 4.2.2; diagnostic-code: smtp; 452 4.2.2 Over quota", False),
        # about the message or a policy, not the address: another email may pass
        ("action: failed; status: 5.2.2; diagnostic-code: smtp; 552 5.2.2 Mailbox full", False),
        ("action: failed; status: 5.3.4; diagnostic-code: smtp; 552 5.3.4 Too big", False),
        ("action: failed; status: 5.7.1; diagnostic-code: smtp; 554 5.7.1 Spam", False),
        ("action: failed; status: 5.6.0; diagnostic-code: smtp; 554 5.6.0 Bad content", False),
        ("I could not deliver your message.", False),  # no code: not marked on a guess
    ],
)
def test_it_tells_a_gone_address_from_a_passing_failure(report: str, gone: bool) -> None:
    assert undeliverable.address_is_gone(report) is gone


def test_a_hard_bounce_marks_the_person_and_the_next_email_is_skipped(member, agent, sent):
    with time_machine.travel(dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC), tick=False):
        ticket = bounced_requester(member, sent)
    member.refresh_from_db()
    assert member.email_undeliverable_since == dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)
    assert "5.1.1 User unknown" in member.email_undeliverable_reason
    assert ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED).count() == 1

    comment(ticket, agent, sent)
    assert to(member) == []
    [row] = Notification.objects.filter(recipient=member, status=Skipped)
    assert row.last_error == undeliverable.UNDELIVERABLE.format(
        since=member.email_undeliverable_since, reason=member.email_undeliverable_reason
    )
    assert row.last_error.startswith("not sent: emails to this address bounce since 2026-03-03")
    # the skip is no failure: the ticket has the one bounce, not an event per comment
    assert ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED).count() == 1


def test_a_second_bounce_keeps_the_date_of_the_first(member, sent):
    first_day = dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)
    with time_machine.travel(first_day, tick=False):
        ticket = bounced_requester(member, sent)
    row = Notification.objects.filter(ticket=ticket, recipient=member).first()
    assert row is not None
    with time_machine.travel(first_day + dt.timedelta(days=2), tick=False):
        intake.ingest_message(bounce(row).replace(b"bounce-1@", b"bounce-2@"))
    member.refresh_from_db()
    assert member.email_undeliverable_since == first_day


@pytest.mark.parametrize(
    ("status", "diagnostic"),
    [
        ("Action: delayed\r\nStatus: 4.4.1", "smtp; 421 4.4.1 Connection timed out"),  # soft
        ("Status: 4.2.2", "smtp; 452 4.2.2 Mailbox over quota"),
        ("Status: 5.7.1", "smtp; 554 5.7.1 Message rejected as spam"),  # the message, not them
    ],
)
def test_a_soft_bounce_or_a_refused_message_never_marks_the_address(
    member, agent, sent, status, diagnostic
):
    ticket = bounced_requester(member, sent, status=status, diagnostic=diagnostic)
    member.refresh_from_db()
    assert member.email_undeliverable_since is None
    comment(ticket, agent, sent)
    assert len(to(member)) == 1


def test_a_report_about_another_final_recipient_does_not_mark_the_address(member, sent):
    """The customer's mailbox forwards to one that is gone: the report names that one."""
    bounced_requester(member, sent, recipient="old-mailbox@gmail.example")
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


def test_a_bounce_naming_only_the_tickets_thread_does_not_mark_anyone(member, sent, settings):
    """A thread id anyone can write: a forged report must not silence mail to a customer."""
    with sent():
        ticket = file_ticket(member)
    row = Notification.objects.get(ticket=ticket, recipient=member)
    row.message_id = f"<ticket-{ticket.pk}@{settings.MAIL_DOMAIN}>"
    outcome = intake.ingest_message(bounce(row))
    assert outcome.status == InboundMessage.Status.DELIVERY_FAILED  # still on the ticket
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


def refused_by(error: Exception, member: User, agent: User, sent: Any) -> Notification:
    with sent():
        ticket = file_ticket(member)
    mail.outbox.clear()
    with (
        mock.patch.object(tasks.deliver_notification, "apply_async"),
        mock.patch("django.core.mail.EmailMessage.send", side_effect=error),
    ):
        comment(ticket, agent, sent)
    return Notification.objects.filter(ticket=ticket, recipient=member).latest("pk")


def test_a_permanent_refusal_of_the_recipient_marks_the_address(member, agent, sent):
    refused = smtplib.SMTPRecipientsRefused({member.email: (550, b"5.1.1 User unknown")})
    row = refused_by(refused, member, agent, sent)
    assert row.status == Failed
    member.refresh_from_db()
    assert member.email_undeliverable_reason == "550 5.1.1 User unknown"
    comment(row.ticket, agent, sent, "And the version, please.")
    assert to(member) == []
    assert Notification.objects.filter(recipient=member, status=Skipped).count() == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"x": (450, b"4.2.0 Mailbox busy")}),  # retried
        smtplib.SMTPRecipientsRefused({"x": (550, b"5.7.1 Relaying denied")}),  # our standing
        smtplib.SMTPDataError(554, b"5.7.1 Rejected as spam"),  # the message
        smtplib.SMTPDataError(552, b"5.3.4 Message too big"),
    ],
)
def test_other_refusals_never_mark_the_address(member, agent, sent, error):
    refused_by(error, member, agent, sent)
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


def test_a_refusal_after_data_with_an_addressing_status_marks_it() -> None:
    assert tasks.refused_address(smtplib.SMTPDataError(550, b"5.1.1 No such user here"))
    assert not tasks.refused_address(smtplib.SMTPDataError(554, b"Transaction failed"))


def test_a_server_failing_every_retry_never_marks_the_address(member):
    ticket = file_ticket(member)  # its email is left pending: nothing runs the commit's hooks
    row = Notification.objects.get(ticket=ticket, recipient=member, status=Pending)
    busy = smtplib.SMTPResponseException(451, b"4.3.0 Try again later")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=busy),
        mock.patch.object(tasks.deliver_notification, "max_retries", 0),
    ):
        assert tasks.deliver_notification.apply(args=(row.pk,)).get() == "failed"
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


def test_the_relay_giving_up_never_marks_the_address(member, sent, settings):
    settings.NOTIFY_BATCH_SECONDS = 60
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
        with mock.patch.object(notify, "_send_task", return_value=True):
            for _ in range(4):
                clock.shift(dt.timedelta(minutes=16))
                notify.sweep_unqueued()
    row = Notification.objects.get()
    assert row.status == Failed and row.last_error.startswith("not sent: handed")
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


# --- what the mark does and does not stop ---------------------------------------------------


def test_emails_queued_before_the_bounce_are_skipped_too(member, agent, sent, settings):
    """A comment waiting its batching window when the bounce comes is not sent either."""
    settings.NOTIFY_BATCH_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ticket = file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
        first = Notification.objects.get(recipient=member, status=Sent)
        services.add_comment(ticket, agent, "Please send the logs.")
        intake.ingest_message(bounce(first))
        mail.outbox.clear()
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
    assert to(member) == []
    assert Notification.objects.filter(recipient=member, status=Skipped).count() == 1


def test_mail_from_the_person_is_still_filed(member, sent):
    bounced_requester(member, sent)
    outcome = intake.ingest_message(plain(member.email, body="Our printer is down."))
    assert outcome.status == InboundMessage.Status.TICKET
    filed = outcome.message.result_ticket
    assert filed is not None and filed.requester == member


def test_the_staff_still_hear_of_a_marked_customers_reply(member, agent, sent):
    ticket = bounced_requester(member, sent)
    services.assign(ticket, agent, agent)
    mail.outbox.clear()
    comment(ticket, member, sent, "The logs are attached.")
    assert len(to(agent)) == 1
    assert to(member) == []


def test_a_mark_on_a_customer_does_not_hold_the_engineers_own_mail(member, agent, sent):
    bounced_requester(member, sent)
    assert undeliverable.undeliverable_note(agent, agent.email) == ""
    member.refresh_from_db()
    # the mark is for the address it was set on, not one queued to an address since changed
    assert undeliverable.undeliverable_note(member, "new@volga.example") == ""
    assert undeliverable.undeliverable_note(member, member.email.upper()) != ""


# --- clearing the mark --------------------------------------------------------------------------


def test_a_new_address_clears_the_mark_and_the_person_is_mailed_again(member, agent, sent):
    ticket = bounced_requester(member, sent)
    member.email = "ivan.new@volga.example"
    member.save()
    member.refresh_from_db()
    assert (member.email_undeliverable_since, member.email_undeliverable_reason) == (None, "")
    comment(ticket, agent, sent)
    assert len(to(member)) == 1


def test_a_save_of_some_fields_with_a_new_address_clears_it_too(member, sent):
    bounced_requester(member, sent)
    member.refresh_from_db()
    member.email = "ivan.new@volga.example"
    member.save(update_fields=["email"])
    member.refresh_from_db()
    assert member.email_undeliverable_since is None


def test_the_same_address_in_other_letters_or_another_field_keeps_the_mark(member, sent):
    bounced_requester(member, sent)
    member.refresh_from_db()
    member.email = member.email.upper()
    member.phone = "+7 495 000-00-00"
    member.save()
    member.refresh_from_db()
    assert member.email_undeliverable_since is not None


def test_the_back_office_shows_the_mark_and_clears_it(admin_client, member, sent):
    bounced_requester(member, sent)
    page = admin_client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    assert b"5.1.1 User unknown" in page.content
    listing = admin_client.get(
        reverse("admin:accounts_user_changelist"), {"email_undeliverable_since__isempty": "0"}
    )
    assert member.username.encode() in listing.content
    done = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "clear_undeliverable", "_selected_action": [member.pk]},
        follow=True,
    )
    assert b"1 person will be mailed again." in done.content
    member.refresh_from_db()
    assert (member.email_undeliverable_since, member.email_undeliverable_reason) == (None, "")


def test_a_new_address_in_the_back_office_clears_the_mark(admin_client, member, sent):
    bounced_requester(member, sent)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in (
            (name, form[name].value()) for name in form.fields if name != "password"
        )
        if value is not None
    }
    data.update(
        email="ivan.new@volga.example",
        date_joined_0=member.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=member.date_joined.strftime("%H:%M:%S"),
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.email == "ivan.new@volga.example"
    assert member.email_undeliverable_since is None
