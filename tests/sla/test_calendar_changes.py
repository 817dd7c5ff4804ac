"""A change of the calendar, its exceptions, a plan's targets or a contract's calendar or plan
moves the deadlines of the open tickets already filed (docs/sla.md, Rules), in the background
once the change commits; the sweep never alerts on a deadline the change has moved."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from secondline.accounts.models import Contract
from secondline.sla import signals, sweep
from secondline.sla.models import CalendarException, ReactionTarget, SLAPlan, WorkingCalendar
from secondline.tickets import services as tickets
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db

TUESDAY = dt.date(2026, 3, 3)


def _day_off(calendar: WorkingCalendar, day: dt.date = TUESDAY) -> CalendarException:
    return CalendarException.objects.create(
        calendar=calendar, date=day, kind=CalendarException.Kind.DAY_OFF, note="late decree"
    )


def _sla_events(ticket: Ticket) -> list[tuple[str, str]]:
    rows = ticket.events.filter(kind=TicketEvent.Kind.SLA_CHANGED).order_by("id")
    return list(rows.values_list("old_value", "new_value"))


def _high_incident_target(plan: SLAPlan) -> ReactionTarget:
    return ReactionTarget.objects.get(
        plan=plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH
    )


def test_a_day_off_added_after_filing_moves_the_open_deadline(clock, sent, personas, member):
    clock.move_to(msk(2026, 3, 2, 16))
    ticket = file_ticket(member)  # High, 4 h: 3 h on Mon + 1 h on Tue -> Tue 3 Mar 11:00
    assert ticket.reaction_due_at == msk(2026, 3, 3, 11)
    clock.move_to(msk(2026, 3, 2, 17))
    with sent():
        _day_off(personas.contract.calendar)
    ticket.refresh_from_db()
    assert ticket.reaction_due_at == msk(2026, 3, 4, 11), "Tue off: 1 h on Wed"
    assert ticket.sla_next_check_at == msk(2026, 3, 4, 10, 12), "80 % of 4 h, counted afresh"
    assert ticket.sla_state == "on_track"


def test_the_sweep_recounts_a_deadline_the_background_task_has_not_reached(
    clock, sent, personas, member
):
    """The change is committed but its task has not run yet (the queue is long): the sweep
    must not alert on the deadline stored before the change."""
    clock.move_to(msk(2026, 3, 2, 16))
    ticket = file_ticket(member)
    _day_off(personas.contract.calendar)  # its task waits for a commit that never comes
    clock.move_to(msk(2026, 3, 3, 12))  # past the stored Tue 11:00, on the new day off
    with sent():
        assert sweep.sweep() == 0
    ticket.refresh_from_db()
    assert (ticket.reaction_due_at, ticket.sla_state) == (msk(2026, 3, 4, 11), "on_track")
    assert _sla_events(ticket) == []
    assert mail.outbox == []


def test_a_breach_undone_by_a_later_day_off_is_cleared(clock, sent, personas, member):
    clock.move_to(msk(2026, 3, 2, 16))
    ticket = file_ticket(member)  # due Tue 11:00
    clock.move_to(msk(2026, 3, 3, 12))
    with sent():
        assert sweep.sweep() == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
    mail.outbox.clear()
    with sent():  # the decree is entered late, the same day
        _day_off(personas.contract.calendar)
    ticket.refresh_from_db()
    assert (ticket.reaction_due_at, ticket.sla_state) == (msk(2026, 3, 4, 11), "on_track")
    assert mail.outbox == [], "clearing a breach alerts nobody"
    assert ticket.sla_next_check_at == msk(2026, 3, 4, 10, 12), "back under the sweep's eye"


@pytest.mark.parametrize("first", ["task", "sweep"])
def test_a_breach_made_by_removing_a_day_off_is_recorded_once(
    clock, sent, django_capture_on_commit_callbacks, personas, member, manager, first
):
    """Whichever of the background task and the sweep sees the breach first records it and
    alerts; the other finds it claimed."""
    day_off = _day_off(personas.contract.calendar)
    clock.move_to(msk(2026, 3, 2, 16))
    ticket = file_ticket(member)  # Tue off: due Wed 11:00, at risk Wed 10:12
    assert ticket.reaction_due_at == msk(2026, 3, 4, 11)
    clock.move_to(msk(2026, 3, 4, 10, 30))
    stale = list(sweep.sweep_candidates())  # a sweep reads its tickets before the change
    with django_capture_on_commit_callbacks() as task:
        day_off.delete()  # Tue counts again: due Tue 11:00, long past
    if first == "task":
        with sent():
            for callback in task:
                callback()
            assert sweep.sweep(tickets=stale) == 0
    else:
        with sent():
            assert sweep.sweep(tickets=stale) == 1
        with sent():
            for callback in task:
                callback()
    ticket.refresh_from_db()
    assert (ticket.reaction_due_at, ticket.sla_state) == (msk(2026, 3, 3, 11), "breached")
    assert _sla_events(ticket) == [("on_track", "breached")]
    assert [m.to for m in mail.outbox] == [[manager.email]]
    with sent():
        assert sweep.sweep() == 0


@pytest.mark.parametrize(
    ("change", "due"),
    [
        ({"weekly_hours": {str(d): [["10:00", "12:00"]] for d in range(5)}}, msk(2026, 3, 3, 12)),
        ({"time_zone": "Europe/Kaliningrad"}, msk(2026, 3, 2, 15)),  # 10:00-19:00 is 11-20 MSK
    ],
    ids=["hours", "time zone"],
)
def test_a_change_of_the_calendars_hours_or_zone_moves_open_deadlines(
    clock, sent, personas, member, change, due
):
    ticket = file_ticket(member)  # Mon 10:00 MSK + 4 h: Mon 14:00
    calendar = personas.contract.calendar
    for name, value in change.items():
        setattr(calendar, name, value)
    with sent():
        calendar.save()
    ticket.refresh_from_db()
    assert ticket.reaction_due_at == due


def test_a_target_change_of_the_plan_moves_open_deadlines(clock, sent, personas, member):
    ticket = file_ticket(member)  # due Mon 14:00
    target = _high_incident_target(personas.contract.sla_plan)
    target.reaction_minutes = 120
    clock.move_to(msk(2026, 3, 2, 11, 45))
    with sent():
        target.save()
    ticket.refresh_from_db()
    assert (ticket.reaction_due_at, ticket.sla_state) == (msk(2026, 3, 2, 12), "at_risk")
    assert _sla_events(ticket) == [("on_track", "at_risk")], "alerted like any change"


@pytest.mark.parametrize("term", ["calendar", "sla_plan"])
def test_a_change_of_a_contracts_calendar_or_plan_moves_its_open_deadlines(
    clock, sent, personas, member, outsider, term
):
    mine, theirs = file_ticket(member), file_ticket(outsider)  # Mon 10:00, due Mon 14:00
    contract = personas.contract
    if term == "calendar":
        contract.calendar = WorkingCalendar.objects.create(
            name="Mornings", weekly_hours={str(d): [["10:00", "12:00"]] for d in range(5)}
        )
        due = msk(2026, 3, 3, 12)
    else:
        contract.sla_plan = SLAPlan.objects.create(name="Gold")
        ReactionTarget.objects.create(
            plan=contract.sla_plan, ticket_type=TicketType.INCIDENT, reaction_minutes=60
        )
        due = msk(2026, 3, 2, 11)
    with sent():
        contract.save()
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.reaction_due_at == due
    assert theirs.reaction_due_at == msk(2026, 3, 2, 14), "another contract's ticket stays"


def test_a_contract_saved_with_the_same_calendar_and_plan_recomputes_nothing(personas, monkeypatch):
    asked: list[tuple[Any, ...]] = []
    monkeypatch.setattr(signals, "recompute_after_commit", lambda *args: asked.append(args))
    contract = Contract.objects.get(pk=personas.contract.pk)
    contract.number = "VL-1/2026"
    contract.save()
    contract.calendar = WorkingCalendar.objects.create(name="Other")
    contract.save(update_fields=["calendar"])
    assert asked == [("contract", contract.pk)]


@pytest.mark.parametrize(
    ("status", "recomputed"),
    [
        (Status.NEW, True),
        (Status.ACCEPTED, True),
        (Status.IN_PROGRESS, True),
        (Status.WAITING_FOR_CUSTOMER, True),  # its clocks stand paused, to run again
        (Status.RESOLVED, False),  # a reopening recomputes from the filing (next test)
        (Status.CLOSED, False),
        (Status.DECLINED, False),  # never counts
    ],
)
def test_open_tickets_are_those_whose_clocks_run_or_stand_paused(
    clock, member, personas, status, recomputed
):
    ticket = file_ticket(member)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    contracts = Contract.objects.filter(pk=personas.contract.pk)
    assert sweep.open_tickets(contracts).filter(pk=ticket.pk).exists() is recomputed


def test_a_ticket_reopened_after_the_change_gets_the_new_deadlines(
    clock, sent, personas, member, agent
):
    target = _high_incident_target(personas.contract.sla_plan)
    target.resolution_minutes = 9 * 60
    target.save()
    ticket = file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 12))
    tickets.change_status(ticket, agent, Status.RESOLVED)  # 2 h of 9 used
    with sent():
        _day_off(personas.contract.calendar)
    clock.move_to(msk(2026, 3, 2, 13))
    tickets.reopen(ticket, agent)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == msk(2026, 3, 4, 11), "6 h on Mon, Tue off, 1 h on Wed"


def test_open_tickets_are_recomputed_in_batches(clock, sent, personas, member, monkeypatch):
    filed = [file_ticket(member) for _ in range(5)]
    batches: list[int] = []
    recompute_batch = sweep._recompute_batch

    def counted(pks: list[int]) -> int:
        batches.append(len(pks))
        return recompute_batch(pks)

    monkeypatch.setattr(sweep, "BATCH", 2)
    monkeypatch.setattr(sweep, "_recompute_batch", counted)
    with sent():
        _day_off(personas.contract.calendar, dt.date(2026, 3, 2))
    assert batches == [2, 2, 1]
    dues = Ticket.objects.filter(pk__in=[t.pk for t in filed]).values_list("reaction_due_at")
    assert set(dues) == {(msk(2026, 3, 3, 14),)}


def test_several_changes_in_one_transaction_recompute_once(
    clock, sent, personas, member, monkeypatch
):
    """A calendar saved with its exceptions (the back office's inline rows): each row
    enqueues a task, only the one with the calendar's last stamp does the work."""
    file_ticket(member)
    batches: list[list[int]] = []

    def counted(pks: list[int]) -> int:
        batches.append(pks)
        return len(pks)

    monkeypatch.setattr(sweep, "_recompute_batch", counted)
    calendar = personas.contract.calendar
    with sent(), transaction.atomic():
        calendar.save()
        for day in (3, 4, 5):
            _day_off(calendar, dt.date(2026, 3, day))
    assert len(batches) == 1


@pytest.mark.parametrize(
    "bad",
    [{"time_zone": "Mars/Olympus"}, {"weekly_hours": {"0": [["25:00", "19:00"]]}}],
    ids=["unknown zone", "bad hours"],
)
def test_a_calendar_that_cannot_be_built_stops_neither_the_sweep_nor_the_recomputation(
    clock, sent, personas, member, outsider, caplog, bad
):
    broken = WorkingCalendar.objects.create(name="To be broken")
    contract = personas.contract
    contract.calendar = broken
    contract.save()
    first = file_ticket(member)  # read first: the same next check moment, a lower id
    second = file_ticket(outsider)
    # Bad back-office data, written past the form's checks.
    WorkingCalendar.objects.filter(pk=broken.pk).update(version=uuid.uuid4(), **bad)
    clock.move_to(msk(2026, 3, 2, 14, 1))
    with sent(), caplog.at_level(logging.ERROR, logger="secondline.sla.sweep"):
        assert sweep.sweep() == 1
        assert sweep.recompute_open(Contract.objects.all()) == 1
    second.refresh_from_db()
    assert second.sla_state == "breached"
    assert f"ticket {first.pk} skipped" in caplog.text
    assert f"contract {contract.pk} keeps its open tickets' deadlines" in caplog.text
