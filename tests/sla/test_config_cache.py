"""The per-process caches of plans' targets and calendars never serve a changed configuration."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from secondline.sla.calendars import business_calendar
from secondline.sla.models import CalendarException, ReactionTarget, SLAPlan, WorkingCalendar
from secondline.tickets.choices import Priority, TicketType
from tests.factories import file_ticket, incident_draft
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db


def _high_incident_target(plan: SLAPlan) -> ReactionTarget:
    return ReactionTarget.objects.get(
        plan=plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH
    )


def test_it_sees_a_target_changed_in_this_process_even_through_an_old_row(personas) -> None:
    plan = personas.contract.sla_plan
    assert plan.target_for(TicketType.INCIDENT, Priority.HIGH).reaction_minutes == 240
    target = _high_incident_target(plan)
    target.reaction_minutes = 120
    target.save()
    assert plan.target_for(TicketType.INCIDENT, Priority.HIGH).reaction_minutes == 120
    fresh = SLAPlan.objects.get(pk=plan.pk)
    assert fresh.version != plan.version
    assert fresh.target_for(TicketType.INCIDENT, Priority.HIGH).reaction_minutes == 120


def test_it_sees_a_target_added_or_deleted(personas) -> None:
    plan = SLAPlan.objects.create(name="Gold")
    assert plan.target_for(TicketType.INCIDENT, Priority.HIGH) is None
    target = ReactionTarget.objects.create(
        plan=plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH, reaction_minutes=60
    )
    assert plan.target_for(TicketType.INCIDENT, Priority.HIGH) == target
    target.delete()
    assert SLAPlan.objects.get(pk=plan.pk).target_for(TicketType.INCIDENT, Priority.HIGH) is None


def test_another_process_change_is_seen_through_the_new_stamp(personas) -> None:
    """Another process saved a target: its signal gave the plan a new stamp in the database;
    this process's cache still holds the old targets and must not serve them for a fresh row."""
    plan = personas.contract.sla_plan
    assert plan.target_for(TicketType.INCIDENT, Priority.HIGH).reaction_minutes == 240
    ReactionTarget.objects.filter(pk=_high_incident_target(plan).pk).update(reaction_minutes=30)
    SLAPlan.objects.filter(pk=plan.pk).update(version=uuid.uuid4())
    fresh = SLAPlan.objects.get(pk=plan.pk)
    assert fresh.target_for(TicketType.INCIDENT, Priority.HIGH).reaction_minutes == 30


def test_filing_uses_a_calendar_exception_added_after_the_calendar_was_cached(
    clock, member, personas
) -> None:
    assert file_ticket(member, incident_draft()).reaction_due_at == msk(2026, 3, 2, 14)
    CalendarException.objects.create(
        calendar=personas.contract.calendar, date=dt.date(2026, 3, 2), kind="day_off"
    )
    assert file_ticket(member, incident_draft()).reaction_due_at == msk(2026, 3, 3, 14)


def test_a_calendar_row_change_gives_it_a_new_stamp(personas) -> None:
    row = WorkingCalendar.objects.create(name="Short week", country="")
    before = business_calendar(row)
    row.weekly_hours = {"0": [["09:00", "12:00"]]}
    old_stamp = row.version
    row.save()
    assert row.version != old_stamp
    assert WorkingCalendar.objects.get(pk=row.pk).version == row.version
    after = business_calendar(row)
    assert after is not before
    assert before.add(msk(2026, 3, 2, 9), dt.timedelta(hours=3)) == msk(2026, 3, 2, 13)
    assert after.add(msk(2026, 3, 2, 9), dt.timedelta(hours=3)) == msk(2026, 3, 2, 12)


def test_filing_a_ticket_asks_the_database_only_what_it_must(
    member, django_assert_num_queries
) -> None:
    """The writes only: the ticket with its deadlines, audit event, notification, the
    unassigned timer; the contract, the plan's targets, the calendar and the staff who may
    hear of it come from the caches."""
    file_ticket(member)  # caches the contract, the plan's targets and the calendar
    # savepoint, 4 inserts (the deadlines go with the ticket's), the search document (its row
    # and what the database searches: 2, from the filing in memory), release; the customer
    # comes with the cached contract
    with django_assert_num_queries(8):
        file_ticket(member)
