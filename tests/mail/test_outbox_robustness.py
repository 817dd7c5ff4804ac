"""The outbox never loses an email nor sends one twice: a task that dies is handed over again
and, after NOTIFY_MAX_ATTEMPTS tries, fails visibly; two workers on one person's batch send one
email; a permanent SMTP refusal fails at once and shows on the ticket; a watcher taken off
within the batching window hears nothing more; each item of a batch names its own priority."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection
from django.utils import timezone

from secondline.mail import batching, notify, tasks
from secondline.mail.models import Notification
from secondline.tickets import services, watchers
from secondline.tickets.choices import Priority, Status
from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

Pending, Failed = Notification.Status.PENDING, Notification.Status.FAILED


def to(person: Any) -> list[Any]:
    return [m for m in mail.outbox if m.to == [person.email]]


@pytest.fixture
def batched(settings: Any) -> None:
    settings.NOTIFY_BATCH_SECONDS = 60
    settings.NOTIFY_BATCH_MAX_SECONDS = 600
    settings.NOTIFY_LEASE_SECONDS = 900
    settings.NOTIFY_MAX_ATTEMPTS = 10


def lost_tasks() -> Any:
    """Tasks published, then lost with their worker (or a broker that keeps nothing)."""
    return mock.patch.object(notify, "_send_task", return_value=True)


# --- 1. stranded rows -------------------------------------------------------------------------


def test_it_hands_a_row_over_again_once_its_lost_tasks_lease_runs_out(member, sent, batched):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        with lost_tasks():
            assert notify.sweep_unqueued() == 1
        clock.shift(dt.timedelta(minutes=14))
        assert notify.sweep_unqueued() == 0  # the lease has not run out: the task may still run
        clock.shift(dt.timedelta(minutes=2))
        assert notify.sweep_unqueued() == 1
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (Notification.Status.SENT, 2)  # one lost, one sent
    assert len(to(member)) == 1


def test_a_row_whose_task_failed_on_the_database_is_sent_later(member, sent, batched):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        with mock.patch.object(batching, "group_of", side_effect=OperationalError("locked")):
            notify.sweep_unqueued()  # the task logs the error and leaves the row pending
        row = Notification.objects.get()
        assert (row.status, row.last_error) == (Pending, "locked")
        clock.shift(dt.timedelta(minutes=16))
        notify.sweep_unqueued()
    assert len(to(member)) == 1


def test_a_row_tried_max_attempts_times_is_marked_failed_with_the_reason(
    member, sent, batched, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        with lost_tasks():
            notify.sweep_unqueued()
            for _ in range(5):
                clock.shift(dt.timedelta(minutes=16))
                notify.sweep_unqueued()
    row = Notification.objects.get()
    assert (row.status, row.attempts) == (Failed, 3)
    assert row.last_error == notify.GAVE_UP.format(attempts=3)
    assert to(member) == []
    [event] = row.ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED)
    assert (event.new_value, event.reason, event.is_public) == (member.email, row.last_error, False)


def test_an_smtp_server_failing_every_retry_shows_on_the_ticket(member, agent, sent):
    """Agents see no outbox: the email that will not arrive is on the ticket, as a bounce is."""
    row, _second = two_pending(member, agent, sent)
    ticket = row.ticket
    busy = smtplib.SMTPResponseException(451, b"4.3.0 Try again later")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=busy),
        mock.patch.object(tasks.deliver_notification, "max_retries", 0),
    ):
        assert tasks.deliver_notification.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert row.status == Failed and "451" in row.last_error
    [event] = ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED)
    assert event.new_value == member.email and "kept failing" in event.reason


def test_a_retry_in_its_back_off_is_left_to_it_until_it_is_due(member, batched):
    """A retry due in an hour (``_lease_until``): the relay must not start a second chain."""
    file_ticket(member)
    now = timezone.now()
    Notification.objects.update(queued_at=now + dt.timedelta(minutes=60))
    with time_machine.travel(now, tick=False) as clock, lost_tasks() as handed:
        clock.shift(dt.timedelta(minutes=70))
        assert notify.sweep_unqueued() == 0
        clock.shift(dt.timedelta(minutes=6))  # due 16 minutes ago and still pending: lost
        assert notify.sweep_unqueued() == 1
    assert handed.call_count == 1


def test_a_refused_try_pushes_the_lease_past_its_retry(member, sent, batched):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
        row = Notification.objects.get()
        clock.shift(dt.timedelta(minutes=2))
        refused = smtplib.SMTPRecipientsRefused({member.email: (450, b"4.2.0 try later")})
        with (
            mock.patch("django.core.mail.EmailMessage.send", side_effect=refused),
            mock.patch.object(tasks.deliver_notification, "apply_async") as retry,
            lost_tasks(),
        ):
            notify.sweep_unqueued()
            tasks.deliver_notifications([row.pk])
        row.refresh_from_db()
        assert retry.call_count == 1
        assert row.queued_at == timezone.now() + dt.timedelta(seconds=30)  # when it is due
        assert (row.status, row.claimed_at) == (Pending, None)  # free for the retry


# --- 2. two workers, one email ----------------------------------------------------------------


def two_pending(member: Any, agent: Any, sent: Any) -> tuple[Notification, Notification]:
    with sent():
        ticket = file_ticket(member)
    mail.outbox.clear()
    with lost_tasks():
        with sent():
            services.add_comment(ticket, agent, "First answer")
        with sent():
            services.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER, reason="Logs?")
    first, second = Notification.objects.filter(
        ticket=ticket, to_email=member.email, status=Pending
    ).order_by("pk")
    return first, second


def test_a_worker_leaves_a_group_another_worker_is_sending(member, agent, sent):
    first, second = two_pending(member, agent, sent)
    real, seen = EmailBackend.send_messages, list[tuple[str, Exception | None]]()

    def other_worker_meanwhile(self, messages):
        if not seen:
            seen.append(tasks._send(second.pk))
        return real(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", other_worker_meanwhile):
        assert tasks._send(first.pk) == ("sent", None)
    assert seen == [("skipped", None)]
    assert len(to(member)) == 1
    second.refresh_from_db()
    assert second.status == Notification.Status.SKIPPED  # went out in the first's email


def test_a_claim_of_a_dead_worker_expires_with_the_lease(member, agent, sent, settings):
    settings.NOTIFY_LEASE_SECONDS = 900
    first, second = two_pending(member, agent, sent)
    Notification.objects.filter(pk__in=[first.pk, second.pk]).update(claimed_at=timezone.now())
    assert tasks._send(second.pk) == ("skipped", None)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16), tick=False):
        assert tasks._send(second.pk) == ("sent", None)
    assert len(to(member)) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_threads_racing_on_one_group_send_one_email_on_postgresql(request, settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises the writers; the race is PostgreSQL's row locks")
    personas = request.getfixturevalue("personas")
    member, agent = personas.member, personas.agent
    settings.NOTIFY_BATCH_SECONDS = 60  # nothing goes out at commit
    ticket = file_ticket(member)
    services.add_comment(ticket, agent, "First answer")
    services.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER, reason="Logs?")
    settings.NOTIFY_BATCH_SECONDS = 0  # the window has closed
    # the acknowledgment, the comment and the status change: one person's batch
    first, *_, last = Notification.objects.filter(ticket=ticket, to_email=member.email)
    mail.outbox.clear()
    both_in, results = threading.Barrier(2, timeout=10), {}
    real_group_of = batching.group_of

    def read_together(row):
        group = real_group_of(row)
        both_in.wait()  # each worker has read the group; now both go on at once
        return group

    def worker(pk: int) -> None:
        try:
            results[pk] = tasks._send(pk)[0]
        finally:
            connection.close()

    with mock.patch.object(batching, "group_of", read_together):
        threads = [threading.Thread(target=worker, args=(pk,)) for pk in (first.pk, last.pk)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert sorted(results.values()) == ["sent", "skipped"]
    assert len(to(member)) == 1


# --- 3. a batch of priority changes -----------------------------------------------------------


def test_each_batched_priority_change_names_the_priority_it_set(member, agent, sent, batched):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            ticket = file_ticket(member)  # an incident at High
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
        mail.outbox.clear()
        services.change_priority(ticket, agent, Priority.LOW, "A workaround exists.")
        clock.shift(dt.timedelta(seconds=10))
        services.change_priority(ticket, agent, Priority.NORMAL, "The workaround is slow.")
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
    [message] = to(member)
    first, second = message.body.split("———")[:2]
    assert "priority is now Low." in first
    assert "priority is now Normal." in second


# --- 4. a permanent refusal -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        # RFC 5321, 4.2.1: 5yz is a permanent refusal, 4yz a transient one
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"5.1.1 User unknown")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (450, b"4.2.0 Mailbox busy")}), False),
        (smtplib.SMTPDataError(554, b"5.7.1 Rejected as spam"), True),
        (smtplib.SMTPDataError(451, b"4.3.0 Try later"), False),
        # our own server's configuration: every email would fail, so it is retried
        (smtplib.SMTPSenderRefused(550, b"5.7.1 Not our sender", "desk@x"), False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (OSError("connection refused"), False),
    ],
)
def test_it_tells_a_permanent_refusal_from_a_transient_one(error, permanent):
    assert bool(tasks.permanent_refusal(error)) is permanent


def test_a_permanent_refusal_fails_the_whole_batch_at_once_and_shows_on_the_ticket(
    member, agent, sent
):
    first, second = two_pending(member, agent, sent)
    refused = smtplib.SMTPRecipientsRefused({member.email: (550, b"5.1.1 User unknown")})
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=refused),
        mock.patch.object(tasks.deliver_notification, "apply_async") as retry,
    ):
        counts = tasks.deliver_notifications([first.pk, second.pk])
    assert counts["failed"] == 1 and counts["retry"] == 0 and retry.call_count == 0
    for row in (first, second):
        row.refresh_from_db()
        assert (row.status, row.last_error) == (Failed, "550 5.1.1 User unknown")
    [event] = first.ticket.events.filter(kind=TicketEvent.Kind.DELIVERY_FAILED)
    assert (event.new_value, event.reason, event.is_public) == (
        member.email,
        "550 5.1.1 User unknown",
        False,
    )


# --- 5. a watcher taken off -------------------------------------------------------------------


def test_a_watcher_taken_off_within_the_window_is_skipped_with_the_reason(
    member, responsible, agent, sent, batched
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ticket = file_ticket(member)
        watchers.add_watcher(ticket, member, responsible)
        services.add_comment(ticket, agent, "Hello")
        clock.shift(dt.timedelta(seconds=20))
        watchers.remove_watcher(ticket, member, responsible)
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
    assert to(responsible) == []
    assert len(to(member)) == 1  # the requester still hears
    skipped = Notification.objects.filter(recipient=responsible)
    assert {(row.status, row.last_error) for row in skipped} == {
        (Notification.Status.SKIPPED, tasks.NO_LONGER_PARTY)
    }
