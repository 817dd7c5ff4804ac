"""The duty escalation sweep reads only what is due: call-outs whose next escalation moment has
come (``DutyCallout.next_escalation_at``, indexed) and open Urgent incidents without a call-out
(the partial index ``ticket_open_urgent_incident``); acknowledged call-outs, call-outs not yet
due and every other open ticket cost it nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secondline.accounts.models import User
from secondline.releases import duty
from secondline.releases.models import DutyCallout, DutyShift
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel, Priority
from secondline.tickets.models import Ticket
from tests.factories import UserFactory, file_ticket, incident_draft

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
SATURDAY_NIGHT = dt.datetime(2026, 11, 28, 3, 0, tzinfo=MSK)


@pytest.fixture
def on_duty(personas: Any) -> User:
    engineer = UserFactory(
        username="on.duty", organization=personas.contractor, role=User.Role.AGENT
    )
    DutyShift.objects.create(
        engineer=engineer,
        starts_at=SATURDAY_NIGHT - dt.timedelta(hours=8),
        ends_at=SATURDAY_NIGHT + dt.timedelta(days=2),
        position=1,
    )
    return engineer


def _urgent(requester: User) -> Ticket:
    draft = incident_draft(requested_priority=Priority.URGENT, subject="Nobody can post")
    return tickets.file_ticket(requester, draft, Channel.EMAIL)


def _sweep(minutes: int) -> tuple[int, int]:
    """(call-outs escalated, queries run) of one sweep ``minutes`` after Saturday night."""
    with (
        time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=minutes), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        escalated = duty.escalate_unacknowledged()
    return escalated, len(queries)


def test_what_is_not_due_costs_the_escalation_sweep_nothing(
    member: User, on_duty: User, sent: Any
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False), sent():
        first = _urgent(member)
    idle = _sweep(5)
    assert idle[0] == 0

    with time_machine.travel(SATURDAY_NIGHT + dt.timedelta(minutes=10), tick=False), sent():
        for _ in range(5):
            _urgent(member)  # call-outs due later
        for _ in range(20):
            file_ticket(member)  # ordinary open incidents
        acknowledged = _urgent(member)
    duty.acknowledge_ticket(acknowledged, on_duty)
    assert DutyCallout.objects.count() == 7
    assert _sweep(12) == idle, "the same queries with six more call-outs and twenty tickets"

    now = SATURDAY_NIGHT + dt.timedelta(minutes=16)
    assert list(duty.missed_urgent_incidents(now)) == []
    due = DutyCallout.objects.filter(acknowledged_at__isnull=True, next_escalation_at__lte=now)
    assert [callout.ticket_id for callout in due] == [first.pk]
    assert _sweep(16)[0] == 1


def test_the_safety_net_reads_open_urgent_incidents_through_their_own_index() -> None:
    (index,) = [i for i in Ticket._meta.indexes if i.name == "ticket_open_urgent_incident"]
    assert index.fields == ["updated_at"]
    assert index.condition is not None
    assert ("priority", Priority.URGENT) in index.condition.children
