"""No double email: changes to one ticket within the batch window reach a person as one email;
subjects are plain text, never HTML-escaped."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from secondline.mail import batching, notify
from secondline.mail.models import Notification
from secondline.tickets import services
from secondline.tickets.choices import Status
from tests.factories import consultation_draft, file_ticket


@pytest.fixture
def batched(settings):
    settings.NOTIFY_BATCH_SECONDS = 60
    settings.NOTIFY_BATCH_MAX_SECONDS = 600


def to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def test_three_status_changes_within_a_minute_make_one_email(member, agent, sent, batched) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with sent():
            ticket = file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
        assert len(to(member)) == 1  # the acknowledgment, alone
        mail.outbox.clear()
        for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_FOR_CUSTOMER):
            clock.shift(dt.timedelta(seconds=15))
            with sent():
                services.change_status(ticket, agent, status)
        assert to(member) == []  # the window is still open
        clock.shift(dt.timedelta(seconds=30))
        notify.sweep_unqueued()
        assert to(member) == []  # 30 s after the last change: still waiting
        clock.shift(dt.timedelta(seconds=45))
        notify.sweep_unqueued()
    [message] = to(member)
    assert message.subject == f"[{ticket.number}] Waiting for customer: {ticket.subject}"
    for label in ("Accepted", "In progress", "Waiting for customer"):
        assert f"The ticket is now: {label}." in message.body
    rows = Notification.objects.filter(ticket=ticket, to_email=member.email).order_by("pk")
    sent_ids = [row.message_id for row in rows if row.status == Notification.Status.SENT]
    assert message.extra_headers["Message-ID"] in sent_ids  # the ids sent are the ids used
    merged = [row for row in rows if row.status == Notification.Status.SKIPPED]
    assert len(merged) == 2 and all(
        message.extra_headers["Message-ID"] in row.last_error for row in merged
    )
    notify.sweep_unqueued()
    assert len(to(member)) == 1  # never a copy


def test_two_tickets_are_two_emails(member, agent, sent, batched) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            first = file_ticket(member)
            second = file_ticket(member)
        clock.shift(dt.timedelta(minutes=2))
        notify.sweep_unqueued()
    assert sorted(m.subject for m in to(member)) == sorted(
        f"[{t.number}] Ticket received: {t.subject}" for t in (first, second)
    )


def test_a_ticket_that_never_rests_still_gets_its_email(member) -> None:
    now = timezone.now()
    rows = [Notification(created_at=now - dt.timedelta(seconds=s)) for s in (700, 10)]
    assert not batching.too_early(rows, now)  # the oldest waited longer than the longest wait
    rows = [Notification(created_at=now - dt.timedelta(seconds=s)) for s in (50, 10)]
    assert batching.too_early(rows, now) is (batching.window() > dt.timedelta(0))


def test_subjects_are_not_html_escaped(member, agent, sent) -> None:
    with sent():
        ticket = file_ticket(member, consultation_draft(subject="Report 'Stock by region' & <all>"))
    with sent():
        services.change_status(ticket, agent, Status.IN_PROGRESS)
    subjects = [m.subject for m in to(member)]
    assert subjects == [
        f"[{ticket.number}] Ticket received: Report 'Stock by region' & <all>",
        f"[{ticket.number}] In progress: Report 'Stock by region' & <all>",
    ]
    assert "&#x27;" not in to(member)[0].body
    html = to(member)[0].alternatives[0][0]
    assert "Report &#x27;Stock by region&#x27; &amp; &lt;all&gt;" in html
