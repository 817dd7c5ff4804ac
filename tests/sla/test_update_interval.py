"""The plan's optional update interval: after its reaction the contractor keeps the customer
informed with a public update at least every so many business minutes."""

from __future__ import annotations

import pytest

from secondline.sla import services, sweep
from secondline.sla.models import ReactionTarget
from secondline.tickets import services as tickets
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket
from tests.factories import file_ticket, incident_draft
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db


@pytest.fixture
def hourly_updates(personas) -> None:
    _set_interval(personas.contract.sla_plan.targets.filter(ticket_type=TicketType.INCIDENT), 60)


def _set_interval(targets, minutes: int | None) -> None:
    """Through save(), as the back office does, so the cached plans hear of it."""
    for target in targets:
        target.update_minutes = minutes
        target.save()


def _reacted(clock, member, agent) -> Ticket:
    ticket = file_ticket(member)  # Mon 2 Mar 2026 10:00 MSK, High
    clock.move_to(msk(2026, 3, 2, 10, 30))
    tickets.add_comment(ticket, agent, "We are looking into it.")
    return Ticket.objects.get(pk=ticket.pk)


def test_the_next_update_is_due_an_interval_after_the_last_public_answer(
    clock, hourly_updates, member, agent
) -> None:
    ticket = _reacted(clock, member, agent)
    assert ticket.update_due_at == msk(2026, 3, 2, 11, 30)
    clock.move_to(msk(2026, 3, 2, 11, 20))
    tickets.add_comment(ticket, agent, "Found the cause, testing a fix.")
    ticket.refresh_from_db()
    assert ticket.update_due_at == msk(2026, 3, 2, 12, 20)
    assert ticket.sla_state == "on_track", "reaction met, an update owed"


def test_internal_notes_are_not_updates(clock, hourly_updates, member, agent) -> None:
    ticket = _reacted(clock, member, agent)
    clock.move_to(msk(2026, 3, 2, 11, 20))
    tickets.add_comment(ticket, agent, "Note to self", public=False)
    ticket.refresh_from_db()
    assert ticket.update_due_at == msk(2026, 3, 2, 11, 30)


def test_a_missed_update_is_a_breach_found_by_the_sweep(
    clock, hourly_updates, member, agent
) -> None:
    ticket = _reacted(clock, member, agent)
    clock.move_to(msk(2026, 3, 2, 11, 31))
    assert sweep.sweep() == 1
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
    clock.move_to(msk(2026, 3, 2, 11, 40))
    tickets.add_comment(ticket, agent, "Sorry for the delay.")
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached", "a missed update stays on the record"


def test_the_interval_counts_business_time_and_stops_while_waiting(
    clock, hourly_updates, member, agent
) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.LOW))
    clock.move_to(msk(2026, 3, 2, 18, 30))
    tickets.add_comment(ticket, agent, "Reaction at 18:30")
    ticket.refresh_from_db()
    assert ticket.update_due_at == msk(2026, 3, 3, 10, 30)  # 30 min on Monday, 30 on Tuesday
    clock.move_to(msk(2026, 3, 3, 10, 0))
    ticket = tickets.change_status(ticket, agent, Status.IN_PROGRESS)
    ticket = tickets.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER)
    clock.move_to(msk(2026, 3, 3, 15, 0))
    assert sweep.sweep() == 0
    ticket.refresh_from_db()
    assert ticket.sla_state == "paused"
    assert services.explanation(ticket)


def test_no_update_is_owed_after_resolution_or_without_an_interval(
    clock, hourly_updates, member, agent
) -> None:
    ticket = _reacted(clock, member, agent)
    ticket = tickets.change_status(ticket, agent, Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.update_due_at is None
    plain = file_ticket(member, None)
    _set_interval(ReactionTarget.objects.all(), None)
    tickets.add_comment(plain, agent, "Hello")
    plain.refresh_from_db()
    assert plain.update_due_at is None
