"""The SLA of a ticket through the support rules: deadlines, reactions, stops and states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secondline.sla.models import ReactionTarget
from secondline.sla.services import stored_state
from secondline.tickets import services
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import consultation_draft, file_ticket, incident_draft
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("ticket_type", "priority", "due", "rule"),
    [
        (TicketType.INCIDENT, Priority.URGENT, msk(2026, 3, 2, 11), "urgent: 1 business hour"),
        (TicketType.INCIDENT, Priority.HIGH, msk(2026, 3, 2, 14), "high: 4 business hours"),
        (TicketType.INCIDENT, Priority.NORMAL, msk(2026, 3, 2, 19), "normal: one business day"),
        (TicketType.INCIDENT, Priority.LOW, msk(2026, 3, 4, 19), "low: three business days"),
        (TicketType.CONSULTATION, "", msk(2026, 3, 3, 19), "consultation: two business days"),
        (TicketType.CHANGE_REQUEST, "", msk(2026, 3, 3, 19), "change request: two days"),
    ],
)
def test_the_default_plan_sets_the_reaction_deadline(
    clock, member, ticket_type, priority, due, rule
) -> None:
    draft = (
        incident_draft(requested_priority=priority)
        if ticket_type == TicketType.INCIDENT
        else consultation_draft(type=ticket_type)
    )
    ticket = file_ticket(member, draft)
    assert ticket.reaction_due_at == due, rule
    assert ticket.sla_state == "on_track"
    assert ticket.resolution_due_at is None


def test_update_installation_gets_two_business_days(clock, member) -> None:
    draft = consultation_draft(
        type=TicketType.UPDATE_INSTALLATION, target_version="5.2", preferred_windows="Sat night"
    )
    assert file_ticket(member, draft).reaction_due_at == msk(2026, 3, 3, 19)


def test_a_plan_with_a_resolution_target_sets_the_resolution_deadline(clock, member, personas):
    target = ReactionTarget.objects.get(
        plan=personas.contract.sla_plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH
    )
    target.resolution_minutes = 18 * 60
    target.save()
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.HIGH))
    assert ticket.resolution_due_at == msk(2026, 3, 3, 19)


def test_a_public_answer_by_the_contractor_is_the_reaction(clock, member, agent) -> None:
    ticket = file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 11))
    services.add_comment(ticket, agent, "Internal: looking", public=False)
    ticket.refresh_from_db()
    assert ticket.first_reaction_at is None, "an internal note is not a reaction"
    clock.move_to(msk(2026, 3, 2, 12))
    services.add_comment(ticket, agent, "We are on it.")
    ticket.refresh_from_db()
    assert ticket.first_reaction_at == msk(2026, 3, 2, 12)
    assert ticket.sla_state == "met"


def test_a_customer_remark_or_a_staff_note_moves_no_deadline(clock, member, agent) -> None:
    ticket = file_ticket(member)
    filed = Ticket.objects.values("reaction_due_at", "sla_state", "sla_next_check_at")
    before = filed.get(pk=ticket.pk)
    clock.move_to(msk(2026, 3, 2, 11))
    with CaptureQueriesContext(connection) as queries:
        services.add_comment(ticket, member, "Any news?")
        services.add_comment(ticket, agent, "Internal: the logs are odd", public=False)
    assert not [
        q
        for q in queries
        if "reaction_due_at" in q["sql"].split("WHERE")[0] and q["sql"].startswith("UPDATE")
    ], "nothing recomputed"
    assert filed.get(pk=ticket.pk) == before
    clock.move_to(msk(2026, 3, 2, 12))
    services.add_comment(ticket, agent, "We are on it.")  # the contractor's answer still counts
    ticket.refresh_from_db()
    assert (ticket.first_reaction_at, ticket.sla_state) == (msk(2026, 3, 2, 12), "met")


def test_acceptance_is_the_reaction(clock, member, agent) -> None:
    ticket = file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 13))
    services.change_status(ticket, agent, Status.ACCEPTED)
    ticket.refresh_from_db()
    assert ticket.first_reaction_at == msk(2026, 3, 2, 13)
    assert ticket.sla_state == "met"


def test_a_late_reaction_is_a_breach(clock, member, agent) -> None:
    ticket = file_ticket(member)  # high: due 14:00
    clock.move_to(msk(2026, 3, 2, 15))
    services.change_status(ticket, agent, Status.ACCEPTED)
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"


def test_a_priority_change_recomputes_from_the_filing(clock, member, agent) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.LOW))
    clock.move_to(msk(2026, 3, 2, 10, 30))
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down")
    ticket.refresh_from_db()
    assert ticket.reaction_due_at == msk(2026, 3, 2, 11)
    assert ticket.sla_state == "on_track"  # half of the hour elapsed
    clock.move_to(msk(2026, 3, 2, 11, 30))
    services.change_priority(ticket, agent, Priority.HIGH, "Not that urgent after all")
    ticket.refresh_from_db()
    assert ticket.reaction_due_at == msk(2026, 3, 2, 14)


def test_waiting_for_the_customer_stops_the_resolution_clock(clock, member, agent, personas):
    target = ReactionTarget.objects.get(
        plan=personas.contract.sla_plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH
    )
    target.resolution_minutes = 9 * 60
    target.save()
    ticket = file_ticket(member)  # reaction due 14:00, resolution due Mon 19:00
    clock.move_to(msk(2026, 3, 2, 11))
    services.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.first_reaction_at == msk(2026, 3, 2, 11)
    assert ticket.sla_state == "paused"
    assert ticket.sla_paused_since == msk(2026, 3, 2, 11)
    clock.move_to(msk(2026, 3, 3, 11))  # the customer answers a business day later
    services.add_comment(ticket, member, "Here are the logs.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.sla_paused_since is None
    assert ticket.sla_paused_seconds == 9 * 3600
    assert ticket.resolution_due_at == msk(2026, 3, 3, 19), "moved by the 9 h stop"
    assert ticket.reaction_due_at == msk(2026, 3, 2, 14), "reacted: the stop does not move it"
    assert ticket.sla_state == "on_track"


def test_resolving_in_time_meets_the_resolution_target(clock, member, agent, personas):
    target = ReactionTarget.objects.get(
        plan=personas.contract.sla_plan, ticket_type=TicketType.INCIDENT, priority=Priority.HIGH
    )
    target.resolution_minutes = 9 * 60
    target.save()
    ticket = file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 11))
    services.change_status(ticket, agent, Status.IN_PROGRESS)
    clock.move_to(msk(2026, 3, 2, 18))
    services.change_status(ticket, agent, Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.sla_state == "met"
    clock.move_to(msk(2026, 3, 3, 12))  # reopened the next day: the resolved time is a stop
    services.change_status(ticket, member, Status.IN_PROGRESS)
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == msk(2026, 3, 3, 13), "8 h ran before, 1 h is left"
    assert ticket.sla_state == "at_risk"


def test_declined_tickets_never_count(clock, member, agent) -> None:
    ticket = file_ticket(member)
    clock.move_to(msk(2026, 3, 3, 10))  # long past the deadline
    services.decline_ticket(ticket, agent, "out-of-scope-db-server")
    ticket.refresh_from_db()
    assert ticket.sla_state == ""
    assert not ticket.events.filter(kind=TicketEvent.Kind.SLA_CHANGED).exists()


def test_the_stored_state_turns_at_risk_at_80_percent(clock, member) -> None:
    ticket = Ticket.objects.get(pk=file_ticket(member).pk)  # high: 4 h, due 14:00
    assert stored_state(ticket, msk(2026, 3, 2, 13, 11)) == "on_track"
    assert stored_state(ticket, msk(2026, 3, 2, 13, 12)) == "at_risk"
    assert stored_state(ticket, msk(2026, 3, 2, 14) + timedelta(seconds=1)) == "breached"
