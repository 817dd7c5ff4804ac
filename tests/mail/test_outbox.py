"""Handing notifications to the worker: one task per commit or per held batch, and the sweep
that sends what was never handed over (a dead importer, a broker that was down)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.signals import request_finished
from django.db import close_old_connections
from django.utils import timezone

from secondline.mail import batches, intake, notify, tasks
from secondline.mail.models import InboundMessage, Notification
from tests.factories import file_ticket, incident_draft
from tests.mail.test_intake import plain

Pending = Notification.Status.PENDING


@pytest.fixture
def published(monkeypatch):
    """The id lists handed to ``deliver_notifications``, instead of running the task."""
    calls: list[list[int]] = []
    monkeypatch.setattr(tasks.deliver_notifications, "delay", lambda ids: calls.append(ids))
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver_notifications, "delay", down)


def test_one_task_carries_all_the_notifications_of_a_commit(personas, sent, published) -> None:
    draft = incident_draft()
    draft.watchers = [personas.responsible]
    with sent():
        ticket = file_ticket(personas.member, draft)
    ids = sorted(Notification.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert len(ids) == 2
    assert [sorted(call) for call in published] == [ids]
    assert not Notification.objects.filter(queued_at__isnull=True).exists()


def test_held_notifications_go_out_together_when_the_block_ends(member, sent, published) -> None:
    with notify.held_publishes():
        for n in range(3):
            with sent():
                intake.ingest_message(plain(member.email, subject=f"Problem {n}"))
        assert published == []
        assert Notification.objects.filter(queued_at__isnull=True).count() == 3
    assert len(published) == 1 and len(published[0]) == 3
    assert not Notification.objects.filter(queued_at__isnull=True).exists()


def test_a_hold_publishes_when_it_has_held_long_enough(
    member, sent, published, monkeypatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(notify, "monotonic", lambda: clock[0])
    with notify.held_publishes():
        with sent():
            intake.ingest_message(plain(member.email, subject="first"))
        clock[0] += notify.HOLD_MAX_SECONDS + 1
        with sent():
            intake.ingest_message(plain(member.email, subject="second"))
        assert len(published) == 1 and len(published[0]) == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ingest_many_publishes_every_n_messages(member, published) -> None:
    raws = [(plain(member.email, subject=f"Problem {n}"), "import:test") for n in range(5)]
    outcomes = list(batches.ingest_many(raws, publish_every=2, batch_size=2))
    assert [o.status for o in outcomes] == [InboundMessage.Status.TICKET] * 5
    assert [len(call) for call in published] == [2, 2, 1]


def test_the_task_sends_each_notification_once(member, sent) -> None:
    with sent():
        file_ticket(member)
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.SENT
    mail.outbox.clear()
    assert tasks.deliver_notifications([notification.pk]) == {
        "sent": 0,
        "skipped": 1,
        "waiting": 0,
        "retry": 0,
        "failed": 0,
        "error": 0,
    }
    assert tasks.deliver_notification(notification.pk) == "skipped"  # still works alone
    assert mail.outbox == []


def test_a_refused_notification_is_retried_alone(member, sent, published, monkeypatch) -> None:
    with sent():
        file_ticket(member)
        file_ticket(member)
    first, second = Notification.objects.order_by("pk")
    retried: list[tuple[int, ...]] = []
    monkeypatch.setattr(
        tasks.deliver_notification, "apply_async", lambda args, countdown: retried.append(args)
    )
    real_send = tasks.build_message

    def refuse_first(notification, *group):
        message = real_send(notification, *group)
        if notification.pk == first.pk:
            message.send = lambda: (_ for _ in ()).throw(OSError("421 try later"))
        return message

    monkeypatch.setattr(tasks, "build_message", refuse_first)
    counts = tasks.deliver_notifications([first.pk, second.pk])
    assert counts["sent"] == 1 and counts["retry"] == 1
    assert retried == [(first.pk,)]
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == (Pending, 1, "421 try later")


def test_a_broker_outage_never_fails_the_caller_and_the_sweep_sends_later(
    member, sent, broker_down, monkeypatch
) -> None:
    with sent():
        outcome = intake.ingest_message(plain(member.email))
    assert outcome.status == InboundMessage.Status.TICKET  # committed, no error raised
    notification = Notification.objects.get()
    assert (notification.status, notification.queued_at) == (Pending, None)
    assert mail.outbox == []

    assert notify.sweep_unqueued() == 0  # not a minute old yet: its publisher may still act
    monkeypatch.undo()  # the broker is back
    later = timezone.now() + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert notify.sweep_unqueued() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    with time_machine.travel(later, tick=False):
        assert notify.sweep_unqueued() == 0  # sent once, never again


def test_the_sweep_leaves_its_claim_for_the_next_sweep_while_the_broker_is_down(
    member, sent, broker_down
) -> None:
    with sent():
        file_ticket(member)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert notify.sweep_unqueued() == 0
    assert Notification.objects.get().queued_at is None


def test_the_sweep_hands_over_only_rows_without_a_task(member, published) -> None:
    file_ticket(member)  # no commit hook runs: as if the importer died while holding it
    file_ticket(member)
    file_ticket(member)
    orphan, queued, sent_row = Notification.objects.order_by("pk")
    Notification.objects.filter(pk=queued.pk).update(queued_at=timezone.now())
    Notification.objects.filter(pk=sent_row.pk).update(status=Notification.Status.SENT)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert notify.sweep_unqueued() == 1
        assert notify.sweep_unqueued() == 0  # claimed: a second sweep does not publish again
    assert published == [[orphan.pk]]


def test_with_a_batching_window_the_relay_hands_rows_over_once_it_has_closed(
    member, sent, published, settings
) -> None:
    settings.NOTIFY_BATCH_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with sent():
            file_ticket(member)
            file_ticket(member)
        assert published == []  # nothing at commit: the rows wait out their window
        clock.shift(dt.timedelta(seconds=50))
        assert notify.sweep_unqueued() == 0  # the window is still open
        clock.shift(dt.timedelta(seconds=15))
        assert notify.sweep_unqueued() == 2
        assert notify.sweep_unqueued() == 0
    assert published == [list(Notification.objects.order_by("pk").values_list("pk", flat=True))]


def test_the_relay_hands_a_backlog_over_in_tasks_of_at_most_limit_rows(member, published) -> None:
    for _ in range(5):
        file_ticket(member)  # no commit hook runs: nothing was published
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert notify.sweep_unqueued(limit=2) == 5
    assert [len(ids) for ids in published] == [2, 2, 1]


def test_the_sweep_is_a_periodic_task() -> None:
    from secondline.celery import app

    entry = app.conf.beat_schedule["mail-notifications"]
    assert entry["task"] == "secondline.mail.tasks.sweep_notifications"
    assert entry["schedule"] <= 10  # a notification waits its window and at most this more


def test_a_hold_leaves_out_what_the_sweep_handed_over_meanwhile(
    member, sent, published, monkeypatch
) -> None:
    with notify.held_publishes():
        with sent():
            intake.ingest_message(plain(member.email, subject="first"))
            intake.ingest_message(plain(member.email, subject="second"))
        first, second = Notification.objects.order_by("pk")
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
            # the hold stalled for over a minute: the sweep hands both rows over
            assert notify.sweep_unqueued() == 2
        later = notify.monotonic() + 120
        monkeypatch.setattr(notify, "monotonic", lambda: later)
    assert published == [[first.pk, second.pk]]  # the sweep's task only; the hold had none left


def test_a_young_hold_publishes_without_asking_what_the_sweep_took(
    member, sent, published, django_assert_num_queries
) -> None:
    with notify.held_publishes() as hold:
        with sent():
            intake.ingest_message(plain(member.email, subject="first"))
        with django_assert_num_queries(1):  # marking the rows queued, nothing else
            hold.flush()
    assert len(published) == 1


def test_a_web_request_hands_its_notifications_over_after_its_response(
    member, sent, published
) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from secondline.mail.middleware import NotifyAfterResponseMiddleware

    def view(request):
        with sent():
            file_ticket(member)
        assert published == []  # held while the request runs
        return HttpResponse("filed")

    response = NotifyAfterResponseMiddleware(view)(RequestFactory().post("/"))
    assert published == []  # the server has not sent the response yet
    # What the WSGI server does once the response is out; as Django's test client does,
    # without request_finished closing the test's database connection.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert len(published) == 1 and len(published[0]) == 1
    assert not Notification.objects.filter(queued_at__isnull=True).exists()


def test_a_request_that_fails_still_hands_over_what_it_committed(member, sent, published) -> None:
    from django.test import RequestFactory

    from secondline.mail.middleware import NotifyAfterResponseMiddleware

    def view(request):
        with sent():
            file_ticket(member)
        raise RuntimeError("after the commit")

    with pytest.raises(RuntimeError):
        NotifyAfterResponseMiddleware(view)(RequestFactory().post("/"))
    assert len(published) == 1
