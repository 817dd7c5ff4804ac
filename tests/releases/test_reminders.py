"""Reminders the day before and an hour before an agreed window, each sent once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils.timezone import now as timezone_now

from secondline.accounts.models import User
from secondline.releases import reminders, tasks, windows
from secondline.releases.models import UpdatePlan
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(plan: UpdatePlan, manager: User, engineer: User, responsible: User) -> Any:
    window = windows.propose_window(
        plan, manager, **window_kwargs(engineer, next_weekday_evening(days=4))
    )
    return windows.accept_window(window, responsible)


def test_reminders_are_sent_once_even_when_the_sweep_runs_twice(
    agreed: Any, responsible: User, engineer: User
) -> None:
    start = agreed.starts_at
    mail.outbox.clear()
    with time_machine.travel(start - dt.timedelta(hours=30), tick=False):
        assert reminders.send_due_reminders() == 0
    with time_machine.travel(start - dt.timedelta(hours=23), tick=False):
        assert tasks.send_window_reminders() == 1
        assert tasks.send_window_reminders() == 0
    day = list(mail.outbox)
    assert sorted(m.to[0] for m in day) == sorted([responsible.email, engineer.email])
    # The engineer reads Russian, the customer English.
    by_person = {m.to[0]: m for m in day}
    assert "Tomorrow" in by_person[responsible.email].subject
    assert "Завтра" in by_person[engineer.email].subject
    assert by_person[responsible.email].extra_headers["Auto-Submitted"] == "auto-generated"

    mail.outbox.clear()
    with time_machine.travel(start - dt.timedelta(minutes=50), tick=False):
        assert reminders.send_due_reminders() == 1
        assert reminders.send_due_reminders() == 0
    assert len(mail.outbox) == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("In one hour" in s for s in subjects) and any("Через час" in s for s in subjects)
    agreed.refresh_from_db()
    assert agreed.reminded_day_at is not None and agreed.reminded_hour_at is not None

    mail.outbox.clear()
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert reminders.send_due_reminders() == 0
    assert mail.outbox == []


def test_a_window_agreed_late_gets_only_the_hour_reminder(agreed: Any) -> None:
    mail.outbox.clear()
    with time_machine.travel(agreed.starts_at - dt.timedelta(minutes=30), tick=False):
        assert reminders.send_due_reminders() == 1
        assert reminders.send_due_reminders() == 0
    assert len(mail.outbox) == 2
    assert all("Tomorrow" not in m.subject for m in mail.outbox)


def test_windows_not_accepted_get_no_reminder(
    plan: UpdatePlan, manager: User, engineer: User
) -> None:
    window = windows.propose_window(
        plan, manager, **window_kwargs(engineer, next_weekday_evening(days=4))
    )
    mail.outbox.clear()
    with time_machine.travel(window.starts_at - dt.timedelta(minutes=30), tick=False):
        assert reminders.send_due_reminders() == 0
    assert mail.outbox == []


def test_the_sweeps_are_registered_with_beat() -> None:
    from secondline.celery import app

    tasks_by_name = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks_by_name["secondline.releases.tasks.escalate_unacknowledged"] == 60
    assert "secondline.releases.tasks.send_window_reminders" in tasks_by_name


def test_a_window_already_reminded_is_not_read_again(
    agreed: Any, django_assert_num_queries: Any
) -> None:
    """Each run reads only the windows whose reminder is due and unsent: once both went out,
    a run is two queries that find nothing, however many windows are coming up."""
    start = agreed.starts_at
    with time_machine.travel(start - dt.timedelta(minutes=50), tick=False):
        assert reminders.send_due_reminders() == 1
        with django_assert_num_queries(2):
            assert reminders.send_due_reminders() == 0
        assert reminders._upcoming(timezone_now(), reminders.DAY_BEFORE, "reminded_day_at") == []
